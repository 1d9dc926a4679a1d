/**
 * "Segment: Pre-label Folder", "Segment: Predict" and "Segment: Label Next Most Uncertain Image".
 * Batch pre-labelling runs in a worker process of its own, so the editor's jobs (locate, Predict)
 * never wait behind a long run; Predict uses the shared worker, which keeps its model warm.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { PrelabelResult, progressLine, skippedSummary } from '../../core/prelabel';
import { JobFailedError, WorkerClient } from '../workerClient';
import { EDITOR_VIEW_TYPE } from '../segmentEditorProvider';
import { runPrelabelJob } from './runJob';
import { chooseFolder, modelChoice, ModelChoice, ModelSettingError, showModelError, whenTrusted } from './modelSettings';

export function registerPrelabel(context: vscode.ExtensionContext, worker: WorkerClient, log: vscode.LogOutputChannel): void {
  const workerPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath;
  const batchWorker = new WorkerClient(workerPath, (line) => log.info(`[pre-label worker] ${line}`));
  context.subscriptions.push({ dispose: () => batchWorker.dispose() });
  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const openInEditor = (file: string) => vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), EDITOR_VIEW_TYPE);

  /** The model from the settings, or undefined after telling the user what is wrong. */
  const model = async (what: string): Promise<ModelChoice | undefined> => {
    await whenTrusted(what);
    try {
      return modelChoice(context);
    } catch (e) {
      if (!(e instanceof ModelSettingError)) throw e;
      log.error(e.message);
      await showModelError(e.message);
      return undefined;
    }
  };

  /** Job errors: a bad model points at the setting; cancel is not an error. */
  const report = async (what: string, e: unknown) => {
    const err = e as JobFailedError;
    if (err.code === 'cancelled') return void vscode.window.showInformationMessage(`${what}: ${err.message}.`);
    log.error(`${what}: ${err.message}`);
    if (err.code === 'bad-input' && /model|manifest|CUDA/i.test(err.message)) return showModelError(`${what}: ${err.message}`);
    void vscode.window.showErrorMessage(`${what} failed: ${err.message}`);
  };

  register('segment.prelabelFolder', async (uri?: vscode.Uri, options?: { all?: boolean }) => {
    const folder = await chooseFolder(uri, 'Pre-label');
    if (!folder) return;
    let all = options?.all;
    if (all === undefined) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: '$(filter) Images without a human mask', description: 'masks are never changed', all: false },
          { label: '$(files) All images', description: 'also those with a mask, to compare (their masks stay as they are)', all: true },
        ],
        { placeHolder: `Pre-label which images of ${path.basename(folder)}?` },
      );
      if (!pick) return;
      all = pick.all;
    }
    const chosen = await model('Pre-labelling');
    if (!chosen) return;
    log.info(`pre-labelling ${folder} with ${chosen.file} (device ${chosen.device}${all ? ', all images' : ''})`);
    let result: PrelabelResult;
    try {
      result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Pre-labelling ${path.basename(folder)}`, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          progress.report({ message: `loading ${path.basename(chosen.file)}…` });
          let shown = 0;
          return runPrelabelJob(batchWorker, { folder, model: chosen.file, device: chosen.device, all }, {
            signal: controller.signal,
            onProgress: (p) => {
              const fraction = p.total > 0 ? p.done / p.total : 1;
              progress.report({ message: progressLine(p.done, p.total, p.imagesPerSecond), increment: (fraction - shown) * 100 });
              shown = fraction;
            },
          });
        },
      );
    } catch (e) {
      return report('Pre-labelling', e);
    }
    await showSummary(result);
  });

  async function showSummary(r: PrelabelResult): Promise<void> {
    if (r.notice) log.warn(r.notice);
    for (const f of r.failed) log.error(`pre-label failed: ${f.path}: ${f.reason}`);
    log.info(`pre-labelled ${r.root}: ${r.written} written, ${r.skipped.length} skipped, ${r.failed.length} failed, ${r.imagesPerSecond.toFixed(2)} images/s on ${r.executionProvider}`);
    const parts = [`${r.written} written`];
    if (r.skipped.length) parts.push(`${r.skipped.length} skipped (${skippedSummary(r.skipped)})`);
    if (r.failed.length) parts.push(`${r.failed.length} failed (${r.failed[0].path}: ${r.failed[0].reason}${r.failed.length > 1 ? '; more in the log' : ''})`);
    const speed = r.written ? `, ${r.imagesPerSecond.toFixed(1)} images/s` : '';
    const message = `Pre-labelled ${path.basename(r.root)} on ${r.executionProvider.toUpperCase()}${speed}: ${parts.join(', ')}.${r.notice ? ` ${r.notice}` : ''}`;
    const open = 'Open First Pre-label';
    const buttons = [...(r.firstWritten ? [open] : []), ...(r.failed.length ? ['Show Log'] : [])];
    const choice = await (r.failed.length ? vscode.window.showWarningMessage(message, ...buttons) : vscode.window.showInformationMessage(message, ...buttons));
    if (choice === open) await openInEditor(path.join(r.root, ...r.firstWritten!.split('/')));
    else if (choice === 'Show Log') log.show();
  }

  register('segment.predict', async (uri?: vscode.Uri) => {
    const image = uri instanceof vscode.Uri ? uri : activeImage();
    if (!image || image.scheme !== 'file') {
      return void vscode.window.showInformationMessage('Open an image in the segmentation editor first, then run Segment: Predict.');
    }
    const chosen = await model('Predict');
    if (!chosen) return;
    try {
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Predicting ${path.basename(image.fsPath)}…` },
        () => worker.run('predict', { image: image.fsPath, model: chosen.file, device: chosen.device }),
      );
      if (r.notice) log.warn(r.notice);
      const confidence = r.info.meanConfidence === null ? '' : `, mean confidence ${(r.info.meanConfidence * 100).toFixed(0)}%`;
      log.info(`predicted ${image.fsPath}: ${r.prelabel} (${r.info.executionProvider}${confidence})`);
      vscode.window.setStatusBarMessage(`$(sparkle) Pre-label written: ${path.relative(r.root, r.prelabel)} (${r.info.executionProvider.toUpperCase()}${confidence})`, 8000);
      if (activeImage()?.fsPath !== image.fsPath || !isSegmentEditorActive()) await openInEditor(image.fsPath);
    } catch (e) {
      await report('Predict', e);
    }
  });

  register('segment.labelNextUncertain', async (uri?: vscode.Uri) => {
    const folder = uri instanceof vscode.Uri ? uri.fsPath : await datasetOfActiveImage(worker) ?? (await chooseFolder(undefined, 'Label next'));
    if (!folder) return;
    try {
      const r = await worker.run('nextUncertain', { folder });
      if (!r.image) {
        const why = r.withoutPrelabel > 0 ? `none of its ${r.withoutPrelabel} unlabelled images has a pre-label yet` : 'every image has a human mask';
        const run = 'Pre-label Folder';
        const choice = await vscode.window.showInformationMessage(`Nothing to label next in ${path.basename(r.root)}: ${why}.`, ...(r.withoutPrelabel > 0 ? [run] : []));
        if (choice === run) await vscode.commands.executeCommand('segment.prelabelFolder', vscode.Uri.file(r.root), { all: false });
        return;
      }
      await openInEditor(r.image);
      vscode.window.setStatusBarMessage(
        `$(target) Most uncertain: ${path.relative(r.root, r.image)} (mean entropy ${r.meanEntropy!.toFixed(3)}; ${r.candidates} pre-labelled images await review)`,
        10_000,
      );
    } catch (e) {
      await report('Label next', e);
    }
  });
}

/** The file of the active tab when it is an image in a custom editor (ours or the image preview). */
function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input.uri : undefined;
}

function isSegmentEditorActive(): boolean {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === EDITOR_VIEW_TYPE;
}

async function datasetOfActiveImage(worker: WorkerClient): Promise<string | undefined> {
  const image = activeImage();
  if (!image || image.scheme !== 'file') return undefined;
  return (await worker.run('locate', { image: image.fsPath }).catch(() => undefined))?.dataset?.root;
}
