/**
 * Connected components, for instance maps: split an instance whose pixels fell apart into one
 * instance per piece, or make instances from the class mask's blobs.
 */

export type Connectivity = 4 | 8;

/**
 * Labels the connected components of pixels with equal, non-zero `keyOf(i)` (two passes with
 * union-find). Returns 1-based labels (0 where the key is 0) in row-major order of first pixel.
 */
export function labelComponents(width: number, height: number, keyOf: (i: number) => number, connectivity: Connectivity = 4): { labels: Int32Array; count: number } {
  const n = width * height;
  const labels = new Int32Array(n);
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const lo = Math.min(ra, rb);
    parent[Math.max(ra, rb)] = lo;
    return lo;
  };
  // Joins pixel j's component to `label` when it has the same key; returns the label to use.
  const join = (label: number, j: number, k: number): number => {
    if (labels[j] === 0 || keyOf(j) !== k) return label;
    return label === 0 ? find(labels[j]) : union(label, labels[j]);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const k = keyOf(i);
      if (k === 0) continue;
      let label = 0;
      if (x > 0) label = join(label, i - 1, k);
      if (y > 0) {
        label = join(label, i - width, k);
        if (connectivity === 8) {
          if (x > 0) label = join(label, i - width - 1, k);
          if (x < width - 1) label = join(label, i - width + 1, k);
        }
      }
      if (label === 0) {
        label = parent.length;
        parent.push(label);
      }
      labels[i] = label;
    }
  }
  // Second pass: roots to consecutive labels in order of first appearance.
  const final = new Int32Array(parent.length);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 0) continue;
    const root = find(labels[i]);
    if (final[root] === 0) final[root] = ++count;
    labels[i] = final[root];
  }
  return { labels, count };
}

export class TooManyInstancesError extends Error {
  override name = 'TooManyInstancesError';
}

/**
 * One instance per connected piece. Every instance id whose pixels form several pieces keeps its
 * id on the largest piece; the other pieces get new ids after the largest id in use. When the
 * map holds no instance at all, instances are made from the class mask instead: each connected
 * blob of one class (not `background`, not `ignore`) becomes an instance.
 */
export function splitInstances(
  instances: Uint16Array,
  mask: Uint8Array,
  width: number,
  height: number,
  options: { background: number; ignore: number; connectivity?: Connectivity },
): Uint16Array {
  const connectivity = options.connectivity ?? 4;
  let maxId = 0;
  for (let i = 0; i < instances.length; i++) if (instances[i] > maxId) maxId = instances[i];
  const out = new Uint16Array(instances.length);
  if (maxId === 0) {
    const { labels, count } = labelComponents(width, height, (i) => (mask[i] === options.background || mask[i] === options.ignore ? 0 : mask[i] + 1), connectivity);
    if (count > 65535) throw new TooManyInstancesError(`the mask has ${count} blobs; an instance map holds at most 65535`);
    for (let i = 0; i < out.length; i++) out[i] = labels[i];
    return out;
  }
  const { labels, count } = labelComponents(width, height, (i) => instances[i], connectivity);
  const size = new Float64Array(count + 1);
  const idOf = new Uint16Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    size[labels[i]]++;
    idOf[labels[i]] = instances[i];
  }
  // The largest piece of each id keeps it.
  const keeper = new Int32Array(maxId + 1);
  for (let c = 1; c <= count; c++) {
    const id = idOf[c];
    if (keeper[id] === 0 || size[c] > size[keeper[id]]) keeper[id] = c;
  }
  const newId = new Uint32Array(count + 1);
  let next = maxId;
  for (let c = 1; c <= count; c++) newId[c] = keeper[idOf[c]] === c ? idOf[c] : ++next;
  if (next > 65535) throw new TooManyInstancesError(`splitting needs ${next} instance ids; an instance map holds at most 65535`);
  for (let i = 0; i < out.length; i++) out[i] = newId[labels[i]];
  return out;
}

/** One more than the largest instance id in use (1 for an empty map): a fresh instance. */
export function nextInstanceId(instances: Uint16Array | undefined): number {
  if (!instances) return 1;
  let max = 0;
  for (let i = 0; i < instances.length; i++) if (instances[i] > max) max = instances[i];
  return Math.min(65535, max + 1);
}
