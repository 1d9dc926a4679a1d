/**
 * "Segment: Show Dataset Statistics" and "Segment: Evaluate": webviews that draw exactly what the
 * worker's `stats` and `eval` jobs return (the same objects `segment stats --json` and
 * `segment eval --json` print), with their progress while they run and a refresh button.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { EvalToHost, HostToReport, StatsToHost } from '../../core/protocol';
import { DatasetStats, EvalReport, InstanceSource } from '../../core/reports';
import { JobProgress } from '../../core/protocol';
import { WorkerClient } from '../workerClient';
import { webviewHtml } from '../webviewHtml';

interface ReportOptions<R> {
  viewType: string;
  title: string;
  script: string;
  run(onProgress: (p: JobProgress) => void, signal: AbortSignal): Promise<R>;
  /** `rerun` runs the job again (after the handler changed what it runs on). */
  onMessage?(message: { type: string; [k: string]: unknown }, report: R | undefined, rerun: () => void): void;
}

/** Opens a report panel: runs the job, streams its progress, posts the result; refresh runs it again. */
function openReport<R>(context: vscode.ExtensionContext, options: ReportOptions<R>): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(options.viewType, options.title, vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
  });
  panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'segment.svg');
  panel.webview.html = webviewHtml(panel.webview, context.extensionUri, {
    title: options.title,
    script: options.script,
    styles: [`dist/webview/${options.script.replace(/\.js$/, '.css')}`],
    body: '<div id="app" role="main"></div>',
  });
  const post = (m: HostToReport<R>) => void panel.webview.postMessage(m);
  let report: R | undefined;
  let running: AbortController | undefined;
  const run = async () => {
    running?.abort();
    const controller = (running = new AbortController());
    try {
      report = await options.run((p) => post({ type: 'progress', done: p.done, total: p.total }), controller.signal);
      if (!controller.signal.aborted) post({ type: 'report', report });
    } catch (e) {
      if (!controller.signal.aborted) post({ type: 'error', message: (e as Error).message });
    }
  };
  panel.webview.onDidReceiveMessage((m: { type: string; [k: string]: unknown }) => {
    if (m.type === 'ready' || m.type === 'refresh') void run();
    else options.onMessage?.(m, report, () => void run());
  });
  panel.onDidDispose(() => running?.abort());
  return panel;
}

export function showStatistics(context: vscode.ExtensionContext, worker: WorkerClient, root: string): vscode.WebviewPanel {
  return openReport<DatasetStats>(context, {
    viewType: 'segment.statistics',
    title: `Statistics: ${path.basename(root)}`,
    script: 'stats.js',
    run: (onProgress, signal) => worker.run('stats', { root }, { onProgress, signal }),
    onMessage(m) {
      const message = m as StatsToHost;
      if (message.type === 'openFile') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(root, ...message.file.split('/'))));
    },
  });
}

export function showEvaluation(context: vscode.ExtensionContext, worker: WorkerClient, root: string, predictions: string | undefined): vscode.WebviewPanel {
  let predInstances: InstanceSource = 'maps';
  return openReport<EvalReport>(context, {
    viewType: 'segment.evaluation',
    title: `Evaluation: ${path.basename(root)}`,
    script: 'eval.js',
    run: (onProgress, signal) => worker.run('eval', { root, predictions, predInstances }, { onProgress, signal }),
    onMessage(m, report, rerun) {
      const message = m as EvalToHost;
      if (message.type === 'instanceSource') {
        predInstances = message.source;
        return rerun();
      }
      if (message.type !== 'openImage' || !report) return;
      const image = vscode.Uri.file(path.join(root, ...message.path.split('/')));
      const prediction = path.join(report.predictions, ...`${message.key}.png`.split('/'));
      void vscode.commands.executeCommand('segment.showComparison', image, prediction);
    },
  });
}
