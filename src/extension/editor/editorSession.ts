/**
 * One editor webview bound to its mask document: builds what the webview starts from, relays
 * edits to the host's edit list, and asks the webview to encode the mask when saving.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { ComparisonInit, EditorAction, EditorInit, EditorToHost, HostToEditor, KeyHelp, ToolState } from '../../core/protocol';
import { Layer, Patch } from '../../core/maskPatch';
import { extensionOf } from '../../core/paths';
import { WorkerClient } from '../workerClient';
import { webviewHtml } from '../webviewHtml';
import { MaskDocument } from './maskDocument';

/** Formats Chromium cannot decode: shown through a PNG preview made by the worker. */
const NEEDS_PREVIEW = new Set(['tif', 'tiff']);
/** How long a save waits for the webview to encode before the worker does it instead. */
const ENCODE_TIMEOUT_MS = 30_000;

/** What a session needs from the provider that owns it. */
export interface SessionHost {
  readonly context: vscode.ExtensionContext;
  readonly worker: WorkerClient;
  readonly log: vscode.LogOutputChannel;
  tools(): ToolState;
  setTools(tools: ToolState): void;
  keys(): KeyHelp[];
  onEdit(document: MaskDocument, label: string, patches: Patch[]): void;
  onAction(session: EditorSession, action: EditorAction): void;
  onFocus(session: EditorSession, focused: boolean): void;
}

export class EditorSession {
  private ready = false;
  private readonly queue: HostToEditor[] = [];
  private nextRequest = 1;
  private readonly encodes = new Map<number, { resolve(files: { layer: Layer; png: Uint8Array }[]): void; reject(e: Error): void }>();
  /** A comparison to show once the webview is ready (or with the next init). */
  pendingComparison?: ComparisonInit;
  /** Whether the webview is showing a comparison. */
  comparing = false;
  private disposed = false;

  constructor(
    readonly document: MaskDocument,
    readonly panel: vscode.WebviewPanel,
    private readonly host: SessionHost,
  ) {
    const { webview } = panel;
    const extensionUri = host.context.extensionUri;
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media'), this.previewDir];
    roots.push(document.root ? vscode.Uri.file(document.root) : vscode.Uri.joinPath(document.uri, '..'));
    webview.options = { enableScripts: true, localResourceRoots: roots };
    webview.html = webviewHtml(webview, extensionUri, {
      title: path.basename(document.uri.fsPath),
      script: 'editor.js',
      styles: ['dist/webview/editor.css'],
      codicons: true,
      body: '<div id="app"></div>',
    });
    webview.onDidReceiveMessage((m: EditorToHost) => this.onMessage(m));
    panel.onDidDispose(() => {
      this.disposed = true;
      for (const pending of this.encodes.values()) pending.reject(new Error('the editor was closed'));
      this.encodes.clear();
    });
  }

  get isReady(): boolean {
    return this.ready && !this.disposed;
  }

  post(message: HostToEditor): void {
    if (this.disposed) return;
    if (!this.ready && message.type !== 'init' && message.type !== 'error') {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /** Sends the document as it is now: the files, the unsaved writes and the settings. */
  async reload(): Promise<void> {
    if (!this.ready) return; // 'ready' will send it
    try {
      this.post({ type: 'init', init: await this.buildInit() });
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
    }
  }

  /** Asks the webview for PNG files of `layers` (what it shows, all edits included). */
  encode(layers: Layer[]): Promise<{ layer: Layer; png: Uint8Array }[]> {
    if (!this.isReady) return Promise.reject(new Error('the editor webview is not ready'));
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.encodes.delete(requestId);
        reject(new Error(`the editor did not encode the mask within ${ENCODE_TIMEOUT_MS / 1000} s`));
      }, ENCODE_TIMEOUT_MS);
      this.encodes.set(requestId, {
        resolve: (files) => (clearTimeout(timer), resolve(files)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.post({ type: 'encode', requestId, layers });
    });
  }

  showComparison(comparison: ComparisonInit | undefined): void {
    this.comparing = !!comparison;
    if (this.ready) this.post({ type: 'compare', comparison });
    else this.pendingComparison = comparison;
  }

  private get previewDir(): vscode.Uri {
    return vscode.Uri.joinPath(this.host.context.globalStorageUri, 'previews');
  }

  private async onMessage(message: EditorToHost): Promise<void> {
    const { document, host } = this;
    switch (message.type) {
      case 'ready':
        try {
          const init = await this.buildInit();
          this.ready = true;
          this.post({ type: 'init', init });
          for (const queued of this.queue.splice(0)) this.post(queued);
        } catch (e) {
          this.post({ type: 'error', message: (e as Error).message });
        }
        break;
      case 'loaded':
        host.log.info(`opened ${document.uri.fsPath} (${message.width}x${message.height})`);
        break;
      case 'problem':
        host.log.warn(`${document.uri.fsPath}: ${message.message}`);
        break;
      case 'setOpacity':
        await host.context.globalState.update('segment.overlayOpacity', message.opacity);
        break;
      case 'edit':
        host.onEdit(document, message.label, message.patches);
        break;
      case 'encoded':
        this.encodes.get(message.requestId)?.resolve(message.files);
        this.encodes.delete(message.requestId);
        break;
      case 'encodeFailed':
        this.encodes.get(message.requestId)?.reject(new Error(message.message));
        this.encodes.delete(message.requestId);
        break;
      case 'tools':
        host.setTools(message.tools);
        break;
      case 'action':
        host.onAction(this, message.action);
        break;
      case 'focus':
        host.onFocus(this, message.focused);
        break;
    }
  }

  private async buildInit(): Promise<EditorInit> {
    const { document, host } = this;
    const image = document.uri;
    const ds = document.dataset;
    const config = vscode.workspace.getConfiguration('segment');
    const ignoreIndex = ds?.config.ignoreIndex ?? 255;
    const emptyFill = config.get<string>('editor.emptyMask', 'background') === 'ignore' ? ignoreIndex : 0;
    const base: Pick<EditorInit, 'imageUri' | 'imageName' | 'classes' | 'ignoreIndex' | 'emptyFill' | 'opacity' | 'tools' | 'keys'> = {
      imageUri: '',
      imageName: path.basename(image.fsPath),
      classes: ds?.config.classes ?? [{ id: 0, name: 'background', color: '#000000' }],
      ignoreIndex,
      emptyFill,
      opacity: host.context.globalState.get<number>('segment.overlayOpacity', config.get<number>('overlayOpacity', 0.5)),
      tools: host.tools(),
      keys: host.keys(),
    };
    if (document.failure) {
      return { ...base, source: 'none', writes: [], readOnly: document.failure, prelabelAvailable: false, imageUri: await this.imageUri() };
    }
    const read = async (file: string | undefined) => (file ? toUint8(await vscode.workspace.fs.readFile(vscode.Uri.file(file))) : undefined);
    const comparison = this.pendingComparison;
    this.pendingComparison = undefined;
    this.comparing = !!comparison;
    const notice = document.notice;
    document.notice = undefined;
    return {
      ...base,
      imageUri: await this.imageUri(),
      source: document.base.source,
      maskPng: await read(document.base.file),
      maskPath: document.base.file ? document.rel(document.base.file) : undefined,
      saveTarget: ds?.targets?.mask,
      prelabelInfo: document.base.source === 'prelabel' ? await describeSidecar(document.base.file!) : undefined,
      instancesPng: await read(document.instancesFile),
      instancesPath: document.instancesFile ? document.rel(document.instancesFile) : undefined,
      writes: document.history.unsavedWrites(),
      readOnly: ds ? undefined : 'This image is in no dataset: there is no segment.json (or known layout) above it, so there is nowhere to save a mask.',
      dataset: ds ? { root: ds.root, key: ds.item.key, index: ds.index, count: ds.count, configSource: ds.configSource, status: document.status } : undefined,
      prelabelAvailable: await document.prelabelBesideMask(),
      comparison,
      notice,
    };
  }

  private async imageUri(): Promise<string> {
    const image = this.document.uri;
    const webview = this.panel.webview;
    if (NEEDS_PREVIEW.has(extensionOf(image.fsPath))) {
      const preview = await this.host.worker.run('previewImage', { path: image.fsPath, cacheDir: this.previewDir.fsPath });
      return webview.asWebviewUri(vscode.Uri.file(preview.path)).toString();
    }
    const stat = await vscode.workspace.fs.stat(image);
    return webview.asWebviewUri(image).with({ query: `v=${stat.mtime}` }).toString();
  }
}

/** A few words from a pre-label's JSON sidecar (`<pre-label>.json`): which model made it, and when. */
async function describeSidecar(prelabel: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(prelabel.replace(/\.png$/i, '.json')))));
    const model = [json.model, json.modelName, json.model?.name].find((v) => typeof v === 'string');
    const when = [json.createdAt, json.created, json.time, json.date].find((v) => typeof v === 'string');
    const parts = [model ? `model ${path.basename(model)}` : '', when ? new Date(when).toLocaleString() : ''].filter(Boolean);
    return parts.length ? parts.join(', ') : undefined;
  } catch {
    return undefined; // no sidecar, or not one we can read: the pre-label speaks for itself
  }
}

/** A Node Buffer would cross to the webview as JSON: hand over a plain Uint8Array view. */
export function toUint8(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
