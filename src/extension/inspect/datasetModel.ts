/**
 * The datasets of the workspace as the dataset view and the linter see them: the roots, and the
 * index of each (every image and its files, no pixels). Listing and pairing run in the worker; a
 * file watcher re-indexes a root shortly after its files change, and says which files changed.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { DatasetIndex } from '../../core/inspect';
import { WorkerClient } from '../workerClient';

/** Quiet time after the last file event before a root is indexed again (saves and git checkouts come in bursts). */
const DEBOUNCE_MS = 300;
/** Folders whose creation can make a dataset root (see detectLayout). */
const LAYOUT_FOLDER = /[\\/](images|masks|labels|JPEGImages|SegmentationClass|train|trainannot)$/;

export interface DatasetChange {
  root: string;
  /** Files that changed (absolute paths); undefined when the whole root was (re)read. */
  changed?: string[];
}

export class DatasetModel implements vscode.Disposable {
  private readonly indexes = new Map<string, DatasetIndex>();
  private readonly errors = new Map<string, string>();
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; files: Set<string> }>();
  private readonly emitter = new vscode.EventEmitter<DatasetChange | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  private rootsTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  /** Fires per root that changed, or with undefined when the set of roots changed. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly worker: WorkerClient, private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    const onFile = (uri: vscode.Uri) => this.fileChanged(uri);
    this.disposables.push(watcher, watcher.onDidCreate(onFile), watcher.onDidChange(onFile), watcher.onDidDelete(onFile));
    this.disposables.push(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRoots()));
  }

  get roots(): string[] {
    return [...new Set([...this.indexes.keys(), ...this.errors.keys()])].sort();
  }

  index(root: string): DatasetIndex | undefined {
    return this.indexes.get(root);
  }

  error(root: string): string | undefined {
    return this.errors.get(root);
  }

  /** Finds the roots and indexes them (once; later calls wait for the same load). */
  ready(): Promise<void> {
    return (this.loading ??= this.loadRoots());
  }

  async refresh(): Promise<void> {
    this.loading = this.loadRoots();
    await this.loading;
  }

  /** The root that holds a file, if any. */
  rootOf(file: string): string | undefined {
    return this.roots.filter((r) => file === r || file.startsWith(r + path.sep)).sort((a, b) => b.length - a.length)[0];
  }

  private async loadRoots(): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    let roots: string[] = [];
    try {
      roots = (await this.worker.run('findRoots', { folders })).roots;
    } catch (e) {
      this.log.error(`finding datasets: ${(e as Error).message}`);
    }
    for (const old of this.roots) {
      if (!roots.includes(old)) {
        this.indexes.delete(old);
        this.errors.delete(old);
      }
    }
    await Promise.all(roots.map((r) => this.reindex(r, undefined, false)));
    this.emitter.fire(undefined);
  }

  private async reindex(root: string, changed: string[] | undefined, notify = true): Promise<void> {
    const started = Date.now();
    try {
      this.indexes.set(root, await this.worker.run('index', { root }));
      this.errors.delete(root);
      this.log.info(`indexed ${root}: ${this.indexes.get(root)!.items.length} images in ${Date.now() - started} ms`);
    } catch (e) {
      this.indexes.delete(root);
      this.errors.set(root, (e as Error).message);
      this.log.warn(`cannot read the dataset ${root}: ${(e as Error).message}`);
    }
    if (notify) this.emitter.fire({ root, changed });
  }

  private fileChanged(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    const file = uri.fsPath;
    // Writes in progress (temp files of atomic writes, staging folders) are not dataset files.
    if (/(^|[\\/])\.[^\\/]*$/.test(file) || file.includes(`${path.sep}.segment-staging-`)) return;
    const root = this.rootOf(file);
    // A dataset may have appeared or gone: a segment.json, or a layout folder outside the known roots.
    if (path.basename(file) === 'segment.json' || (!root && LAYOUT_FOLDER.test(file))) this.scheduleRoots();
    if (!root) return;
    let entry = this.pending.get(root);
    if (entry) clearTimeout(entry.timer);
    else this.pending.set(root, (entry = { timer: undefined as unknown as NodeJS.Timeout, files: new Set() }));
    entry.files.add(file);
    entry.timer = setTimeout(() => {
      const files = [...entry!.files];
      this.pending.delete(root);
      void this.reindex(root, files);
    }, DEBOUNCE_MS);
  }

  private scheduleRoots(): void {
    if (this.rootsTimer) clearTimeout(this.rootsTimer);
    this.rootsTimer = setTimeout(() => void this.refresh(), DEBOUNCE_MS * 2);
  }

  dispose(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    if (this.rootsTimer) clearTimeout(this.rootsTimer);
    this.emitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
