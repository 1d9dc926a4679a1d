/**
 * Dataset inspection: the Segment activity-bar view of the datasets, the linter in the Problems
 * panel, statistics and evaluation reports, the prediction-vs-truth comparison, and export/import.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { WorkerClient } from '../workerClient';
import { DatasetModel } from './datasetModel';
import { DatasetNode, DatasetTreeProvider, filesOf } from './datasetView';
import { DatasetFixes, DatasetLinter } from './linter';
import { showEvaluation, showStatistics } from './reportPanels';
import { showComparison } from './comparePanel';
import { exportCommand, importCommand } from './convertCommands';

export function registerInspect(context: vscode.ExtensionContext, worker: WorkerClient, log: vscode.LogOutputChannel): void {
  const model = new DatasetModel(worker, log);
  const tree = new DatasetTreeProvider(model);
  const linter = new DatasetLinter(model, worker, log);
  const view = vscode.window.createTreeView('segment.datasets', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(model, linter, view, vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new DatasetFixes(), { providedCodeActionKinds: DatasetFixes.kinds }));
  // Lint on open, whether or not the view is shown.
  void linter.lintAll();

  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  /** The dataset root a command is about: its argument (a view node or a file), else the only one, else a pick. */
  const rootFor = async (arg?: unknown): Promise<string | undefined> => {
    await model.ready();
    if (arg && typeof arg === 'object' && 'root' in arg) return (arg as DatasetNode).root;
    if (arg instanceof vscode.Uri) {
      const root = model.rootOf(arg.fsPath) ?? (model.roots.includes(arg.fsPath) ? arg.fsPath : undefined);
      if (root) return root;
    }
    const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
    const fromActive = active?.uri ? model.rootOf(active.uri.fsPath) : undefined;
    const roots = model.roots;
    if (roots.length === 0) {
      void vscode.window.showInformationMessage('No dataset in this workspace: a dataset is a folder with a segment.json, or images/ with masks/ (also Pascal VOC and CamVid layouts).');
      return undefined;
    }
    if (roots.length === 1) return roots[0];
    if (fromActive) return fromActive;
    const pick = await vscode.window.showQuickPick(roots.map((r) => ({ label: path.basename(r), description: r, root: r })), { placeHolder: 'Which dataset?' });
    return pick?.root;
  };

  register('segment.refreshDatasets', () => model.refresh());

  register('segment.showStatistics', async (arg?: unknown) => {
    const root = await rootFor(arg);
    if (root) showStatistics(context, worker, root);
  });

  register('segment.evaluate', async (arg?: unknown, predictions?: string) => {
    const root = await rootFor(arg);
    if (!root) return;
    if (predictions === undefined) {
      const prelabels = path.join(root, model.index(root)?.prelabels ?? 'prelabels');
      const choice = await vscode.window.showQuickPick(
        [
          { label: 'Pre-labels', description: path.relative(root, prelabels), folder: prelabels },
          { label: 'Folder of predictions…', description: '<key>.png class-id maps, e.g. a model\'s output', folder: '' },
        ],
        { title: `Evaluate ${path.basename(root)}`, placeHolder: 'Compare which predictions with the masks?' },
      );
      if (!choice) return;
      predictions = choice.folder;
      if (!predictions) {
        const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Evaluate', defaultUri: vscode.Uri.file(root) });
        if (!picked?.[0]) return;
        predictions = picked[0].fsPath;
      }
    }
    showEvaluation(context, worker, root, predictions);
  });

  register('segment.showComparison', async (image?: vscode.Uri, prediction?: string) => {
    const target = image instanceof vscode.Uri ? image : (vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined)?.uri;
    if (!target) return void vscode.window.showInformationMessage('Open or select an image that has a mask and a pre-label first.');
    try {
      await showComparison(context, worker, log, target, prediction);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot compare ${path.basename(target.fsPath)}: ${(e as Error).message}`);
    }
  });

  register('segment.exportDataset', async (arg?: unknown) => {
    const root = await rootFor(arg);
    if (root) await exportCommand(worker, root);
  });
  register('segment.importDataset', () => importCommand(worker));

  register('segment.fixMaskEncoding', async (uri?: vscode.Uri) => {
    if (!(uri instanceof vscode.Uri)) {
      // From the palette: the masks the linter found stored as RGB(A).
      const files = linter.filesWith('mask-not-single-channel');
      if (files.length === 0) return void vscode.window.showInformationMessage('No mask needs rewriting: every mask is single-channel.');
      const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f), description: f, file: f })), { placeHolder: 'Rewrite which mask as a palette PNG (same class ids)?' });
      if (!pick) return;
      uri = vscode.Uri.file(pick.file);
    }
    const root = model.rootOf(uri.fsPath);
    if (!root) return;
    try {
      await worker.run('maskToPalette', { root, mask: path.relative(root, uri.fsPath).split(path.sep).join('/') });
      void vscode.window.showInformationMessage(`${path.basename(uri.fsPath)} is now a palette PNG with the same class ids.`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Could not rewrite ${path.basename(uri.fsPath)}: ${(e as Error).message}`);
    }
  });

  // Context actions of an image in the view.
  register('segment.dataset.prelabel', async (node: DatasetNode) => {
    const files = filesOf(node);
    if (!files) return;
    // Pre-labelling is its own feature; this action hands it the image.
    const available = (await vscode.commands.getCommands(true)).includes('segment.predict');
    if (!available) return void vscode.window.showInformationMessage('Pre-labelling is not available in this build of Segment Studio.');
    await vscode.commands.executeCommand('segment.predict', files.image);
  });
  register('segment.dataset.openMask', (node: DatasetNode) => {
    const files = filesOf(node);
    if (files?.mask) void vscode.commands.executeCommand('vscode.open', files.mask);
  });
  register('segment.dataset.openPrelabel', (node: DatasetNode) => {
    const files = filesOf(node);
    if (files?.prelabel) void vscode.commands.executeCommand('vscode.open', files.prelabel);
  });
  register('segment.dataset.compare', (node: DatasetNode) => {
    const files = filesOf(node);
    if (files?.prelabel) void vscode.commands.executeCommand('segment.showComparison', files.image, files.prelabel.fsPath);
  });
  register('segment.dataset.deletePrelabel', async (node: DatasetNode) => {
    const files = filesOf(node);
    if (!files?.prelabel) return;
    const answer = await vscode.window.showWarningMessage(`Delete the pre-label of ${path.basename(files.image.fsPath)}? It goes to the trash.`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    for (const uri of [files.prelabel, files.prelabelInfo, files.prelabelInstances]) if (uri) await vscode.workspace.fs.delete(uri, { useTrash: true });
  });
  register('segment.dataset.reveal', (node: DatasetNode) => {
    const files = filesOf(node);
    if (files) void vscode.commands.executeCommand('revealInExplorer', files.image);
  });
}
