/**
 * `segment.showComparison(imageUri, predictionPath)`: a read-only view of a prediction against the
 * truth of one image, colouring true positives, false positives and false negatives, with a toggle
 * between prediction and truth. Its own panel for now; the segmentation editor may take this role
 * later (`segment.openComparison`). The host only reads files; the webview decodes and draws.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { CompareInit, CompareToHost, HostToCompare } from '../../core/protocol';
import { WorkerClient } from '../workerClient';
import { webviewHtml } from '../webviewHtml';

export async function showComparison(
  context: vscode.ExtensionContext,
  worker: WorkerClient,
  log: vscode.LogOutputChannel,
  image: vscode.Uri,
  prediction?: string,
): Promise<vscode.WebviewPanel | undefined> {
  const located = await worker.run('locate', { image: image.fsPath });
  const ds = located.dataset;
  if (!ds?.item.mask) {
    void vscode.window.showWarningMessage(`${path.basename(image.fsPath)} has no mask to compare with: the comparison needs the truth in masks/.`);
    return undefined;
  }
  const predictionPath = prediction ?? (ds.item.prelabel ? path.join(ds.root, ...ds.item.prelabel.split('/')) : undefined);
  if (!predictionPath) {
    void vscode.window.showWarningMessage(`${path.basename(image.fsPath)} has no pre-label: give a prediction file to compare with.`);
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel('segment.comparison', `Compare: ${path.basename(image.fsPath)}`, vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.file(ds.root)],
  });
  panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'segment.svg');
  panel.webview.html = webviewHtml(panel.webview, context.extensionUri, {
    title: `Compare ${path.basename(image.fsPath)}`,
    script: 'compare.js',
    styles: ['dist/webview/compare.css'],
    body: '<div id="app" role="main"></div>',
  });
  const post = (m: HostToCompare) => void panel.webview.postMessage(m);
  panel.webview.onDidReceiveMessage(async (m: CompareToHost) => {
    if (m.type === 'problem') log.warn(`comparison of ${image.fsPath}: ${m.message}`);
    if (m.type !== 'ready') return;
    try {
      const read = async (file: string) => {
        const bytes = await vscode.workspace.fs.readFile(vscode.Uri.file(file));
        // A Node Buffer would cross as JSON: a plain Uint8Array view crosses as binary.
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      };
      const stat = await vscode.workspace.fs.stat(image);
      const init: CompareInit = {
        imageUri: panel.webview.asWebviewUri(image).with({ query: `v=${stat.mtime}` }).toString(),
        imageName: path.basename(image.fsPath),
        classes: ds.config.classes,
        ignoreIndex: ds.config.ignoreIndex,
        truthPng: await read(path.join(ds.root, ...ds.item.mask!.split('/'))),
        predictionPng: await read(predictionPath),
        truthPath: ds.item.mask!,
        predictionPath: displayPath(ds.root, predictionPath),
      };
      post({ type: 'init', init });
    } catch (e) {
      post({ type: 'error', message: `Cannot compare ${path.basename(image.fsPath)}: ${(e as Error).message}` });
    }
  });
  return panel;
}

function displayPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}
