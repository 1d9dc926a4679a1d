/** The "Segment: ..." commands. */
import * as vscode from 'vscode';
import { WorkerClient } from './workerClient';
import { EDITOR_VIEW_TYPE } from './segmentEditorProvider';

export function registerCommands(context: vscode.ExtensionContext, worker: WorkerClient, log: vscode.LogOutputChannel): void {
  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('segment.openInEditor', async (uri?: vscode.Uri) => {
    const target = uri instanceof vscode.Uri ? uri : activeResource();
    if (!target) {
      void vscode.window.showInformationMessage('Open an image first (png, jpg, tif, bmp, webp), or right-click one in the Explorer.');
      return;
    }
    await vscode.commands.executeCommand('vscode.openWith', target, EDITOR_VIEW_TYPE);
  });

  register('segment.checkWorker', async () => {
    const started = Date.now();
    try {
      const result = await worker.run('ping', { echo: 'ping' });
      const message = `Segment Studio worker is running: pid ${result.pid}, Node ${result.node}, answered in ${Date.now() - started} ms.`;
      log.info(message);
      void vscode.window.showInformationMessage(message);
    } catch (e) {
      void vscode.window.showErrorMessage(`Segment Studio worker: ${(e as Error).message}`);
    }
  });
}

/** The file of the active editor tab, whatever kind of editor shows it (image preview included). */
function activeResource(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return vscode.window.activeTextEditor?.document.uri;
}
