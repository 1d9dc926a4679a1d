/**
 * Pre-labelling: the worker jobs' parameters and results, the sidecar written beside every
 * pre-label, and how a folder is split into shards for clusters (Kubernetes, Slurm).
 */

/** Where the model runs: `auto` tries CUDA and falls back to CPU with a notice. */
export type Device = 'auto' | 'cpu' | 'cuda';
export const DEVICES: readonly Device[] = ['auto', 'cpu', 'cuda'];

/** The execution provider that ran. */
export type ExecutionProvider = 'cpu' | 'cuda';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export interface PrelabelParams {
  /** A dataset root, a folder inside a dataset's image folder, or any folder of images. */
  folder: string;
  /** The .onnx file; its manifest is `<model>.json`. */
  model: string;
  device: Device;
  /** Also images that have a human mask, and images already pre-labelled by this model. */
  all?: boolean;
  shard?: Shard;
  /** Images per model call (default: the model's fixed batch, else 4 on CPU and 8 on CUDA). */
  batch?: number;
}

export interface Skipped {
  /** Image path relative to the dataset root. */
  path: string;
  reason: string;
}

export interface PrelabelResult {
  /** The dataset root pre-labels belong to, and the folder they were written to. */
  root: string;
  output: string;
  model: { name: string; path: string; sha256: string };
  executionProvider: ExecutionProvider;
  /** One line when `auto` could not use CUDA (why), absent otherwise. */
  notice?: string;
  /** Images of the folder (of this shard). */
  total: number;
  written: number;
  /** The first image pre-labelled (relative to the root), to open for review. */
  firstWritten?: string;
  skipped: Skipped[];
  failed: Skipped[];
  imagesPerSecond: number;
  seconds: number;
  shard?: Shard;
}

export interface PredictParams {
  /** Absolute path of one image. */
  image: string;
  model: string;
  device: Device;
}

export interface PredictResult {
  root: string;
  /** Absolute paths of the pre-label PNG and its sidecar. */
  prelabel: string;
  sidecar: string;
  /** Absolute path of the instance map (`prelabels/instances/<key>.png`), for an instance-capable model. */
  instances?: string;
  info: PrelabelSidecar;
  notice?: string;
}

export interface NextUncertainResult {
  root: string;
  /** The unlabelled image whose pre-label has the highest mean entropy (absolute), if any. */
  image?: string;
  meanEntropy?: number;
  /** Unlabelled images with a pre-label, among which it was picked. */
  candidates: number;
  /** Unlabelled images without a pre-label (run Pre-label first to rank them). */
  withoutPrelabel: number;
}

export const SIDECAR_FORMAT = 'segment-studio-prelabel/1';

/** `prelabels/<key>.json`: where a pre-label came from and how sure the model was. */
export interface PrelabelSidecar {
  format: typeof SIDECAR_FORMAT;
  /** The image, relative to the dataset root. */
  image: string;
  width: number;
  height: number;
  model: { name: string; file: string; sha256: string };
  /** ISO 8601. */
  createdAt: string;
  executionProvider: ExecutionProvider;
  /** How the image reached the model. */
  mode: 'resize' | 'tile';
  /** Pixels of each class; objects of each thing class when the model is instance-capable. */
  classes: { id: number; name: string; pixels: number; instances?: number }[];
  /** Objects in the instance map `instances/<key>.png` (instance-capable models only). */
  instances?: number;
  /** Mean over pixels of the winning class's probability; null for a labels-only model. */
  meanConfidence: number | null;
  /** Mean over pixels of the entropy of the class probabilities divided by log(classes): 0 certain, 1 uniform; null for a labels-only model. */
  meanEntropy: number | null;
}

export class ShardError extends Error {}

/**
 * The shard a process works on, from `--shard i/N` or `--shard N` with the index from the
 * environment: `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job, 0-based) or `SLURM_ARRAY_TASK_ID`
 * (made 0-based by subtracting `SLURM_ARRAY_TASK_MIN`). Undefined without `--shard`.
 */
export function parseShard(spec: string | undefined, env: Record<string, string | undefined> = {}): Shard | undefined {
  if (spec === undefined) return undefined;
  const explicit = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const countOnly = /^(\d+)$/.exec(spec.trim());
  if (!explicit && !countOnly) throw new ShardError(`--shard takes i/N (0-based shard i of N) or N (the index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID), got "${spec}"`);
  const count = Number(explicit ? explicit[2] : countOnly![1]);
  if (count < 1) throw new ShardError(`--shard ${spec}: the number of shards must be at least 1`);
  let index: number;
  let source: string;
  if (explicit) {
    index = Number(explicit[1]);
    source = `--shard ${spec}`;
  } else if (env.JOB_COMPLETION_INDEX !== undefined && env.JOB_COMPLETION_INDEX !== '') {
    index = toIndex(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX');
    source = `JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX}`;
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_ID !== '') {
    const min = env.SLURM_ARRAY_TASK_MIN ? toIndex(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
    index = toIndex(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID') - min;
    source = `SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID}${min ? ` - SLURM_ARRAY_TASK_MIN=${min}` : ''}`;
  } else {
    throw new ShardError(`--shard ${spec} gives the number of shards only: the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array), and neither is set; use --shard i/${count}`);
  }
  if (index < 0 || index >= count) throw new ShardError(`shard index ${index} (${source}) is outside 0..${count - 1}`);
  return { index, count };
}

function toIndex(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ShardError(`${name}="${value}" is not a non-negative integer`);
  return Number(value);
}

/**
 * Shards take every N-th image of the folder's sorted list (before skipping): disjoint, together
 * covering every image, balanced, and the same on every machine that sees the same files.
 */
export function inShard(position: number, shard: Shard | undefined): boolean {
  return !shard || position % shard.count === shard.index;
}

/** Among unlabelled images' sidecars, the one with the highest mean entropy. */
export function mostUncertain<T extends { meanEntropy: number | null }>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) if (c.meanEntropy !== null && (!best || c.meanEntropy > best.meanEntropy!)) best = c;
  return best;
}

/** The progress line of a pre-label run: `12 / 32 · 3.4 images/s · 6 s left`. */
export function progressLine(done: number, total: number, imagesPerSecond: number | undefined): string {
  const parts = [`${done} / ${total}`];
  if (imagesPerSecond !== undefined && imagesPerSecond > 0 && Number.isFinite(imagesPerSecond)) {
    parts.push(`${imagesPerSecond >= 10 ? imagesPerSecond.toFixed(0) : imagesPerSecond.toFixed(1)} images/s`);
    if (done < total) parts.push(`${formatDuration((total - done) / imagesPerSecond)} left`);
  }
  return parts.join(' · ');
}

/** `45 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Skip reasons counted: `24 have a human mask, 3 already pre-labelled by this model`. */
export function skippedSummary(skipped: readonly Skipped[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason.replace(/^has /, n === 1 ? 'has ' : 'have ')}`).join(', ');
}
