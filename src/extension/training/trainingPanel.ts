/** The Training panel's host side: a webview panel fed with the train job's events. */
import * as vscode from 'vscode';
import { HostToTrainingPanel, TrainingPanelInit, TrainingPanelToHost, TrainResult } from '../../core/training';
import { webviewHtml } from '../webviewHtml';

export const TRAINING_VIEW_TYPE = 'segment.training';

export class TrainingPanel {
  private readonly panel: vscode.WebviewPanel;
  private ready = false;
  private readonly queue: HostToTrainingPanel[] = [];
  private result: TrainResult | undefined;
  /** The run's output folder, once the job has started. */
  private out: string | undefined;
  private disposed = false;

  constructor(context: vscode.ExtensionContext, init: TrainingPanelInit, private readonly handlers: { stop(): void; disposed(): void }) {
    const extensionUri = context.extensionUri;
    this.panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, `Training: ${init.title}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, {
      title: `Training: ${init.title}`,
      script: 'training.js',
      styles: ['dist/webview/training.css'],
      body: '<div id="app"></div>',
    });
    this.post({ type: 'init', init });
    this.panel.webview.onDidReceiveMessage((m: TrainingPanelToHost) => this.onMessage(m));
    this.panel.onDidDispose(() => {
      this.disposed = true;
      // Closing the panel of a running training stops it (its checkpoints stay on disk).
      if (!this.result) handlers.disposed();
    });
  }

  reveal(): void {
    this.panel.reveal();
  }

  post(message: HostToTrainingPanel): void {
    if (this.disposed) return;
    if (message.type === 'event' && message.event.kind === 'start') this.out = message.event.out;
    if (this.ready) void this.panel.webview.postMessage(message);
    else this.queue.push(message);
  }

  finished(result: TrainResult): void {
    this.result = result;
    this.post({ type: 'finished', result, modelLabel: vscode.workspace.asRelativePath(result.model) });
  }

  /** Points `segment.model` (workspace setting) at the finished run's model. */
  async useModel(): Promise<void> {
    if (!this.result) return;
    const model = this.result.model;
    await vscode.workspace.getConfiguration('segment').update('model', model, vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    this.post({ type: 'modelInUse', model });
    void vscode.window.setStatusBarMessage(`Pre-labelling now uses ${vscode.workspace.asRelativePath(model)}`, 5000);
  }

  private onMessage(m: TrainingPanelToHost): void {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const queued of this.queue.splice(0)) void this.panel.webview.postMessage(queued);
        break;
      case 'stop':
        this.handlers.stop();
        break;
      case 'useModel':
        void this.useModel();
        break;
      case 'reveal':
        if (this.result || this.out) void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(this.result?.model ?? this.out!));
        break;
    }
  }
}
