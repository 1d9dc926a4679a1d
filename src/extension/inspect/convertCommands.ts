/** "Segment: Export Dataset" and "Segment: Import Dataset": `segment convert` with pickers and a progress notification. */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { ExportParams, ImportFormat } from '../../core/convert';
import { JobProgress } from '../../core/protocol';
import { WorkerClient } from '../workerClient';

const EXPORTS: (vscode.QuickPickItem & { params: Pick<ExportParams, 'format' | 'segmentation'> })[] = [
  { label: 'COCO instances, RLE', description: 'exact masks; one annotation per object', params: { format: 'coco', segmentation: 'rle' } },
  { label: 'COCO instances, polygons', description: 'exact at the default tolerance (0.5 px)', params: { format: 'coco', segmentation: 'polygon' } },
  { label: 'Pascal VOC', description: 'palette PNGs of class ids and objects', params: { format: 'voc' } },
  { label: 'YOLO segmentation', description: 'Ultralytics polygons and data.yaml', params: { format: 'yolo' } },
];

const IMPORTS: (vscode.QuickPickItem & { format: ImportFormat; file: boolean })[] = [
  { label: 'COCO instances', description: 'an annotations .json (or a folder with annotations/)', format: 'coco', file: true },
  { label: 'Pascal VOC', description: 'a folder with JPEGImages/ and SegmentationClass/', format: 'voc', file: false },
  { label: 'YOLO segmentation', description: 'a folder with data.yaml, images/ and labels/', format: 'yolo', file: false },
  { label: 'LabelMe', description: 'a folder of LabelMe .json files', format: 'labelme', file: false },
];

export async function exportCommand(worker: WorkerClient, root: string): Promise<void> {
  const choice = await vscode.window.showQuickPick(EXPORTS, { title: `Export ${path.basename(root)}`, placeHolder: 'Format' });
  if (!choice) return;
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Export here', title: 'Output folder (a new or empty folder)', defaultUri: vscode.Uri.file(path.dirname(root)) });
  if (!picked?.[0]) return;
  const out = picked[0].fsPath;
  const force = await confirmReplace(out);
  if (force === undefined) return;
  const result = await runWithProgress(`Exporting ${path.basename(root)} as ${choice.label}`, (onProgress, signal) =>
    worker.run('exportDataset', { root, out, force, ...choice.params }, { onProgress, signal }),
  );
  if (!result) return;
  const notes = [result.skipped.length ? `${result.skipped.length} images left out (no mask or unreadable)` : '', ...result.notes].filter(Boolean);
  const reveal = await vscode.window.showInformationMessage(`Exported ${result.images} images, ${result.objects} objects to ${out}.${notes.length ? ' ' + notes.join('; ') + '.' : ''}`, 'Reveal in OS');
  if (reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(out));
}

export async function importCommand(worker: WorkerClient): Promise<void> {
  const choice = await vscode.window.showQuickPick(IMPORTS, { title: 'Import a dataset', placeHolder: 'Format of the data to import' });
  if (!choice) return;
  const source = await vscode.window.showOpenDialog({ canSelectFiles: choice.file, canSelectFolders: true, canSelectMany: false, openLabel: 'Import', title: `${choice.label}: ${choice.description}`, filters: choice.file ? { 'COCO annotations': ['json'] } : undefined });
  if (!source?.[0]) return;
  const target = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Create dataset here', title: 'New dataset folder (a new or empty folder)' });
  if (!target?.[0]) return;
  const out = target[0].fsPath;
  const force = await confirmReplace(out);
  if (force === undefined) return;
  const result = await runWithProgress(`Importing ${choice.label}`, (onProgress, signal) =>
    worker.run('importDataset', { source: source[0].fsPath, format: choice.format, out, force }, { onProgress, signal }),
  );
  if (!result) return;
  const inWorkspace = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(out));
  const action = await vscode.window.showInformationMessage(
    `Imported ${result.images} images, ${result.objects} objects, ${result.classes.length - 1} classes into ${out}.${result.notes.length ? ' ' + result.notes.join('; ') + '.' : ''}`,
    ...(inWorkspace ? [] : ['Add to Workspace']),
  );
  if (action === 'Add to Workspace') vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri: vscode.Uri.file(out) });
}

/** undefined: cancelled; false: the folder is empty or new; true: the user agreed to replace. */
async function confirmReplace(out: string): Promise<boolean | undefined> {
  const entries = await fs.readdir(out).catch(() => [] as string[]);
  if (entries.filter((e) => !e.startsWith('.')).length === 0) return false;
  const answer = await vscode.window.showWarningMessage(`${out} is not empty. Replace the entries that the conversion writes (others stay)?`, { modal: true }, 'Replace');
  return answer === 'Replace' ? true : undefined;
}

async function runWithProgress<R>(title: string, run: (onProgress: (p: JobProgress) => void, signal: AbortSignal) => Promise<R>): Promise<R | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    let last = 0;
    try {
      return await run((p) => {
        const pct = p.total ? (p.done / p.total) * 100 : 0;
        progress.report({ message: `${p.done} / ${p.total}`, increment: pct - last });
        last = pct;
      }, controller.signal);
    } catch (e) {
      if (!controller.signal.aborted) void vscode.window.showErrorMessage(`${title} failed: ${(e as Error).message}`);
      return undefined;
    }
  });
}

