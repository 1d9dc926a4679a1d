/**
 * Compares a dataset with its round trip through an export format: per-class IoU over all pixels,
 * identical masks, and whether the instance maps split the pixels the same way.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { decodeInstancePng, decodeMaskPng } from '../../src/core/maskCodec';

export interface RoundTripReport {
  images: number;
  /** Masks whose every pixel came back. */
  identical: number;
  /** Pixels that differ, over all images. */
  differentPixels: number;
  pixels: number;
  /** Per class (foreground ids only): intersection over union over the whole dataset. */
  iou: Map<number, number>;
  meanIoU: number;
  /** Images whose instance maps partition the labelled pixels the same way (when both have one). */
  sameInstances: number;
  instanceMaps: number;
  /** Keys missing from the round trip. */
  missing: string[];
}

export function readIds(file: string): { ids: Uint8Array; width: number; height: number } {
  return decodeMaskPng(readFileSync(file), { classes: [], ignoreIndex: 255 });
}

function stems(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...stems(path.join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.name.endsWith('.png')) out.push(prefix + e.name.slice(0, -4));
  }
  return out.sort();
}

/** `original` and `back` are dataset roots in the images/ + masks/ (+ instances/) convention. */
export function compareRoundTrip(original: string, back: string, ignoreIndex = 255): RoundTripReport {
  const keys = stems(path.join(original, 'masks'));
  const inter = new Map<number, number>();
  const union = new Map<number, number>();
  const add = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  const report: RoundTripReport = { images: 0, identical: 0, differentPixels: 0, pixels: 0, iou: new Map(), meanIoU: 0, sameInstances: 0, instanceMaps: 0, missing: [] };
  for (const key of keys) {
    const backMask = path.join(back, 'masks', `${key}.png`);
    if (!existsSync(backMask)) {
      report.missing.push(key);
      continue;
    }
    const a = readIds(path.join(original, 'masks', `${key}.png`));
    const b = readIds(backMask);
    if (a.width !== b.width || a.height !== b.height) throw new Error(`${key}: size ${a.width}x${a.height} came back as ${b.width}x${b.height}`);
    report.images++;
    report.pixels += a.ids.length;
    let diff = 0;
    for (let k = 0; k < a.ids.length; k++) {
      const x = a.ids[k];
      const y = b.ids[k];
      if (x !== y) diff++;
      for (const c of x === y ? [x] : [x, y]) {
        if (c === 0 || c === ignoreIndex) continue;
        add(union, c);
        if (x === y) add(inter, c);
      }
    }
    report.differentPixels += diff;
    if (diff === 0) report.identical++;
    const ia = path.join(original, 'instances', `${key}.png`);
    const ib = path.join(back, 'instances', `${key}.png`);
    if (existsSync(ia) && existsSync(ib)) {
      report.instanceMaps++;
      if (samePartition(decodeInstancePng(readFileSync(ia)).ids, decodeInstancePng(readFileSync(ib)).ids, a.ids, ignoreIndex)) report.sameInstances++;
    }
  }
  for (const [c, u] of union) report.iou.set(c, (inter.get(c) ?? 0) / u);
  const ious = [...report.iou.values()];
  report.meanIoU = ious.length ? ious.reduce((s, v) => s + v, 0) / ious.length : 1;
  return report;
}

/**
 * True when the two instance maps group the labelled pixels (class not 0, not ignore) identically:
 * a one-to-one match between their ids. Unlabelled pixels are not compared (an instance map may
 * cover pixels that the class mask calls background, which no format keeps).
 */
function samePartition(a: ArrayLike<number>, b: ArrayLike<number>, classes: Uint8Array, ignoreIndex: number): boolean {
  const ab = new Map<number, number>();
  const ba = new Map<number, number>();
  for (let k = 0; k < classes.length; k++) {
    if (classes[k] === 0 || classes[k] === ignoreIndex) continue;
    const x = a[k];
    const y = b[k];
    if ((ab.has(x) && ab.get(x) !== y) || (ba.has(y) && ba.get(y) !== x)) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}
