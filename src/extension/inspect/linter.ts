/**
 * The dataset linter: the problems of every dataset in the Problems panel, each on the file it is
 * about (segment.json problems on the field), checked when a dataset is found and again for the
 * files that change. Quick fixes where a fix is safe: add the missing classes to segment.json,
 * rename a misspelt key, rewrite an RGB mask as a palette PNG with the same ids.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { Problem } from '../../core/problems';
import { locateJsonPath, positionAt } from '../../core/jsonLocate';
import { defaultClassColor } from '../../core/color';
import { WorkerClient } from '../workerClient';
import { DatasetModel } from './datasetModel';

const SOURCE = 'Segment Studio';
const CONFIG_KEYS = ['classes', 'ignoreIndex', 'folders', 'description', 'name', 'id', 'color', 'images', 'masks', 'prelabels', 'instances', 'thing'];

interface RootState {
  dataset: Problem[];
  masks: Map<string, Problem[]>;
}

export class DatasetLinter implements vscode.Disposable {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('segment');
  private readonly state = new Map<string, RootState>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly model: DatasetModel, private readonly worker: WorkerClient, private readonly log: vscode.LogOutputChannel) {
    model.onDidChange((change) => {
      if (!change) void this.lintAll();
      else void this.lintRoot(change.root, change.changed);
    });
  }

  /** Lints every root from scratch. */
  async lintAll(): Promise<void> {
    await this.model.ready();
    for (const root of [...this.state.keys()]) if (!this.model.roots.includes(root)) this.state.delete(root);
    await Promise.all(this.model.roots.map((r) => this.lintRoot(r, undefined)));
    this.publish();
  }

  /** Lints a root: all masks, or only those of the changed files (a segment.json change reads all). */
  private lintRoot(root: string, changed: string[] | undefined): Promise<void> {
    // One lint per root at a time; a change during a run is linted after it.
    const previous = this.running.get(root) ?? Promise.resolve();
    const next = previous.then(() => this.run(root, changed)).catch((e) => this.log.error(`lint ${root}: ${(e as Error).message}`));
    this.running.set(root, next);
    return next;
  }

  private async run(root: string, changed: string[] | undefined): Promise<void> {
    const index = this.model.index(root);
    const known = this.state.get(root);
    let masks: string[] | undefined;
    if (changed && known && index && !changed.some((f) => path.basename(f) === 'segment.json')) {
      const rel = new Set(changed.map((f) => path.relative(root, f).split(path.sep).join('/')));
      masks = index.items.filter((i) => i.mask && (rel.has(i.mask) || rel.has(i.image))).map((i) => i.mask!);
    }
    const result = await this.worker.run('lint', { root, masks });
    const state: RootState = { dataset: result.problems, masks: masks && known ? known.masks : new Map() };
    // Masks that are gone take their problems with them.
    const present = new Set(index?.items.filter((i) => i.mask).map((i) => i.mask!) ?? []);
    for (const m of [...state.masks.keys()]) if (!present.has(m)) state.masks.delete(m);
    for (const [mask, problems] of Object.entries(result.masks)) state.masks.set(mask, problems);
    this.state.set(root, state);
    this.publish();
  }

  private publish(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const [root, state] of this.state) {
      const all = [...state.dataset, ...[...state.masks.values()].flat()];
      for (const p of all) add(byFile, path.join(root, ...p.file.split('/')), this.toDiagnostic(root, p));
      // Ids with no class: one summary on segment.json's classes, where the quick fix adds them.
      const unknown = unknownIds(all);
      const config = path.join(root, 'segment.json');
      if (unknown.size && this.configText(config) !== undefined) {
        const ids = [...unknown.keys()].sort((a, b) => a - b);
        const masks = new Set([...unknown.values()].flat()).size;
        const d = new vscode.Diagnostic(this.rangeIn(config, 'classes'), `mask values ${ids.join(', ')} are no class (in ${masks} mask${masks > 1 ? 's' : ''}): add them to "classes" or fix the masks`, vscode.DiagnosticSeverity.Error);
        d.source = SOURCE;
        d.code = 'mask-unknown-id';
        add(byFile, config, d);
      }
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
  }

  private toDiagnostic(root: string, p: Problem): vscode.Diagnostic {
    const file = path.join(root, ...p.file.split('/'));
    let range = new vscode.Range(0, 0, 0, 0);
    if (p.line !== undefined) range = new vscode.Range(p.line, p.column ?? 0, p.line, (p.column ?? 0) + 1);
    else if (p.field) range = this.rangeIn(file, p.field);
    const d = new vscode.Diagnostic(range, p.field && !p.line ? `${p.field}: ${p.message}` : p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
    d.source = SOURCE;
    d.code = p.code;
    return d;
  }

  /** The range of a JSON field in an open or on-disk segment.json (start of file when not found). */
  private rangeIn(file: string, field: string): vscode.Range {
    const text = this.configText(file);
    const found = text !== undefined ? locateJsonPath(text, field) : undefined;
    if (!found) return new vscode.Range(0, 0, 0, 0);
    // The value when it fits on a line, else the key that names it.
    const oneLine = !text!.slice(found.value.start, found.value.end).includes('\n');
    const r = oneLine || !found.key ? found.value : found.key;
    const a = positionAt(text!, r.start);
    const b = positionAt(text!, r.end);
    return new vscode.Range(a.line, a.character, b.line, b.character);
  }

  private configText(file: string): string | undefined {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    if (open) return open.getText();
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Files (absolute) that currently have a problem with this code. */
  filesWith(code: string): string[] {
    const out: string[] = [];
    for (const [root, state] of this.state) {
      for (const p of [...state.dataset, ...[...state.masks.values()].flat()]) if (p.code === code) out.push(path.join(root, ...p.file.split('/')));
    }
    return out;
  }

  dispose(): void {
    this.diagnostics.dispose();
  }
}

function add(map: Map<string, vscode.Diagnostic[]>, file: string, d: vscode.Diagnostic): void {
  const list = map.get(file);
  if (list) list.push(d);
  else map.set(file, [d]);
}

/** Unknown ids and the masks holding them. */
function unknownIds(problems: Problem[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const p of problems) {
    if (p.code !== 'mask-unknown-id' || typeof p.value !== 'number') continue;
    out.set(p.value, [...(out.get(p.value) ?? []), p.file]);
  }
  return out;
}

/** The ids of the summary diagnostic (diagnostics reach code actions as copies: only their text survives). */
function idsInSummary(message: string): number[] | undefined {
  const m = /^mask values ([\d, ]+) are no class/.exec(message);
  return m ? m[1].split(',').map(Number) : undefined;
}

/** Quick fixes that cannot lose anything: edits of segment.json that the user sees and can undo, and a lossless re-encoding. */
export class DatasetFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      if (d.source !== SOURCE) continue;
      const ids = d.code === 'mask-unknown-id' ? idsInSummary(d.message) : undefined;
      if (ids) {
        const edit = addClassesEdit(document, ids);
        if (edit) actions.push(action(`Add class${ids.length > 1 ? 'es' : ''} ${ids.join(', ')} to segment.json`, d, { edit }));
      } else if (d.code === 'config-unknown-key') {
        const key = document.getText(d.range).replace(/^"|"[\s\S]*$/g, '');
        const near = CONFIG_KEYS.find((k) => distance(k, key) <= 2 && k !== key);
        if (near) {
          const edit = new vscode.WorkspaceEdit();
          const keyRange = new vscode.Range(d.range.start, d.range.start.translate(0, key.length + 2));
          edit.replace(document.uri, keyRange, JSON.stringify(near));
          actions.push(action(`Rename "${key}" to "${near}"`, d, { edit }));
        }
      } else if (d.code === 'mask-not-single-channel') {
        actions.push(action('Rewrite as a palette PNG (same class ids)', d, { command: { title: 'Rewrite mask', command: 'segment.fixMaskEncoding', arguments: [document.uri] } }));
      }
    }
    return actions;
  }
}

function action(title: string, d: vscode.Diagnostic, what: { edit?: vscode.WorkspaceEdit; command?: vscode.Command }): vscode.CodeAction {
  const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
  a.diagnostics = [d];
  a.isPreferred = true;
  if (what.edit) a.edit = what.edit;
  if (what.command) a.command = what.command;
  return a;
}

/** Inserts `{"id": N, "name": "class N", "color": ...}` entries at the end of "classes". */
function addClassesEdit(document: vscode.TextDocument, ids: number[]): vscode.WorkspaceEdit | undefined {
  const text = document.getText();
  const found = locateJsonPath(text, 'classes');
  if (!found || text[found.value.end - 1] !== ']') return undefined;
  const close = found.value.end - 1;
  const before = text.slice(found.value.start + 1, close);
  const lastEntry = /\{[^{}]*\}\s*$/.exec(before);
  const indent = /\n([ \t]*)\{[^{}]*\}\s*$/.exec(before)?.[1] ?? '    ';
  const entries = ids.map((id) => `${indent}{ "id": ${id}, "name": "class ${id}", "color": "${defaultClassColor(id)}" }`).join(',\n');
  const edit = new vscode.WorkspaceEdit();
  const at = lastEntry ? found.value.start + 1 + lastEntry.index + lastEntry[0].trimEnd().length : close;
  edit.insert(document.uri, document.positionAt(at), `${lastEntry ? ',' : ''}\n${entries}`);
  return edit;
}

/** Levenshtein distance, for "did you mean" renames of keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}
