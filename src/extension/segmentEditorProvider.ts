/**
 * The segmentation editor: a custom editor whose document is the image; the webview draws the
 * image with its mask (or pre-label) over it. The dataset lookup runs in the worker.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { EditorInit, EditorToHost, HostToEditor, LocateResult, MaskSource } from '../core/protocol';
import { extensionOf } from '../core/paths';
import { WorkerClient } from './workerClient';
import { webviewHtml } from './webviewHtml';

export const EDITOR_VIEW_TYPE = 'segment.editor';

/** Formats Chromium cannot decode: shown through a PNG preview made by the worker. */
const NEEDS_PREVIEW = new Set(['tif', 'tiff']);

class ImageDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class SegmentEditorProvider implements vscode.CustomReadonlyEditorProvider<ImageDocument> {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly worker: WorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  openCustomDocument(uri: vscode.Uri): ImageDocument {
    return new ImageDocument(uri);
  }

  async resolveCustomEditor(document: ImageDocument, panel: vscode.WebviewPanel): Promise<void> {
    const { webview } = panel;
    const extensionUri = this.context.extensionUri;
    const previewDir = vscode.Uri.joinPath(this.context.globalStorageUri, 'previews');
    let located: LocateResult = {};
    let failure: string | undefined;
    if (document.uri.scheme !== 'file') {
      failure = `Segment Studio reads datasets from the local file system; ${document.uri.toString()} is not a local file.`;
    } else {
      try {
        located = await this.worker.run('locate', { image: document.uri.fsPath });
      } catch (e) {
        failure = `Could not read the dataset of ${path.basename(document.uri.fsPath)}: ${(e as Error).message}`;
      }
    }
    const datasetRoot = located.dataset ? vscode.Uri.file(located.dataset.root) : vscode.Uri.joinPath(document.uri, '..');
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media'), datasetRoot, previewDir],
    };
    webview.html = webviewHtml(webview, extensionUri, {
      title: path.basename(document.uri.fsPath),
      script: 'editor.js',
      styles: ['dist/webview/editor.css'],
      body: '<div id="app"></div>',
    });
    const post = (message: HostToEditor) => webview.postMessage(message);
    webview.onDidReceiveMessage(async (message: EditorToHost) => {
      switch (message.type) {
        case 'ready':
          if (failure) return void post({ type: 'error', message: failure });
          try {
            post({ type: 'init', init: await this.initFor(document.uri, located, webview, previewDir) });
          } catch (e) {
            post({ type: 'error', message: (e as Error).message });
          }
          break;
        case 'setOpacity':
          await this.context.globalState.update('segment.overlayOpacity', message.opacity);
          break;
        case 'problem':
          this.log.warn(`${document.uri.fsPath}: ${message.message}`);
          break;
        case 'loaded':
          this.log.info(`opened ${document.uri.fsPath} (${message.width}x${message.height})`);
          break;
      }
    });
  }

  private async initFor(image: vscode.Uri, located: LocateResult, webview: vscode.Webview, previewDir: vscode.Uri): Promise<EditorInit> {
    const stat = await vscode.workspace.fs.stat(image);
    let imageUri = webview.asWebviewUri(image).with({ query: `v=${stat.mtime}` });
    if (NEEDS_PREVIEW.has(extensionOf(image.fsPath))) {
      const preview = await this.worker.run('previewImage', { path: image.fsPath, cacheDir: previewDir.fsPath });
      imageUri = webview.asWebviewUri(vscode.Uri.file(preview.path));
    }
    const ds = located.dataset;
    const item = ds?.item;
    const source: MaskSource = item?.mask ? 'mask' : item?.prelabel ? 'prelabel' : 'none';
    const maskRel = source === 'mask' ? item!.mask : source === 'prelabel' ? item!.prelabel : undefined;
    const maskPng = ds && maskRel ? await vscode.workspace.fs.readFile(vscode.Uri.file(path.join(ds.root, maskRel))) : undefined;
    const configured = vscode.workspace.getConfiguration('segment').get<number>('overlayOpacity', 0.5);
    return {
      imageUri: imageUri.toString(),
      imageName: path.basename(image.fsPath),
      classes: ds?.config.classes ?? [{ id: 0, name: 'background', color: '#000000' }],
      ignoreIndex: ds?.config.ignoreIndex ?? 255,
      source,
      // A Node Buffer would cross as JSON: hand the webview a plain Uint8Array view.
      maskPng: maskPng ? new Uint8Array(maskPng.buffer, maskPng.byteOffset, maskPng.byteLength) : undefined,
      maskPath: maskRel,
      dataset: ds && item ? { root: ds.root, key: item.key, index: ds.index, count: ds.count, configSource: ds.configSource } : undefined,
      opacity: this.context.globalState.get<number>('segment.overlayOpacity', configured),
    };
  }
}
