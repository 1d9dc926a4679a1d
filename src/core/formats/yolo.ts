/**
 * YOLO segmentation labels (Ultralytics): one `labels/.../<name>.txt` per image, one object per
 * line, `<class index> x1 y1 x2 y2 ...` with coordinates normalised to 0..1 by the image size;
 * class indices are 0-based and name the classes of `data.yaml` in order (no background class).
 */
import { FormatError } from './formatError';

export interface YoloObject {
  classIndex: number;
  /** Normalised x, y pairs. */
  points: number[];
  line: number;
}

/** Parses one label file; `classCount` bounds the class indices. */
export function parseYoloLabels(text: string, file: string, classCount: number): YoloObject[] {
  const objects: YoloObject[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const at = `line ${i + 1}`;
    const fields = line.split(/\s+/);
    const values = fields.map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new FormatError(file, at, `"${fields[bad]}" is not a number`);
    const [cls, ...coords] = values;
    if (!Number.isInteger(cls) || cls < 0 || cls >= classCount) {
      throw new FormatError(file, at, `class index ${fields[0]} is not one of 0..${classCount - 1} (the names in data.yaml)`);
    }
    if (coords.length === 4) throw new FormatError(file, at, 'is a bounding box (YOLO detection format), not a segmentation polygon');
    if (coords.length < 6 || coords.length % 2 !== 0) {
      throw new FormatError(file, at, `has ${coords.length} coordinates: a polygon needs an even count of at least 6 (three points)`);
    }
    // A little slack: exporters round, and some clip only to 1e-6.
    const out = coords.findIndex((v) => v < -1e-3 || v > 1 + 1e-3);
    if (out >= 0) throw new FormatError(file, at, `coordinate ${fields[out + 1]} is outside 0..1: YOLO coordinates are normalised by the image size`);
    objects.push({ classIndex: cls, points: coords, line: i + 1 });
  });
  return objects;
}

export interface YoloDataYaml {
  names: string[];
  /** Image folders by split, relative to `path` (or the yaml's folder). */
  splits: Partial<Record<'train' | 'val' | 'test', string>>;
  path?: string;
}

/**
 * The subset of YAML that data.yaml files use: `key: value` lines, `names` as a flow list
 * (`[a, b]`), a block list (`- a`) or a map (`0: a`). Comments and quotes are handled.
 */
export function parseYoloDataYaml(text: string, file: string): YoloDataYaml {
  const lines = text.split(/\r?\n/);
  const top = new Map<string, string>();
  let names: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i]);
    if (line.trim() === '' || /^\s/.test(line)) continue;
    const m = /^([\w.-]+)\s*:\s*(.*)$/.exec(line);
    if (!m) throw new FormatError(file, `line ${i + 1}`, `cannot read "${line.trim()}": expected "key: value"`);
    const [, key, value] = m;
    if (key !== 'names') {
      top.set(key, unquote(value.trim()));
      continue;
    }
    if (value.trim().startsWith('[')) {
      const inner = value.trim().replace(/^\[/, '').replace(/\]$/, '');
      names = inner.split(',').map((s) => unquote(s.trim())).filter((s) => s !== '');
      continue;
    }
    // Block list or map on the following indented lines.
    const byIndex = new Map<number, string>();
    const list: string[] = [];
    while (i + 1 < lines.length && (/^\s+\S/.test(lines[i + 1]) || stripComment(lines[i + 1]).trim() === '')) {
      const entry = stripComment(lines[++i]).trim();
      if (entry === '') continue;
      const item = /^-\s*(.*)$/.exec(entry);
      const pair = /^(\d+)\s*:\s*(.*)$/.exec(entry);
      if (item) list.push(unquote(item[1].trim()));
      else if (pair) byIndex.set(Number(pair[1]), unquote(pair[2].trim()));
      else throw new FormatError(file, `line ${i + 1}`, `cannot read the class name "${entry}": expected "- name" or "0: name"`);
    }
    if (byIndex.size > 0) {
      names = [];
      for (let k = 0; k < byIndex.size; k++) {
        const name = byIndex.get(k);
        if (name === undefined) throw new FormatError(file, 'names', `class indices must run 0..${byIndex.size - 1} without gaps; ${k} is missing`);
        names.push(name);
      }
    } else names = list;
  }
  if (!names || names.length === 0) {
    const nc = Number(top.get('nc'));
    if (Number.isInteger(nc) && nc > 0) names = Array.from({ length: nc }, (_, k) => `class ${k}`);
    else throw new FormatError(file, 'names', 'is missing: list the class names, e.g. names: [cell, bacterium]');
  }
  const splits: YoloDataYaml['splits'] = {};
  for (const s of ['train', 'val', 'test'] as const) {
    const v = top.get(s);
    if (v) splits[s] = v;
  }
  return { names, splits, ...(top.get('path') ? { path: top.get('path') } : {}) };
}

/** The data.yaml our exporter writes. */
export function formatYoloDataYaml(names: readonly string[], splits: YoloDataYaml['splits']): string {
  const lines = ['# YOLO segmentation dataset written by Segment Studio (segment convert --to yolo)', 'path: .'];
  for (const [split, dir] of Object.entries(splits)) lines.push(`${split}: ${dir}`);
  lines.push('names:');
  names.forEach((n, k) => lines.push(`  ${k}: ${JSON.stringify(n)}`));
  return lines.join('\n') + '\n';
}

function stripComment(line: string): string {
  // A # starts a comment unless it sits inside quotes.
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) {
    if (s[0] === "'") return s.slice(1, -1).replace(/''/g, "'");
    try {
      return JSON.parse(s);
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}
