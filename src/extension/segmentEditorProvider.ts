/**
 * The segmentation editor: a custom editor whose document is the image and whose edits go to the
 * mask. VS Code's own undo/redo, dirty dot, Save, Save As, Revert and hot exit drive the document;
 * the host keeps the edit list as pixel rectangles, the webview draws and paints, and the mask is
 * encoded in the webview (or, without one, in the worker), so the extension host does no pixel work.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { EditorAction, KeyHelp, LocateResult, ToolState } from '../core/protocol';
import { Patch } from '../core/maskPatch';
import { layersOf } from '../core/maskFiles';
import { parseBackup, serializeBackup } from '../core/editorBackup';
import { WorkerClient } from './workerClient';
import { EditorSession, SessionHost, toUint8 } from './editor/editorSession';
import { MaskDocument, sameStamp, stampOf, writeFileAtomically } from './editor/maskDocument';
import { registerEditorCommands } from './editor/editorCommands';
import { addClassesToConfig, createDatasetHere } from './editor/datasetSetup';
import { navigate } from './editor/review';

export const EDITOR_VIEW_TYPE = 'segment.editor';

function log(channel: vscode.LogOutputChannel, document: MaskDocument, what: string): void {
  const files = [document.base.file, document.instancesFile].filter(Boolean).map((f) => document.rel(f!));
  channel.info(`${what} ${document.uri.fsPath}: ${document.base.source}${files.length ? ` (${files.join(', ')})` : ''}${document.dataset ? '' : ', in no dataset'}`);
}

const DEFAULT_TOOLS: ToolState = { tool: 'brush', classId: 1, brushSize: 12, tolerance: 32, protect: [], outline: false, instanceMode: false };
const TOOLS_KEY = 'segment.editor.tools';

/** Registers the editor, its commands and keys; returns the provider (tests and commands use it). */
export function registerSegmentEditor(context: vscode.ExtensionContext, worker: WorkerClient, log: vscode.LogOutputChannel): SegmentEditorProvider {
  const provider = new SegmentEditorProvider(context, worker, log);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(EDITOR_VIEW_TYPE, provider, {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: false,
    }),
  );
  registerEditorCommands(context, provider);
  return provider;
}

export class SegmentEditorProvider implements vscode.CustomEditorProvider<MaskDocument>, SessionHost {
  private readonly changes = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<MaskDocument>>();
  readonly onDidChangeCustomDocument = this.changes.event;
  /** The webview of each open document (one per document). */
  readonly sessions = new Map<MaskDocument, EditorSession>();
  /** The session whose panel is active, for commands and the status bar. */
  activeSession?: EditorSession;
  private readonly activeEmitter = new vscode.EventEmitter<EditorSession | undefined>();
  readonly onDidChangeActive = this.activeEmitter.event;
  /** Comparisons asked for before their editor opened (segment.openComparison). */
  readonly pendingComparisons = new Map<string, string>();

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly worker: WorkerClient,
    readonly log: vscode.LogOutputChannel,
  ) {}

  // --- documents -------------------------------------------------------------------------------

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<MaskDocument> {
    const { located, failure } = await this.locate(uri);
    const document = new MaskDocument(uri, located, failure);
    await document.loadBase();
    log(this.log, document, 'opening');
    if (typeof openContext.backupId === 'string') {
      this.log.info(`restoring unsaved changes of ${uri.fsPath} from ${openContext.backupId}`);
      await this.restoreBackup(document, vscode.Uri.parse(openContext.backupId));
    }
    this.watch(document);
    return document;
  }

  async resolveCustomEditor(document: MaskDocument, panel: vscode.WebviewPanel): Promise<void> {
    const session = new EditorSession(document, panel, this);
    this.sessions.set(document, session);
    const prediction = this.pendingComparisons.get(document.uri.toString());
    if (prediction) {
      this.pendingComparisons.delete(document.uri.toString());
      await this.compareWithPrediction(session, prediction);
    }
    const updateActive = () => {
      if (panel.active) this.setActive(session);
      else if (this.activeSession === session) this.setActive(undefined);
    };
    panel.onDidChangeViewState(updateActive);
    panel.onDidDispose(() => {
      if (this.sessions.get(document) === session) this.sessions.delete(document);
      if (this.activeSession === session) this.setActive(undefined);
    });
    updateActive();
  }

  private setActive(session: EditorSession | undefined): void {
    this.activeSession = session;
    this.activeEmitter.fire(session);
  }

  async saveCustomDocument(document: MaskDocument): Promise<void> {
    await this.save(document);
  }

  /**
   * Save As keeps the document's meaning (an image and its mask): the image is copied to the
   * destination and the mask is written where that image's mask belongs in its dataset.
   */
  async saveCustomDocumentAs(document: MaskDocument, destination: vscode.Uri): Promise<void> {
    if (destination.scheme !== 'file') throw new Error(`Save As needs a local file, not ${destination.toString()}`);
    if (path.extname(destination.fsPath).toLowerCase() !== path.extname(document.uri.fsPath).toLowerCase()) {
      throw new Error(`Save As copies the image, so keep its extension (${path.extname(document.uri.fsPath)}); the mask is written as PNG beside it in the dataset.`);
    }
    if (destination.fsPath !== document.uri.fsPath) await vscode.workspace.fs.copy(document.uri, destination, { overwrite: true });
    const located = await this.worker.run('locate', { image: destination.fsPath });
    const targets = located.dataset?.targets;
    if (!located.dataset || !targets) {
      throw new Error(`${destination.fsPath} is in no dataset's image folder, so there is no place for its mask. Save it under a dataset's images/ folder.`);
    }
    const abs = (rel: string) => path.join(located.dataset!.root, ...rel.split('/'));
    await this.writeFiles(document, { mask: abs(targets.mask), instances: targets.instances ? abs(targets.instances) : undefined });
  }

  async revertCustomDocument(document: MaskDocument): Promise<void> {
    document.history.markReverted();
    document.startEmpty = false;
    await document.loadBase();
    await this.sessions.get(document)?.reload();
  }

  async backupCustomDocument(document: MaskDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const base = document.base;
    const bytes = serializeBackup({
      image: document.uri.fsPath,
      base: { file: base.file ? document.rel(base.file) : undefined, mtime: base.stamp?.mtime, size: base.stamp?.size },
      writes: document.history.unsavedWrites(),
    });
    await vscode.workspace.fs.writeFile(context.destination, bytes);
    this.log.info(`backed up ${document.history.unsavedWrites().length} unsaved writes of ${document.uri.fsPath} (${bytes.length} bytes)`);
    return { id: context.destination.toString(), delete: () => vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined) };
  }

  // --- saving ----------------------------------------------------------------------------------

  /** Writes the mask (and the instance map when edited) to the document's place in its dataset. */
  async save(document: MaskDocument): Promise<void> {
    const targets = document.targets;
    if (!targets) throw new Error(`${path.basename(document.uri.fsPath)} is in no dataset: there is nowhere to save its mask. Create a segment.json first (the editor offers to).`);
    const accepting = document.base.source === 'prelabel';
    // Accepting a pre-label accepts its instances too (when there are any and instances/ exists in the layout).
    await this.writeFiles(document, targets, accepting && document.instancesFromPrelabel);
    document.history.markSaved();
    document.startEmpty = false;
    await document.loadBase();
    const session = this.sessions.get(document);
    session?.post({ type: 'saved', source: 'mask', maskPath: document.rel(targets.mask), status: document.status });
    if (session) session.post({ type: 'prelabelAvailable', available: await document.prelabelBesideMask() });
    this.activeEmitter.fire(this.activeSession);
    if (accepting) this.log.info(`accepted the pre-label of ${document.uri.fsPath} as ${targets.mask}`);
  }

  /** Encodes the document's layers (in its webview, else in the worker) and writes them atomically. */
  private async writeFiles(document: MaskDocument, targets: { mask: string; instances?: string }, withInstances = false): Promise<void> {
    const writes = document.history.unsavedWrites();
    const layers = new Set(layersOf(writes));
    layers.add('mask');
    if (withInstances) layers.add('instances');
    if (!targets.instances) layers.delete('instances');
    const started = Date.now();
    const session = this.sessions.get(document);
    let files: { layer: 'mask' | 'instances'; png: Uint8Array }[] | undefined;
    if (session?.isReady) {
      try {
        files = await session.encode([...layers]);
      } catch (e) {
        this.log.warn(`the editor could not encode ${document.uri.fsPath} (${(e as Error).message}); the worker saves it instead`);
      }
    }
    if (files) {
      for (const file of files) {
        const target = file.layer === 'mask' ? targets.mask : targets.instances!;
        document.ownWrites.set(target, await writeFileAtomically(target, toUint8(file.png)));
      }
    } else {
      const ds = document.dataset!;
      const result = await this.worker.run('writeMask', {
        image: document.uri.fsPath,
        base: document.base.file,
        instancesBase: document.instancesFile,
        emptyFill: vscode.workspace.getConfiguration('segment').get<string>('editor.emptyMask', 'background') === 'ignore' ? ds.config.ignoreIndex : 0,
        options: { classes: ds.config.classes, ignoreIndex: ds.config.ignoreIndex },
        writes,
        maskTarget: targets.mask,
        instancesTarget: layers.has('instances') ? targets.instances : undefined,
      });
      for (const file of result.written) document.ownWrites.set(file, (await stampOf(file))!);
    }
    this.log.info(`saved ${[...layers].join(' and ')} of ${document.uri.fsPath} in ${Date.now() - started} ms${files ? '' : ' (by the worker)'}`);
  }

  // --- SessionHost -----------------------------------------------------------------------------

  onEdit(document: MaskDocument, label: string, patches: Patch[]): void {
    document.history.push({ label, patches });
    const post = (writes: ReturnType<typeof document.history.undo>) => {
      if (writes.length > 0) this.sessions.get(document)?.post({ type: 'writes', writes });
    };
    this.changes.fire({
      document,
      label,
      undo: () => post(document.history.undo()),
      redo: () => post(document.history.redo()),
    });
  }

  onAction(session: EditorSession, action: EditorAction): void {
    void this.runAction(session, action).catch((e) => {
      this.log.error(`${action.kind}: ${(e as Error).message}`);
      void vscode.window.showErrorMessage((e as Error).message);
    });
  }

  private async runAction(session: EditorSession, action: EditorAction): Promise<void> {
    const document = session.document;
    switch (action.kind) {
      case 'navigate':
        return navigate(this, session, action.target);
      case 'accept':
        return this.accept(session);
      case 'compare':
        return this.comparePrelabel(session, action.on);
      case 'createDataset':
        await createDatasetHere(document.uri);
        return this.relocate(document);
      case 'addClasses':
        await addClassesToConfig(document, action.ids);
        return this.relocate(document);
      case 'startEmpty':
        document.startEmpty = true;
        await document.loadBase();
        return session.reload();
      case 'openFile':
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(document.abs(action.path)), { viewColumn: vscode.ViewColumn.Beside });
        return;
      case 'reload':
        return this.revertCustomDocument(document);
    }
  }

  onFocus(session: EditorSession, focused: boolean): void {
    if (focused) this.setActive(session);
    void vscode.commands.executeCommand('setContext', 'segment.editorFocus', focused);
  }

  tools(): ToolState {
    return { ...DEFAULT_TOOLS, ...this.context.globalState.get<Partial<ToolState>>(TOOLS_KEY) };
  }

  setTools(tools: ToolState): void {
    void this.context.globalState.update(TOOLS_KEY, tools);
  }

  keys(): KeyHelp[] {
    const manifest = this.context.extension.packageJSON.contributes as { keybindings?: { key: string; command: string; args?: unknown }[]; commands: { command: string; title: string }[] };
    const titles = new Map(manifest.commands.map((c) => [c.command, c.title]));
    const out: KeyHelp[] = [];
    const classKeys: string[] = [];
    for (const k of manifest.keybindings ?? []) {
      if (!k.command.startsWith('segment.editor.')) continue;
      const keys = k.key.split('+').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('+');
      if (k.command === 'segment.editor.pickClass') classKeys.push(keys);
      else out.push({ keys, what: titles.get(k.command) ?? k.command });
    }
    if (classKeys.length > 0) out.push({ keys: `${classKeys[0]}-${classKeys[classKeys.length - 1]}`, what: 'Pick class by id' });
    return out;
  }

  // --- review, comparison, bad input -----------------------------------------------------------

  /** Saves a pre-label as the image's mask: through VS Code's Save when there are edits (keeps the dirty state right). */
  private async accept(session: EditorSession): Promise<void> {
    if (session.document.history.dirty) {
      session.panel.reveal(undefined, false);
      await vscode.commands.executeCommand('workbench.action.files.save');
    } else {
      await this.save(session.document);
    }
  }

  private async comparePrelabel(session: EditorSession, on: boolean): Promise<void> {
    const targets = session.document.targets;
    if (!on || !targets) return session.showComparison(undefined);
    const png = toUint8(await vscode.workspace.fs.readFile(vscode.Uri.file(targets.prelabel)));
    session.showComparison({ kind: 'prelabel', png, path: session.document.rel(targets.prelabel), diff: false, exitable: true });
  }

  /** Opens the comparison of a prediction with the document's mask (segment.openComparison). */
  async compareWithPrediction(session: EditorSession, predictionPath: string): Promise<void> {
    const file = path.isAbsolute(predictionPath) ? predictionPath : session.document.root ? session.document.abs(predictionPath) : predictionPath;
    const png = toUint8(await vscode.workspace.fs.readFile(vscode.Uri.file(file)));
    session.showComparison({ kind: 'prediction', png, path: session.document.rel(file), diff: true, exitable: true });
  }

  /** The dataset changed under the document (segment.json created or edited): find it again and reload. */
  private async relocate(document: MaskDocument): Promise<void> {
    const { located } = await this.locate(document.uri);
    document.located = located;
    await document.loadBase();
    this.watch(document);
    await this.sessions.get(document)?.reload();
    this.activeEmitter.fire(this.activeSession);
  }

  private async locate(uri: vscode.Uri): Promise<{ located: LocateResult; failure?: string }> {
    if (uri.scheme !== 'file') return { located: {}, failure: `Segment Studio reads datasets from the local file system; ${uri.toString()} is not a local file.` };
    try {
      return { located: await this.worker.run('locate', { image: uri.fsPath }) };
    } catch (e) {
      return { located: {}, failure: `Could not read the dataset of ${path.basename(uri.fsPath)}: ${(e as Error).message}` };
    }
  }

  private async restoreBackup(document: MaskDocument, backupUri: vscode.Uri): Promise<void> {
    try {
      const backup = parseBackup(toUint8(await vscode.workspace.fs.readFile(backupUri)));
      document.history.restore(backup.writes);
      const now = document.base.stamp;
      const then = backup.base;
      const changed = (then.file ?? undefined) !== (document.base.file ? document.rel(document.base.file) : undefined) || (now && (now.mtime !== then.mtime || now.size !== then.size));
      document.notice = changed
        ? `Restored ${backup.writes.length} unsaved change${backup.writes.length === 1 ? '' : 's'}; ${then.file ?? 'the mask'} changed on disk since, and they were applied over the new file.`
        : 'Restored your unsaved changes.';
    } catch (e) {
      this.log.error(`could not restore the backup of ${document.uri.fsPath}: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`Segment Studio could not restore the unsaved changes of ${path.basename(document.uri.fsPath)}: ${(e as Error).message}`);
    }
  }

  // --- files changed on disk -------------------------------------------------------------------

  private readonly watchers = new Map<MaskDocument, vscode.Disposable>();

  /** Watches the document's mask, pre-label and instance map (a Predict writes the pre-label). */
  private watch(document: MaskDocument): void {
    this.watchers.get(document)?.dispose();
    const targets = document.targets;
    if (!targets) return;
    let timer: NodeJS.Timeout | undefined;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.onDiskChange(document).catch((e) => this.log.error(`reloading ${document.uri.fsPath}: ${(e as Error).message}`)), 300);
    };
    const disposables: vscode.Disposable[] = [];
    for (const file of [targets.mask, targets.prelabel, targets.instances]) {
      if (!file) continue;
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
      disposables.push(w, w.onDidChange(changed), w.onDidCreate(changed), w.onDidDelete(changed));
    }
    const all = vscode.Disposable.from(...disposables, { dispose: () => clearTimeout(timer) });
    this.watchers.set(document, all);
    document.onDidDispose(() => {
      all.dispose();
      this.watchers.delete(document);
    });
  }

  private async onDiskChange(document: MaskDocument): Promise<void> {
    const targets = document.targets!;
    const before = { ...document.base };
    const stamps = { mask: await stampOf(targets.mask), prelabel: await stampOf(targets.prelabel) };
    // Our own save: the files are what we wrote.
    const own = (file: string, stamp: typeof stamps.mask) => stamp && sameStamp(document.ownWrites.get(file), stamp);
    const maskNow = stamps.mask && !own(targets.mask, stamps.mask) ? stamps.mask : undefined;
    const session = this.sessions.get(document);
    session?.post({ type: 'prelabelAvailable', available: before.source === 'mask' && !!stamps.prelabel });
    const baseFile = before.file;
    const baseStampNow = baseFile === targets.mask ? stamps.mask : baseFile === targets.prelabel ? stamps.prelabel : undefined;
    const baseChanged =
      (baseFile && !sameStamp(before.stamp, baseStampNow) && !own(baseFile, baseStampNow)) ||
      (before.source !== 'mask' && !!maskNow) || // a mask appeared
      (before.source === 'none' && !!stamps.prelabel && !document.startEmpty); // a pre-label appeared (Predict)
    if (!baseChanged) return;
    const name = document.rel(baseFile ?? (maskNow ? targets.mask : targets.prelabel));
    if (!document.history.dirty) {
      await document.loadBase();
      document.notice = `${name} changed on disk: reloaded.`;
      await session?.reload();
      this.activeEmitter.fire(this.activeSession);
      return;
    }
    const reload = 'Reload (discard my changes)';
    const choice = await vscode.window.showWarningMessage(
      `${name} changed on disk while ${path.basename(document.uri.fsPath)} has unsaved changes.`,
      reload,
      'Keep my changes',
    );
    if (choice !== reload) return;
    if (session) {
      session.panel.reveal(undefined, false);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    } else {
      await this.revertCustomDocument(document);
    }
  }
}
