/**
 * A mask document: the image is the document, its edits go to the mask. The host keeps the edit
 * list (pixel rectangles, never whole masks) and knows which files the edits start from and where
 * saving writes. Pixel work happens in the webview or the worker; this holds bytes and paths only.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { EditHistory } from '../../core/editHistory';
import { MaskSource, LocateResult } from '../../core/protocol';
import { statusOf } from '../../core/review';

export interface FileStamp {
  mtime: number;
  size: number;
}

/** The file the mask layer starts from. */
export interface MaskBase {
  source: MaskSource;
  /** Absolute path of the mask or pre-label; absent for an empty start. */
  file?: string;
  stamp?: FileStamp;
}

export class MaskDocument implements vscode.CustomDocument {
  readonly history = new EditHistory();
  base: MaskBase = { source: 'none' };
  /** The existing instance map, when there is one. */
  instancesFile?: string;
  /** What the last save wrote, so the file watcher can tell our own writes from others'. */
  readonly ownWrites = new Map<string, FileStamp>();
  /** The user chose to start from an empty mask over an unreadable one. */
  startEmpty = false;
  /** A note for the next webview init (edits restored from a backup, ...). */
  notice?: string;

  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(
    readonly uri: vscode.Uri,
    public located: LocateResult,
    /** Why the image cannot be edited at all (not a local file, dataset unreadable). */
    readonly failure?: string,
  ) {}

  get dataset() {
    return this.located.dataset;
  }

  get root(): string | undefined {
    return this.located.dataset?.root;
  }

  /** Absolute path of a path relative to the dataset root. */
  abs(relative: string): string {
    return path.join(this.root!, ...relative.split('/'));
  }

  rel(absolute: string): string {
    return this.root ? path.relative(this.root, absolute).split(path.sep).join('/') : absolute;
  }

  /** Where saving writes the mask and the instance map (absolute), inside the dataset. */
  get targets(): { mask: string; instances?: string; prelabel: string; prelabelInstances: string } | undefined {
    const t = this.dataset?.targets;
    if (!t) return undefined;
    return { mask: this.abs(t.mask), instances: t.instances ? this.abs(t.instances) : undefined, prelabel: this.abs(t.prelabel), prelabelInstances: this.abs(t.prelabelInstances) };
  }

  /** True when the instance map shown is the pre-label's (saving accepts it into instances/ with the mask). */
  get instancesFromPrelabel(): boolean {
    return !!this.instancesFile && this.instancesFile === this.targets?.prelabelInstances;
  }

  /** Labelling status as the review flow counts it, from the files there are now. */
  get status() {
    const item = this.dataset?.item;
    return item ? statusOf(item) : 'unlabelled';
  }

  /** Finds the files the edits start from: the mask, else the pre-label, else nothing. */
  async loadBase(): Promise<void> {
    const targets = this.targets;
    this.base = { source: 'none' };
    this.instancesFile = undefined;
    if (!targets) return;
    const mask = await stampOf(targets.mask);
    const prelabel = await stampOf(targets.prelabel);
    if (this.startEmpty) this.base = { source: 'none' };
    else if (mask) this.base = { source: 'mask', file: targets.mask, stamp: mask };
    else if (prelabel) this.base = { source: 'prelabel', file: targets.prelabel, stamp: prelabel };
    if (targets.instances && (await stampOf(targets.instances))) this.instancesFile = targets.instances;
    else if (this.base.source === 'prelabel' && (await stampOf(targets.prelabelInstances))) this.instancesFile = targets.prelabelInstances;
    // Keep the item in step with the disk, for the status shown and the review flow.
    const item = this.dataset!.item;
    item.mask = mask ? this.dataset!.targets!.mask : undefined;
    item.prelabel = prelabel ? this.dataset!.targets!.prelabel : undefined;
  }

  /** True when the pre-label exists besides a mask (the editor offers to compare them). */
  async prelabelBesideMask(): Promise<boolean> {
    const t = this.targets;
    return !!t && this.base.source === 'mask' && !!(await stampOf(t.prelabel));
  }

  dispose(): void {
    this.disposeEmitter.fire();
    this.disposeEmitter.dispose();
  }
}

export async function stampOf(file: string): Promise<FileStamp | undefined> {
  try {
    const s = await vscode.workspace.fs.stat(vscode.Uri.file(file));
    return s.type & vscode.FileType.File ? { mtime: s.mtime, size: s.size } : undefined;
  } catch {
    return undefined;
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return !!a && !!b && a.mtime === b.mtime && a.size === b.size;
}

/**
 * Writes a file so that readers see the old or the new content, never half of it: a temporary
 * file beside the target, then a rename over it.
 */
export async function writeFileAtomically(file: string, bytes: Uint8Array): Promise<FileStamp> {
  const target = vscode.Uri.file(file);
  const temp = vscode.Uri.file(path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`));
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(file)));
  try {
    await vscode.workspace.fs.writeFile(temp, bytes);
    await vscode.workspace.fs.rename(temp, target, { overwrite: true });
  } catch (e) {
    await vscode.workspace.fs.delete(temp).then(undefined, () => undefined);
    throw e;
  }
  return (await stampOf(file))!;
}
