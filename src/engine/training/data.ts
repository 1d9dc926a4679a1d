/**
 * The training data: which images train, validate or serve as unlabelled, their decoded pixels
 * (sharp) and labels, held in a cache with a byte budget so datasets larger than memory stream
 * from disk, and batches built from them with the run's seeded augmentation.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { DatasetItem } from '../../core/datasetLayout';
import { DatasetError } from '../../core/problems';
import { ClassDef } from '../../core/classes';
import { Dataset, absolutePath } from '../dataset';
import { readRgb, ImageReadError } from '../images';
import { readCheckedMask } from '../masks';
import { decodeInstancePng } from '../../core/maskCodec';
import { mapLimit } from '../files';
import { Random } from '../synthetic/random';
import {
  colourJitter, ColourStrength, DEFAULT_GEOMETRY, GeometryOptions, normalise, outsideMask, pasteBox, randomBox, randomGeometry, warpImage, warpLabels,
} from './augment';

export interface Decoded {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** Channel index per pixel, 255 = ignore; absent for unlabelled images. */
  labels?: Uint8Array;
  /** Instance ids (0 = none), when the image has an instance map and instances train. */
  instances?: Uint16Array;
}

const decodedBytes = (d: Decoded) => d.rgb.byteLength + (d.labels?.byteLength ?? 0) + (d.instances?.byteLength ?? 0);

export interface Split {
  train: DatasetItem[];
  val: DatasetItem[];
  /** Images without a mask, plus labelled training images hidden by `labelledFraction`. */
  unlabelled: DatasetItem[];
}

/** A stable hash in [0, 1) of a string, for splits that do not move when the dataset grows. */
export function unitHash(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Deterministic integer seed from parts (run seed, step, stream...). */
export function seedOf(...parts: (number | string)[]): number {
  return createHash('sha1').update(parts.join('\0')).digest().readUInt32BE(0);
}

export function shuffled<T>(items: readonly T[], rng: Random): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Splits the dataset: split lists win (`splits/val.txt`...); labelled images without one go to
 * validation by a stable hash of their key (about `valFraction`, at least one when there are two
 * or more). Test images never train or validate. `labelledFraction` keeps that share of the
 * training masks (seeded) and turns the rest into unlabelled images.
 */
export function splitDataset(dataset: Dataset, options: { labelledFraction?: number; seed: number; valFraction?: number }): Split {
  const { labelledFraction = 1, seed, valFraction = 0.2 } = options;
  const labelled = dataset.items.filter((i) => i.mask && i.split !== 'test');
  if (labelled.length === 0) {
    throw new DatasetError(
      `${dataset.root} has no labelled image to train on: draw masks for a few images first (they go in ${dataset.layout.groups[0]?.masks ?? 'masks'}/, ` +
        'one PNG of class ids per image, same name)',
    );
  }
  const hasValSplit = labelled.some((i) => i.split === 'val');
  let val = labelled.filter((i) => (hasValSplit ? i.split === 'val' : i.split !== 'train' && unitHash(i.key) < valFraction));
  let train = labelled.filter((i) => !val.includes(i));
  if (val.length === 0 && train.length >= 2) {
    // Too few images for the hash to pick one: validate on the one with the smallest hash.
    const pick = train.reduce((a, b) => (unitHash(a.key) <= unitHash(b.key) ? a : b));
    val = [pick];
    train = train.filter((i) => i !== pick);
  }
  if (train.length === 0) train = val.slice(); // a single labelled image trains and validates
  const unlabelled = dataset.items.filter((i) => !i.mask && i.split !== 'test');
  if (labelledFraction < 1) {
    if (!(labelledFraction > 0)) throw new DatasetError(`--labelled-fraction must be in (0, 1], got ${labelledFraction}`);
    const keep = Math.max(1, Math.round(train.length * labelledFraction));
    const order = shuffled(train, new Random(seedOf(seed, 'labelled-fraction')));
    unlabelled.push(...order.slice(keep));
    train = order.slice(0, keep).sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  return { train, val, unlabelled };
}

/** Class id -> channel index (255 for the ignore index and anything else). */
export function labelLut(classes: ClassDef[], ignoreIndex: number): Uint8Array {
  const lut = new Uint8Array(256).fill(255);
  classes.forEach((c, k) => {
    if (c.id !== ignoreIndex) lut[c.id] = k;
  });
  return lut;
}

/** Decoded images and labels with least-recently-used eviction beyond a byte budget. */
export class DecodedCache {
  private readonly entries = new Map<string, Decoded>();
  private bytes = 0;
  /** Largest number of bytes held at once (tests check it stays under the budget). */
  peakBytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): Decoded | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Decoded): void {
    const size = decodedBytes(value);
    if (size > this.budget) return; // larger than the whole budget: decode again when needed
    this.entries.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.budget) break;
      this.entries.delete(k);
      this.bytes -= decodedBytes(v);
    }
    this.peakBytes = Math.max(this.peakBytes, this.bytes);
  }

  get size(): number {
    return this.bytes;
  }
}

export interface Batch {
  /** [n, size, size, 3] normalised. */
  images: Float32Array;
  /** [n, size, size] channel index or IGNORE. */
  labels: Int32Array;
  /** [n, size, size] instance ids (<= 0: none), when instances train. */
  instances?: Int32Array;
  count: number;
}

export interface UnlabelledBatch {
  /** Weak views for the teacher. */
  weak: Float32Array;
  /** Strong views for the student (CutMix applied). */
  strong: Float32Array;
  /** The CutMix pairing, applied to the teacher's pseudo-labels the same way. */
  mix: { from: number; to: number; box: { x0: number; y0: number; x1: number; y1: number } }[];
  /** Pixels outside the source image, whose pseudo-labels are ignored. */
  outside: Uint8Array;
  count: number;
}

export interface DataOptions {
  size: number;
  mean: number[];
  std: number[];
  geometry?: Partial<Omit<GeometryOptions, 'size'>>;
  cacheBytes: number;
  /** Read instance maps too (the instance head trains). */
  instances?: boolean;
  /** Called once for each image that cannot be read (it is then skipped). */
  onSkip: (file: string, reason: string) => void;
}

/** Reads images and labels for the trainer, through the cache. */
export class DataSource {
  readonly cache: DecodedCache;
  private readonly lut: Uint8Array;
  private readonly bad = new Set<string>();
  private readonly geometry: GeometryOptions;

  constructor(private readonly dataset: Dataset, private readonly options: DataOptions) {
    this.cache = new DecodedCache(options.cacheBytes);
    this.lut = labelLut(dataset.config.classes, dataset.config.ignoreIndex);
    this.geometry = { ...DEFAULT_GEOMETRY, ...options.geometry, size: options.size };
  }

  isBad(item: DatasetItem): boolean {
    return this.bad.has(item.key);
  }

  /** Decoded pixels (and labels when `withLabels`), or undefined for an unreadable image (skipped, reported once). */
  async load(item: DatasetItem, withLabels: boolean): Promise<Decoded | undefined> {
    if (this.bad.has(item.key)) return undefined;
    const cacheKey = `${item.key}\0${withLabels}`;
    const hit = this.cache.get(cacheKey) ?? (withLabels ? undefined : this.cache.get(`${item.key}\0true`));
    if (hit) return hit;
    let decoded: Decoded;
    try {
      const image = await readRgb(absolutePath(this.dataset, item.image));
      decoded = { rgb: image.data, width: image.width, height: image.height };
    } catch (e) {
      this.bad.add(item.key);
      this.options.onSkip(item.image, e instanceof ImageReadError ? e.message : String(e));
      return undefined;
    }
    if (withLabels && item.mask) decoded.labels = await this.readLabels(item, decoded);
    if (withLabels && item.instances && this.options.instances) decoded.instances = await this.readInstances(item, decoded);
    this.cache.set(cacheKey, decoded);
    return decoded;
  }

  /** The mask as channel indices; a mask that does not fit its image or holds an unknown id stops training. */
  async readLabels(item: DatasetItem, size: { width: number; height: number }): Promise<Uint8Array> {
    const checked = await readCheckedMask(absolutePath(this.dataset, item.mask!), item.mask!, this.dataset.config, size);
    if (!checked.ok) throw new DatasetError(`${item.mask}: ${checked.problem.message}`, [checked.problem]);
    const ids = checked.mask.ids;
    const out = new Uint8Array(ids.length);
    for (let k = 0; k < ids.length; k++) out[k] = this.lut[ids[k]];
    return out;
  }

  /** The instance map; one that does not fit its image stops training. */
  async readInstances(item: DatasetItem, size: { width: number; height: number }): Promise<Uint16Array> {
    let map;
    try {
      map = decodeInstancePng(await fs.readFile(absolutePath(this.dataset, item.instances!)));
    } catch (e) {
      throw new DatasetError(`${item.instances}: ${(e as Error).message}`);
    }
    if (map.width !== size.width || map.height !== size.height) {
      throw new DatasetError(`${item.instances}: the instance map is ${map.width}x${map.height}, its image ${size.width}x${size.height}`);
    }
    return map.ids;
  }

  /**
   * A labelled batch: `items` decoded, warped by geometry drawn from `rng`, colour jitter of the given strength.
   * Unreadable images are replaced by the next readable one of `pool`.
   */
  async labelledBatch(items: DatasetItem[], pool: DatasetItem[], rng: Random, colour: ColourStrength): Promise<Batch> {
    const size = this.options.size;
    const plane = size * size;
    const decoded = await this.loadAll(items, pool, true);
    const images = new Float32Array(decoded.length * plane * 3);
    const labels = new Int32Array(decoded.length * plane);
    const instances = this.options.instances ? new Int32Array(decoded.length * plane) : undefined;
    const tmp = new Float32Array(plane * 3);
    decoded.forEach((d, i) => {
      const t = randomGeometry(rng, d.width, d.height, this.geometry);
      warpImage(d.rgb, d.width, d.height, t, size, tmp, this.options.mean);
      warpLabels(d.labels!, d.width, d.height, t, size, labels, i * plane);
      if (instances && d.instances) warpLabels(d.instances, d.width, d.height, t, size, instances, i * plane, -1);
      colourJitter(tmp, size, rng, colour);
      normalise(tmp, images, i * plane * 3, this.options.mean, this.options.std);
    });
    return { images, labels, instances, count: decoded.length };
  }

  /** Weak and strong views of unlabelled images (same geometry), with CutMix between strong views. */
  async unlabelledBatch(items: DatasetItem[], pool: DatasetItem[], rng: Random): Promise<UnlabelledBatch> {
    const size = this.options.size;
    const plane = size * size;
    const decoded = await this.loadAll(items, pool, false);
    const n = decoded.length;
    const weak = new Float32Array(n * plane * 3);
    const strong = new Float32Array(n * plane * 3);
    const outside = new Uint8Array(n * plane);
    const tmp = new Float32Array(plane * 3);
    decoded.forEach((d, i) => {
      const t = randomGeometry(rng, d.width, d.height, this.geometry);
      warpImage(d.rgb, d.width, d.height, t, size, tmp, this.options.mean);
      outsideMask(t, d.width, d.height, size, outside, i * plane);
      colourJitter(tmp, size, rng, 'weak');
      normalise(tmp, weak, i * plane * 3, this.options.mean, this.options.std);
      colourJitter(tmp, size, rng, 'strong');
      normalise(tmp, strong, i * plane * 3, this.options.mean, this.options.std);
    });
    const mix: UnlabelledBatch['mix'] = [];
    if (n >= 2) {
      const pristine = strong.slice();
      for (let to = 0; to < n; to++) {
        if (rng.next() >= 0.5) continue;
        const from = (to + 1 + Math.floor(rng.next() * (n - 1))) % n;
        const box = randomBox(rng, size);
        pasteBox(pristine, strong, size, 3, from, to, box);
        mix.push({ from, to, box });
      }
    }
    return { weak, strong, mix, outside, count: n };
  }

  private async loadAll(items: DatasetItem[], pool: DatasetItem[], withLabels: boolean): Promise<Decoded[]> {
    const decoded = await mapLimit(items, 2, (item) => this.load(item, withLabels));
    const out: Decoded[] = [];
    let next = 0;
    for (let i = 0; i < items.length; i++) {
      let d = decoded[i];
      // Replace an unreadable image with the next readable one of the pool (deterministic).
      while (!d && next < pool.length) d = await this.load(pool[next++], withLabels);
      if (!d) throw new DatasetError('none of the training images could be read');
      out.push(d);
    }
    return out;
  }
}

/** Per-channel mean and standard deviation (0..255) over a sample of the training images. */
export async function imageStatistics(source: DataSource, items: DatasetItem[], sample = 32): Promise<{ mean: number[]; std: number[] }> {
  const picked = items.slice().sort((a, b) => unitHash(a.key) - unitHash(b.key)).slice(0, sample);
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let n = 0;
  for (const item of picked) {
    const d = await source.load(item, false);
    if (!d) continue;
    // Every 4th pixel is plenty for three numbers.
    for (let p = 0; p < d.rgb.length; p += 12) {
      for (let k = 0; k < 3; k++) {
        const v = d.rgb[p + k];
        sum[k] += v;
        sq[k] += v * v;
      }
      n++;
    }
  }
  if (n === 0) return { mean: [127.5, 127.5, 127.5], std: [64, 64, 64] };
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, k) => Math.max(1, Math.sqrt(Math.max(0, s / n - mean[k] ** 2))));
  return { mean: mean.map((v) => Math.round(v * 100) / 100), std: std.map((v) => Math.round(v * 100) / 100) };
}

/** Pixel counts per class channel over the training masks (one mask decoded at a time). */
export async function classFrequencies(source: DataSource, items: DatasetItem[], classes: number): Promise<number[]> {
  const counts = new Array<number>(classes).fill(0);
  await mapLimit(items, 2, async (item) => {
    const d = await source.load(item, true);
    if (!d?.labels) return;
    for (const l of d.labels) if (l !== 255) counts[l]++;
  });
  return counts;
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
