/** Activation: the worker client, the segmentation editor and the commands. VS Code glue only. */
import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';
import { registerSegmentEditor } from './segmentEditorProvider';
import { registerCommands } from './commands';
import { registerPrelabel } from './prelabel';
import { registerTraining } from './training/trainCommand';
import { registerInspect } from './inspect';
import { registerGpuInstall } from './gpuInstall';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Segment Studio', { log: true });
  const worker = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, (line) => log.info(`[worker] ${line}`));
  context.subscriptions.push(log, { dispose: () => worker.dispose() });
  registerSegmentEditor(context, worker, log);
  registerCommands(context, worker, log);
  registerPrelabel(context, worker, log);
  registerTraining(context, worker, log);
  registerInspect(context, worker, log);
  registerGpuInstall(context, worker, log);
}

export function deactivate(): void {}
