/**
 * Turns per-pixel instance embeddings into instance ids. The discriminative loss (De Brabandere et al.
 * 2017) pulls each pixel within delta_v of its instance's mean and pushes means 2 delta_d apart, so a
 * seeded mean-shift with bandwidth delta_v finds one mode per object: take the first unassigned pixel,
 * shift its window to the local mean until it settles, give every unassigned pixel within the
 * bandwidth that id, repeat. O(pixels x objects), with no random choices (same input, same ids).
 */

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
  const r2 = bandwidth * bandwidth;
  const labels = new Int32Array(count);
  const unassigned = new Int32Array(count);
  for (let i = 0; i < count; i++) unassigned[i] = i;
  let remaining = count;
  let next = 1;
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
    const label = members.length >= minSize ? next++ : 0;
    for (const i of members) labels[i] = label;
  }
  return labels;
}

function dist2(data: Float32Array, base: number, center: Float64Array, dims: number): number {
  let s = 0;
  for (let d = 0; d < dims; d++) {
    const v = data[base + d] - center[d];
    s += v * v;
  }
  return s;
}
