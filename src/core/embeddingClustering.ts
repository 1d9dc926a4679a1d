/**
 * Turns per-pixel instance embeddings into instance ids. The discriminative loss (De Brabandere et al.
 * 2017) pulls each pixel within delta_v of its instance's mean and pushes means 2 delta_d apart, so a
 * seeded mean-shift with bandwidth delta_v finds one mode per object: take the first unassigned pixel,
 * shift its window to the local mean until it settles, give every unassigned pixel within the
 * bandwidth that id, repeat. O(pixels x objects), with no random choices (same input, same ids).
 */

import { thingComponents } from './components';

export interface ClusterOptions {
  /** Window radius in embedding space: between delta_v and 2 delta_v of the loss (points of one object lie within delta_v of its mean). */
  bandwidth: number;
  /** Clusters smaller than this become 0 (noise), in pixels. */
  minSize?: number;
  maxIterations?: number;
}

/**
 * `embeddings` holds `count` points of `dims` values each. Returns a label per point: 1..K, or 0 for
 * points in clusters below `minSize`.
 */
export function clusterEmbeddings(embeddings: Float32Array, count: number, dims: number, options: ClusterOptions): Int32Array {
  const { bandwidth, minSize = 1, maxIterations = 20 } = options;
  if (embeddings.length !== count * dims) throw new Error(`expected ${count} x ${dims} values, got ${embeddings.length}`);
  const { labels, sizes } = meanShift(embeddings, count, dims, bandwidth, maxIterations);
  return dropSmall(labels, sizes, minSize);
}

/** Options of `clusterManyEmbeddings`. */
export interface ManyClusterOptions extends ClusterOptions {
  /** Points mean-shift runs on per round (default 4096); smaller inputs get `clusterEmbeddings` exactly. */
  sample?: number;
}

/**
 * The same clustering for the pixels of a whole image (10^5..10^6 points), in O(points x objects)
 * once instead of per mean-shift step: mean-shift runs on an evenly strided sample to find the
 * centres, every point joins the nearest centre within the bandwidth, and the points no centre
 * reaches (objects too small for the sample to see, stragglers) are clustered the same way in
 * another round. Centres the sample saw only once are not trusted (their points go to the next
 * round, sampled more densely). `minSize` counts all points. Deterministic.
 */
export function clusterManyEmbeddings(embeddings: Float32Array, count: number, dims: number, options: ManyClusterOptions): Int32Array {
  const { bandwidth, minSize = 1, maxIterations = 20, sample = 4096 } = options;
  if (embeddings.length !== count * dims) throw new Error(`expected ${count} x ${dims} values, got ${embeddings.length}`);
  if (count <= sample) return clusterEmbeddings(embeddings, count, dims, options);
  const r2 = bandwidth * bandwidth;
  const labels = new Int32Array(count);
  const sizes: number[] = [0];
  let pending = Int32Array.from({ length: count }, (_, i) => i);
  while (pending.length > 0) {
    const last = pending.length <= sample;
    const picked = last ? pending : Int32Array.from({ length: sample }, (_, j) => pending[Math.floor((j * pending.length) / sample)]);
    const found = meanShift(gather(embeddings, picked, dims), picked.length, dims, bandwidth, maxIterations);
    const base = sizes.length - 1;
    if (last) {
      for (let j = 0; j < picked.length; j++) labels[picked[j]] = base + found.labels[j];
      sizes.push(...found.sizes.slice(1));
      break;
    }
    // Centres seen by at least two sample points (all of them when none is).
    const trusted = found.sizes.map((n, k) => k > 0 && n >= 2);
    if (!trusted.some(Boolean)) trusted.fill(true, 1);
    const centres: number[] = []; // round cluster -> global label
    const kept: number[] = [];
    for (let k = 1; k < found.sizes.length; k++) if (trusted[k]) kept.push(k);
    kept.forEach((k, i) => (centres[k] = base + 1 + i));
    const rest: number[] = [];
    for (let u = 0; u < pending.length; u++) {
      const p = pending[u];
      let best = -1;
      let bestD = r2;
      for (const k of kept) {
        const d = dist2(embeddings, p * dims, found.centres, dims, k * dims);
        if (d <= bestD) {
          bestD = d;
          best = k;
        }
      }
      if (best < 0) rest.push(p);
      else labels[p] = centres[best];
    }
    if (rest.length === pending.length) {
      // No point in a trusted window (centres that drifted off their seeds): take the sample's own labels.
      for (let j = 0; j < picked.length; j++) if (trusted[found.labels[j]]) labels[picked[j]] = centres[found.labels[j]];
      rest.length = 0;
      for (const p of pending) if (labels[p] === 0) rest.push(p);
    }
    for (let i = 0; i < kept.length; i++) sizes.push(0);
    pending = Int32Array.from(rest);
  }
  sizes.fill(0);
  for (let i = 0; i < count; i++) sizes[labels[i]]++;
  return dropSmall(labels, sizes, minSize);
}

/**
 * Seeded mean-shift: labels 1..K (no minimum size), each cluster's centre (row k of `centres`,
 * row 0 unused) and size (`sizes[k]`).
 */
function meanShift(embeddings: Float32Array, count: number, dims: number, bandwidth: number, maxIterations: number): { labels: Int32Array; centres: Float64Array; sizes: number[] } {
  const r2 = bandwidth * bandwidth;
  const labels = new Int32Array(count);
  const unassigned = new Int32Array(count);
  for (let i = 0; i < count; i++) unassigned[i] = i;
  let remaining = count;
  const centres: number[] = new Array(dims).fill(0);
  const sizes = [0];
  const center = new Float64Array(dims);
  const sum = new Float64Array(dims);
  const members: number[] = [];

  while (remaining > 0) {
    const seed = unassigned[0];
    for (let d = 0; d < dims; d++) center[d] = embeddings[seed * dims + d];
    for (let it = 0; it < maxIterations; it++) {
      sum.fill(0);
      let n = 0;
      for (let u = 0; u < remaining; u++) {
        const base = unassigned[u] * dims;
        if (dist2(embeddings, base, center, dims) <= r2) {
          for (let d = 0; d < dims; d++) sum[d] += embeddings[base + d];
          n++;
        }
      }
      if (n === 0) break;
      let shift = 0;
      for (let d = 0; d < dims; d++) {
        const m = sum[d] / n;
        shift += (m - center[d]) ** 2;
        center[d] = m;
      }
      if (shift < 1e-8) break;
    }
    members.length = 0;
    let keep = 0;
    for (let u = 0; u < remaining; u++) {
      const i = unassigned[u];
      if (i === seed || dist2(embeddings, i * dims, center, dims) <= r2) members.push(i);
      else unassigned[keep++] = i;
    }
    remaining = keep;
    const label = sizes.length;
    sizes.push(members.length);
    centres.push(...center);
    for (const i of members) labels[i] = label;
  }
  return { labels, centres: Float64Array.from(centres), sizes };
}

/** Labels of clusters below `minSize` become 0; the others are renumbered 1..K in order. */
function dropSmall(labels: Int32Array, sizes: number[], minSize: number): Int32Array {
  const map = new Int32Array(sizes.length);
  let next = 1;
  for (let k = 1; k < sizes.length; k++) map[k] = sizes[k] >= minSize ? next++ : 0;
  for (let i = 0; i < labels.length; i++) labels[i] = map[labels[i]];
  return labels;
}

function gather(embeddings: Float32Array, indices: Int32Array, dims: number): Float32Array {
  const out = new Float32Array(indices.length * dims);
  for (let j = 0; j < indices.length; j++) out.set(embeddings.subarray(indices[j] * dims, (indices[j] + 1) * dims), j * dims);
  return out;
}

function dist2(data: Float32Array, base: number, center: Float64Array, dims: number, at = 0): number {
  let s = 0;
  for (let d = 0; d < dims; d++) {
    const v = data[base + d] - center[at + d];
    s += v * v;
  }
  return s;
}

/** Smallest object a pre-label keeps, in pixels: smaller clusters are boundary stragglers or noise (0). */
export const MIN_INSTANCE_PIXELS = 16;
/** Instance maps are 16-bit. */
const MAX_INSTANCE_ID = 0xffff;

export interface InstanceMap {
  /** Instance id per pixel, 0 = none. */
  ids: Uint16Array;
  count: number;
  /** Objects per thing class id. */
  perClass: Map<number, number>;
}

/**
 * Objects of the thing classes: each 8-connected region of a thing class (in `classIds`, a class id
 * per pixel, `width` per row) is clustered in embedding space (`embeddings`: `dims` values per
 * pixel), so that touching objects of one class separate while apart objects never merge. A
 * region's pixels left out by the clustering (clusters under `minSize`, default
 * MIN_INSTANCE_PIXELS: boundary stragglers) join its largest cluster; regions under `minSize` are
 * noise (0). Ids run 1..N over the whole image in reading order of each object's first pixel;
 * other classes' pixels and objects beyond 65535 are 0.
 */
export function instanceMap(classIds: Uint8Array, width: number, embeddings: Float32Array, dims: number, thingIds: Iterable<number>, options: ManyClusterOptions): InstanceMap {
  const n = classIds.length;
  if (embeddings.length !== n * dims) throw new Error(`expected ${n} x ${dims} embedding values, got ${embeddings.length}`);
  const things = new Set(thingIds);
  const minSize = options.minSize ?? MIN_INSTANCE_PIXELS;
  const regions = thingComponents(classIds, width, n / width, things, 256);
  // Pixels grouped by region (counting sort), in reading order within each.
  let regionCount = 0;
  for (let i = 0; i < n; i++) if (regions[i] > regionCount) regionCount = regions[i];
  const start = new Int32Array(regionCount + 2);
  for (let i = 0; i < n; i++) start[regions[i] + 1]++;
  for (let r = 1; r <= regionCount + 1; r++) start[r] += start[r - 1];
  const order = new Int32Array(n);
  const fill = start.slice();
  for (let i = 0; i < n; i++) order[fill[regions[i]]++] = i;

  const provisional = new Int32Array(n);
  const classOf: number[] = [0];
  for (let r = 1; r <= regionCount; r++) {
    const indices = order.subarray(start[r], start[r + 1]);
    if (indices.length < minSize) continue;
    const labels = clusterManyEmbeddings(gather(embeddings, indices, dims), indices.length, dims, { ...options, minSize });
    const sizes = new Int32Array(indices.length + 1);
    for (const l of labels) sizes[l]++;
    let largest = 0;
    for (let l = 1; l < sizes.length; l++) if (sizes[l] > (largest ? sizes[largest] : 0)) largest = l;
    const base = classOf.length - 1;
    let most = 0;
    for (let j = 0; j < indices.length; j++) {
      const l = labels[j] || largest || 1;
      provisional[indices[j]] = base + l;
      if (l > most) most = l;
    }
    for (let k = 0; k < most; k++) classOf.push(classIds[indices[0]]);
  }
  const renumber = new Int32Array(classOf.length);
  const ids = new Uint16Array(n);
  const perClass = new Map<number, number>([...things].map((id) => [id, 0]));
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = provisional[i];
    if (p === 0) continue;
    if (renumber[p] === 0) {
      renumber[p] = count < MAX_INSTANCE_ID ? ++count : -1;
      if (renumber[p] > 0) perClass.set(classOf[p], perClass.get(classOf[p])! + 1);
    }
    if (renumber[p] > 0) ids[i] = renumber[p];
  }
  return { ids, count, perClass };
}
