/**
 * From a model's raw output for one image to a pre-label: scores resized (bilinear) or blended
 * from overlapping tiles, class id per pixel, per-class pixel counts, mean confidence, mean
 * entropy, and the palette PNG; for instance-capable models, the embeddings resized or blended the
 * same way and clustered into objects (the 16-bit instance map). Pure computation on typed arrays: it runs in worker threads
 * (finishPool.ts) while the model works on the next batch.
 */
import { ClassDef } from '../../core/classes';
import { deflateSync } from 'node:zlib';
import { encodeMaskPng } from '../../core/maskCodec';
import { instanceMap } from '../../core/embeddingClustering';
import { encodeLabelPng } from '../../core/labelPng';

export type ScoresKind = 'logits' | 'probabilities' | 'labels';
type Numbers = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | BigInt64Array;

/** One model window's output for the image: scores [C, h, w] / [h, w, C], or labels [h, w]. */
export interface ScoresPart {
  data: Numbers;
  height: number;
  width: number;
  /** Where the window's top-left corner sits in the image (tile mode; 0, 0 when resized). */
  x: number;
  y: number;
}

/** An output sampled over the image like the scores: resized from one window or blended from tiles. */
interface Field {
  width: number;
  height: number;
  layout: 'NCHW' | 'NHWC';
  /** Values per pixel. */
  channels: number;
  overlap: number;
  parts: ScoresPart[];
}

/** The embedding output of an instance-capable model, for one image. */
export interface EmbeddingJob {
  layout: 'NCHW' | 'NHWC';
  dims: number;
  parts: ScoresPart[];
  bandwidth: number;
  /** Classes whose pixels are clustered into objects. */
  thingIds: number[];
}

export interface FinishJob {
  width: number;
  height: number;
  mode: 'resize' | 'tile';
  kind: ScoresKind;
  layout: 'NCHW' | 'NHWC';
  /** Output channels (classes) of a scores output. */
  channels: number;
  /** Tile overlap in pixels (tile mode): windows are blended with weights ramping over it. */
  overlap: number;
  parts: ScoresPart[];
  /** Class id of output channel k (scores), or the class ids a labels output may hold. */
  classIds: number[];
  ignoreIndex: number;
  /** The classes whose colours the PNG's palette carries (the dataset's). */
  palette: ClassDef[];
  embedding?: EmbeddingJob;
}

export interface FinishResult {
  width: number;
  height: number;
  png: Uint8Array;
  /** Pixels of each class, in `classIds` order. */
  pixels: number[];
  meanConfidence: number | null;
  meanEntropy: number | null;
  /** The instance map (16-bit grey PNG), with its number of objects and objects per thing class id. */
  instances?: { png: Uint8Array; count: number; perClass: [number, number][] };
}

export function finishPrediction(job: FinishJob): FinishResult {
  const { width: W, height: H } = job;
  const ids = new Uint8Array(W * H);
  let stats: { confidence: number; entropy: number } | undefined;
  if (job.kind === 'labels') {
    labelsToIds(job, ids);
  } else {
    const scores = new RowStats(job, ids);
    sample(job, job.mode, scores);
    stats = scores.means();
  }
  let instances: FinishResult['instances'];
  if (job.embedding) {
    const e = job.embedding;
    const rows = new PixelRows(e.dims, W * H);
    sample({ ...job, layout: e.layout, channels: e.dims, parts: e.parts }, job.mode, rows);
    const map = instanceMap(ids, W, rows.values, e.dims, e.thingIds, { bandwidth: e.bandwidth });
    instances = { png: encodeLabelPng({ width: W, height: H, samples: map.ids }), count: map.count, perClass: [...map.perClass] };
  }
  const hist = new Float64Array(256);
  for (let i = 0; i < ids.length; i++) hist[ids[i]]++;
  return {
    width: W,
    height: H,
    png: encodeMaskPng(ids, W, H, { classes: job.palette, ignoreIndex: job.ignoreIndex }, { deflate: (data, level) => deflateSync(data, { level }) }),
    pixels: job.classIds.map((id) => hist[id]),
    meanConfidence: stats ? stats.confidence : null,
    meanEntropy: stats ? stats.entropy : null,
    ...(instances ? { instances } : {}),
  };
}

/** Receives an output sampled over the image, row by row. */
interface RowSink {
  /** Row `Y` of the image: value c at column X is `src[start + c * plane + X]`. */
  row(src: Float32Array, start: number, plane: number, W: number, Y: number): void;
}

/** The field over the image: bilinear from one window, or blended from overlapping tiles. */
function sample(field: Field, mode: 'resize' | 'tile', sink: RowSink): void {
  if (mode === 'resize') resizeRows(planar(field, field.parts[0]), field.parts[0], field.width, field.height, field.channels, sink);
  else blendTiles(field, sink);
}

/** Keeps the rows, pixel by pixel (`channels` values each): what clustering reads. */
class PixelRows implements RowSink {
  readonly values: Float32Array;

  constructor(private readonly channels: number, pixels: number) {
    this.values = new Float32Array(channels * pixels);
  }

  row(src: Float32Array, start: number, plane: number, W: number, Y: number): void {
    const { channels: C, values } = this;
    for (let c = 0; c < C; c++) {
      const from = start + c * plane;
      for (let X = 0, o = Y * W * C + c; X < W; X++, o += C) values[o] = src[from + X];
    }
  }
}

/** Tile origins along one axis: evenly spread, first at 0, last flush with the end, overlapping by at least `overlap`. */
export function tileOrigins(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const n = Math.ceil((length - tile) / (tile - overlap)) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

/** Blending weight across a window: ramps up over `overlap` pixels from each edge, 1 inside. */
export function rampWeights(size: number, overlap: number): Float32Array {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = overlap > 0 ? Math.min(1, (Math.min(i, size - 1 - i) + 1) / (overlap + 1)) : 1;
  return w;
}

/** Table steps per unit of exp's and log's arguments. */
const TABLE_STEPS = 256;
/** exp(-u / TABLE_STEPS) for u in 0 .. 18 * TABLE_STEPS. */
const EXP_LIMIT = 18 * TABLE_STEPS;
const EXP_TABLE = Float64Array.from({ length: EXP_LIMIT + 2 }, (_, u) => Math.exp(-u / TABLE_STEPS));
const LOG_TABLES = new Map<number, Float64Array>();

/** log(1 + v / TABLE_STEPS) for the z of `classes` classes (1 <= z <= classes). */
function logTableFor(classes: number): Float64Array {
  let table = LOG_TABLES.get(classes);
  if (!table) LOG_TABLES.set(classes, (table = Float64Array.from({ length: classes * TABLE_STEPS + 2 }, (_, v) => Math.log(1 + v / TABLE_STEPS))));
  return table;
}

/** Accumulates, row by row, the class id of each pixel and the confidence and entropy sums. */
class RowStats implements RowSink {
  private confidence = 0;
  private entropy = 0;
  private readonly C: number;
  private readonly lut: Uint8Array;
  private readonly logits: boolean;

  constructor(job: FinishJob, private readonly ids: Uint8Array) {
    this.C = job.channels;
    this.lut = Uint8Array.from(job.classIds);
    this.logits = job.kind === 'logits';
  }

  row(src: Float32Array, start: number, plane: number, W: number, Y: number): void {
    if (this.logits) this.logitsRow(src, start, plane, W, Y * W);
    else this.probabilitiesRow(src, start, plane, W, Y * W);
  }

  /**
   * Softmax against the winning logit: p_c = e_c / z with e_c = exp(d_c), d_c = x_c - max, so the
   * winner's e is 1, confidence = 1 / z and entropy = log z - sum(e_c d_c) / z. exp and log come
   * from interpolated tables (relative error under 2e-6, far below what a mean over pixels shows):
   * Math.exp and Math.log would cost more than the rest of a pre-label together.
   */
  private logitsRow(src: Float32Array, start: number, plane: number, W: number, out: number): void {
    const { C, lut, ids } = this;
    const logTable = logTableFor(C);
    let confidence = 0;
    let entropy = 0;
    for (let X = 0; X < W; X++) {
      const at = start + X;
      let best = src[at];
      let k = 0;
      for (let c = 1; c < C; c++) {
        const v = src[at + c * plane];
        if (v > best) {
          best = v;
          k = c;
        }
      }
      ids[out + X] = lut[k];
      let z = 1;
      let t = 0;
      for (let c = 0; c < C; c++) {
        const u = (best - src[at + c * plane]) * TABLE_STEPS; // -d, in table steps
        if (c === k || !(u < EXP_LIMIT)) continue; // e^-d below e^-18 changes nothing (also NaN)
        const i = u | 0;
        const e = EXP_TABLE[i] + (EXP_TABLE[i + 1] - EXP_TABLE[i]) * (u - i);
        z += e;
        t -= e * (u / TABLE_STEPS);
      }
      confidence += 1 / z;
      if (z > 1) {
        const v = (z - 1) * TABLE_STEPS;
        const i = v | 0;
        entropy += logTable[i] + (logTable[i + 1] - logTable[i]) * (v - i) - t / z;
      }
    }
    this.confidence += confidence;
    this.entropy += entropy;
  }

  private probabilitiesRow(src: Float32Array, start: number, plane: number, W: number, out: number): void {
    const { C, lut, ids } = this;
    let confidence = 0;
    let entropy = 0;
    for (let X = 0; X < W; X++) {
      const at = start + X;
      let best = src[at];
      let k = 0;
      let sum = Math.max(0, best);
      for (let c = 1; c < C; c++) {
        const v = src[at + c * plane];
        sum += Math.max(0, v);
        if (v > best) {
          best = v;
          k = c;
        }
      }
      ids[out + X] = lut[k];
      if (sum <= 0) continue;
      confidence += best / sum;
      for (let c = 0; c < C; c++) {
        const q = src[at + c * plane] / sum;
        if (q > 0) entropy -= q * Math.log(q);
      }
    }
    this.confidence += confidence;
    this.entropy += entropy;
  }

  means(): { confidence: number; entropy: number } {
    const n = this.ids.length;
    return { confidence: this.confidence / n, entropy: this.C > 1 ? this.entropy / n / Math.log(this.C) : 0 };
  }
}

/** Values of a part as float32 [C, h, w]. */
function planar(job: Field, part: ScoresPart): Float32Array {
  const { data, height: h, width: w } = part;
  const C = job.channels;
  const src = data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
  if (job.layout === 'NCHW') return src;
  const out = new Float32Array(C * h * w);
  for (let p = 0; p < h * w; p++) for (let c = 0; c < C; c++) out[c * h * w + p] = src[p * C + c];
  return out;
}

/** Half-pixel bilinear resize of [C, h, w] values to W x H, one row at a time (same size: no copy). */
function resizeRows(src: Float32Array, part: ScoresPart, W: number, H: number, C: number, stats: RowSink): void {
  const { height: h, width: w } = part;
  if (h === H && w === W) {
    for (let Y = 0; Y < H; Y++) stats.row(src, Y * W, H * W, W, Y);
    return;
  }
  const x0 = new Int32Array(W);
  const x1 = new Int32Array(W);
  const fx = new Float32Array(W);
  for (let X = 0; X < W; X++) {
    const sx = Math.min(Math.max(((X + 0.5) * w) / W - 0.5, 0), w - 1);
    x0[X] = Math.floor(sx);
    x1[X] = Math.min(x0[X] + 1, w - 1);
    fx[X] = sx - x0[X];
  }
  const row = new Float32Array(C * W);
  for (let Y = 0; Y < H; Y++) {
    const sy = Math.min(Math.max(((Y + 0.5) * h) / H - 0.5, 0), h - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let c = 0; c < C; c++) {
      const r0 = c * h * w + y0 * w;
      const r1 = c * h * w + y1 * w;
      const o = c * W;
      for (let X = 0; X < W; X++) {
        const a = src[r0 + x0[X]] + (src[r0 + x1[X]] - src[r0 + x0[X]]) * fx[X];
        const b = src[r1 + x0[X]] + (src[r1 + x1[X]] - src[r1 + x0[X]]) * fx[X];
        row[o + X] = a + (b - a) * fy;
      }
    }
    stats.row(row, 0, W, W, Y);
  }
}

/** Weighted average of overlapping windows' values (weights ramp over the overlap), row by row. */
function blendTiles(job: Field, stats: RowSink): void {
  const { width: W, height: H, channels: C } = job;
  const plane = W * H;
  const sum = new Float32Array(C * plane);
  const weight = new Float32Array(plane);
  for (const part of job.parts) {
    const src = planar(job, part);
    const { height: th, width: tw } = part;
    const wy = rampWeights(th, job.overlap);
    const wx = rampWeights(tw, job.overlap);
    const rows = Math.min(th, H - part.y);
    const cols = Math.min(tw, W - part.x);
    for (let ty = 0; ty < rows; ty++) {
      const o = (part.y + ty) * W + part.x;
      for (let tx = 0; tx < cols; tx++) weight[o + tx] += wy[ty] * wx[tx];
    }
    for (let c = 0; c < C; c++) {
      for (let ty = 0; ty < rows; ty++) {
        const o = c * plane + (part.y + ty) * W + part.x;
        const s = c * th * tw + ty * tw;
        for (let tx = 0; tx < cols; tx++) sum[o + tx] += wy[ty] * wx[tx] * src[s + tx];
      }
    }
  }
  for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) sum[c * plane + p] /= weight[p];
  for (let Y = 0; Y < H; Y++) stats.row(sum, Y * W, plane, W, Y);
}

/**
 * A labels output: nearest-neighbour to the image size (resize), or each pixel from the window
 * whose weight is highest there (tiles). Values that are no class id become the ignore index.
 */
function labelsToIds(job: FinishJob, ids: Uint8Array): void {
  const { width: W, height: H, ignoreIndex } = job;
  const valid = new Uint8Array(256).fill(ignoreIndex);
  for (const id of job.classIds) valid[id] = id;
  const lookup = (v: number | bigint) => {
    const n = Number(v);
    return n >= 0 && n < 256 && Number.isInteger(n) ? valid[n] : ignoreIndex;
  };
  if (job.mode === 'resize') {
    const { data, height: h, width: w } = job.parts[0];
    const xs = Int32Array.from({ length: W }, (_, X) => Math.min(w - 1, Math.floor(((X + 0.5) * w) / W)));
    for (let Y = 0; Y < H; Y++) {
      const r = Math.min(h - 1, Math.floor(((Y + 0.5) * h) / H)) * w;
      for (let X = 0; X < W; X++) ids[Y * W + X] = lookup(data[r + xs[X]]);
    }
    return;
  }
  const best = new Float32Array(W * H);
  for (const part of job.parts) {
    const { data, height: th, width: tw } = part;
    const wy = rampWeights(th, job.overlap);
    const wx = rampWeights(tw, job.overlap);
    for (let ty = 0; ty < Math.min(th, H - part.y); ty++) {
      for (let tx = 0; tx < Math.min(tw, W - part.x); tx++) {
        const p = (part.y + ty) * W + part.x + tx;
        const weight = wy[ty] * wx[tx];
        if (weight > best[p]) {
          best[p] = weight;
          ids[p] = lookup(data[ty * tw + tx]);
        }
      }
    }
  }
}
