/**
 * `segment.json`: the dataset's classes and folders. Parsing collects every problem at once,
 * each naming the file, the field and what is wrong, so a user fixes them in one pass.
 */
import { ClassDef, DEFAULT_IGNORE_INDEX } from './classes';
import { defaultClassColor, parseHexColor, toHexColor } from './color';
import { Problem } from './problems';
import { isInsideRoot, normalizeRelative } from './paths';

export interface DatasetFolders {
  images: string;
  masks: string;
  prelabels: string;
  instances: string;
}

export interface SegmentConfig {
  classes: ClassDef[];
  ignoreIndex: number;
  folders: DatasetFolders;
}

export const CONFIG_FILE = 'segment.json';

export const DEFAULT_FOLDERS: DatasetFolders = {
  images: 'images',
  masks: 'masks',
  prelabels: 'prelabels',
  instances: 'instances',
};

export type ConfigResult =
  | { ok: true; config: SegmentConfig; problems: Problem[] }
  | { ok: false; problems: Problem[] };

const TOP_KEYS = new Set(['$schema', 'classes', 'ignoreIndex', 'folders', 'description', 'name']);
const CLASS_KEYS = new Set(['id', 'name', 'color', 'thing', 'description']);
const FOLDER_KEYS = new Set(Object.keys(DEFAULT_FOLDERS));

/** Parses and validates the text of a segment.json; `file` is the name used in problems. */
export function parseSegmentConfig(text: string, file = CONFIG_FILE): ConfigResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const at = pos ? lineColumn(text, Number(pos[1])) : {};
    return { ok: false, problems: [{ severity: 'error', code: 'config-syntax', file, message: `not valid JSON: ${message}`, ...at }] };
  }
  return validateSegmentConfig(json, file);
}

export function validateSegmentConfig(json: unknown, file = CONFIG_FILE): ConfigResult {
  const problems: Problem[] = [];
  const error = (field: string, message: string) =>
    problems.push({ severity: 'error', code: 'config-invalid', file, field, message });
  const unknownKey = (field: string, known: Set<string>) =>
    problems.push({
      severity: 'warning', code: 'config-unknown-key', file, field,
      message: `unknown key (known keys: ${[...known].filter((k) => k !== '$schema').join(', ')})`,
    });

  if (!isObject(json)) {
    error('(root)', 'must be a JSON object with a "classes" array');
    return { ok: false, problems };
  }
  for (const key of Object.keys(json)) if (!TOP_KEYS.has(key)) unknownKey(key, TOP_KEYS);

  let ignoreIndex = DEFAULT_IGNORE_INDEX;
  if (json.ignoreIndex !== undefined) {
    if (isByte(json.ignoreIndex)) ignoreIndex = json.ignoreIndex;
    else error('ignoreIndex', `must be an integer from 0 to 255, got ${show(json.ignoreIndex)}`);
  }

  const classes: ClassDef[] = [];
  if (!Array.isArray(json.classes)) {
    error('classes', json.classes === undefined ? 'is missing: list the classes as [{"id": 0, "name": "background", "color": "#000000"}, ...]' : `must be an array, got ${show(json.classes)}`);
  } else if (json.classes.length === 0) {
    error('classes', 'must list at least one class');
  } else {
    const byId = new Map<number, number>();
    const byName = new Map<string, number>();
    const byColor = new Map<string, number>();
    json.classes.forEach((c: unknown, i: number) => {
      const at = `classes[${i}]`;
      if (!isObject(c)) return error(at, `must be an object {"id", "name", "color"}, got ${show(c)}`);
      for (const key of Object.keys(c)) if (!CLASS_KEYS.has(key)) unknownKey(`${at}.${key}`, CLASS_KEYS);
      let ok = true;
      if (!isByte(c.id)) { error(`${at}.id`, `must be an integer from 0 to 254, got ${show(c.id)}`); ok = false; }
      else if (c.id === ignoreIndex) { error(`${at}.id`, `${c.id} is the ignore index; pick another id or change "ignoreIndex"`); ok = false; }
      else if (byId.has(c.id)) { error(`${at}.id`, `${c.id} is already used by classes[${byId.get(c.id)}]`); ok = false; }
      if (typeof c.name !== 'string' || c.name.trim() === '') { error(`${at}.name`, `must be a non-empty string, got ${show(c.name)}`); ok = false; }
      else if (byName.has(c.name)) { error(`${at}.name`, `"${c.name}" is already used by classes[${byName.get(c.name)}]`); ok = false; }
      let color = isByte(c.id) ? defaultClassColor(c.id) : '#000000';
      if (c.color !== undefined) {
        const rgb = typeof c.color === 'string' ? parseHexColor(c.color) : undefined;
        if (!rgb) { error(`${at}.color`, `must be a colour like "#e6194b", got ${show(c.color)}`); return; }
        color = toHexColor(rgb);
      }
      if (byColor.has(color)) {
        problems.push({
          severity: 'warning', code: 'config-invalid', file, field: `${at}.color`,
          message: `${color} is also the colour of classes[${byColor.get(color)}]: RGB colour masks cannot tell them apart`,
        });
      }
      if (c.thing !== undefined && typeof c.thing !== 'boolean') { error(`${at}.thing`, `must be true (a countable object class with instances) or false (stuff), got ${show(c.thing)}`); ok = false; }
      if (!ok) return;
      byId.set(c.id as number, i);
      byName.set(c.name as string, i);
      byColor.set(color, i);
      classes.push({ id: c.id as number, name: c.name as string, color, ...(c.thing !== undefined ? { thing: c.thing as boolean } : {}) });
    });
  }

  const folders: DatasetFolders = { ...DEFAULT_FOLDERS };
  if (json.folders !== undefined) {
    if (!isObject(json.folders)) error('folders', `must be an object like {"images": "images", "masks": "masks"}, got ${show(json.folders)}`);
    else {
      for (const [key, value] of Object.entries(json.folders)) {
        const at = `folders.${key}`;
        if (!FOLDER_KEYS.has(key)) { unknownKey(at, FOLDER_KEYS); continue; }
        if (typeof value !== 'string' || value.trim() === '') { error(at, `must be a relative folder path, got ${show(value)}`); continue; }
        if (!isInsideRoot(value)) {
          problems.push({ severity: 'error', code: 'folder-outside-root', file, field: at, message: `"${value}" leaves the dataset root; folders must stay inside it` });
          continue;
        }
        folders[key as keyof DatasetFolders] = normalizeRelative(value);
      }
    }
  }

  if (problems.some((p) => p.severity === 'error')) return { ok: false, problems };
  classes.sort((a, b) => a.id - b.id);
  return { ok: true, config: { classes, ignoreIndex, folders }, problems };
}

/**
 * Classes for a dataset without segment.json, from the ids seen in its masks; colours come from
 * the masks' own palette when they have one (VOC-style files), else the default palette.
 */
export function inferSegmentConfig(
  seenIds: Iterable<number>,
  paletteColors: ReadonlyMap<number, string> = new Map(),
  ignoreIndex = DEFAULT_IGNORE_INDEX,
): SegmentConfig {
  const ids = [...new Set(seenIds)].filter((id) => id !== ignoreIndex).sort((a, b) => a - b);
  if (!ids.includes(0)) ids.unshift(0);
  const classes = ids.map((id) => ({
    id,
    name: id === 0 ? 'background' : `class ${id}`,
    color: paletteColors.get(id) ?? defaultClassColor(id),
  }));
  return { classes, ignoreIndex, folders: { ...DEFAULT_FOLDERS } };
}

/** The JSON text of a config, as written when a user accepts an inferred one. */
export function formatSegmentConfig(config: SegmentConfig): string {
  // No "$schema" key: the extension's jsonValidation already applies the schema to every segment.json,
  // and a URL VS Code cannot fetch shows as a warning.
  const out: Record<string, unknown> = {
    classes: config.classes.map(({ id, name, color, thing }) => ({ id, name, color, ...(thing !== undefined ? { thing } : {}) })),
    ignoreIndex: config.ignoreIndex,
    folders: config.folders,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

export function classById(config: SegmentConfig): Map<number, ClassDef> {
  return new Map(config.classes.map((c) => [c.id, c]));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isByte(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 40 ? s.slice(0, 37) + '...' : s;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, column: before[before.length - 1].length };
}
