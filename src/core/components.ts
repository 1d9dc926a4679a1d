/**
 * Objects of a class mask: connected components (8-connectivity, as OpenCV and scikit-image
 * default to) or the instances of an instance map, each with its class and bounding box.
 */

export interface MaskObject {
  classId: number;
  /** The instance id it came from, when an instance map was given. */
  instanceId?: number;
  /** Inclusive pixel bounds. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
}

export interface ObjectMap {
  /** Object number + 1 per pixel (0 = no object), row-major. */
  labels: Int32Array;
  objects: MaskObject[];
}

/**
 * Splits a class-id mask into objects. Pixels of `background` and `ignoreIndex` belong to none.
 * With `instances`, pixels sharing an instance id and a class form one object (an instance that
 * spans two classes becomes two objects, so the class mask survives exactly); labelled pixels
 * outside every instance, and all of them without an instance map, form connected components of
 * equal class. Objects from instances come first in instance-id order, then components in the
 * order of their first pixel.
 */
export function maskObjects(
  ids: Uint8Array,
  width: number,
  height: number,
  options: { ignoreIndex: number; background?: number; instances?: ArrayLike<number> },
): ObjectMap {
  const { ignoreIndex, instances } = options;
  const background = options.background ?? 0;
  const n = width * height;
  if (ids.length !== n) throw new Error(`mask has ${ids.length} pixels, expected ${width}x${height}`);
  if (instances && instances.length !== n) throw new Error(`instance map has ${instances.length} pixels, expected ${width}x${height}`);
  const labels = new Int32Array(n);
  const objects: MaskObject[] = [];
  const isObjectPixel = (k: number) => ids[k] !== background && ids[k] !== ignoreIndex;

  if (instances) {
    const byKey = new Map<number, number>(); // instance * 256 + class -> object index
    const order: { key: number; index: number }[] = [];
    for (let k = 0; k < n; k++) {
      const inst = instances[k];
      if (inst === 0 || !isObjectPixel(k)) continue;
      const key = inst * 256 + ids[k];
      let index = byKey.get(key);
      if (index === undefined) {
        index = objects.length;
        byKey.set(key, index);
        order.push({ key, index });
        objects.push({ classId: ids[k], instanceId: inst, x0: width, y0: height, x1: -1, y1: -1, area: 0 });
      }
      labels[k] = index + 1;
    }
    // Instance-id order (then class), independent of where each instance happens to start.
    order.sort((a, b) => a.key - b.key);
    const renumber = new Int32Array(objects.length + 1);
    const sorted = order.map(({ index }, rank) => ((renumber[index + 1] = rank + 1), objects[index]));
    objects.splice(0, objects.length, ...sorted);
    for (let k = 0; k < n; k++) if (labels[k]) labels[k] = renumber[labels[k]];
  }

  // Connected components of equal class among the labelled pixels that no instance claimed.
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const provisional = new Int32Array(n);
  for (let y = 0, k = 0; y < height; y++) {
    for (let x = 0; x < width; x++, k++) {
      if (labels[k] || !isObjectPixel(k)) continue;
      const v = ids[k];
      let label = 0;
      // Already visited 8-neighbours: W, NW, N, NE.
      const neighbours = [x > 0 ? k - 1 : -1, x > 0 && y > 0 ? k - width - 1 : -1, y > 0 ? k - width : -1, x < width - 1 && y > 0 ? k - width + 1 : -1];
      for (const q of neighbours) {
        if (q < 0 || !provisional[q] || ids[q] !== v) continue;
        const r = find(provisional[q]);
        if (!label) label = r;
        else if (r !== label) {
          const lo = Math.min(r, label);
          parent[Math.max(r, label)] = lo;
          label = lo;
        }
      }
      if (!label) {
        label = parent.length;
        parent.push(label);
      }
      provisional[k] = label;
    }
  }
  const objectOf = new Int32Array(parent.length).fill(-1);
  for (let k = 0; k < n; k++) {
    if (!provisional[k]) continue;
    const root = find(provisional[k]);
    if (objectOf[root] < 0) {
      objectOf[root] = objects.length;
      objects.push({ classId: ids[k], x0: width, y0: height, x1: -1, y1: -1, area: 0 });
    }
    labels[k] = objectOf[root] + 1;
  }

  for (let y = 0, k = 0; y < height; y++) {
    for (let x = 0; x < width; x++, k++) {
      const l = labels[k];
      if (!l) continue;
      const o = objects[l - 1];
      if (x < o.x0) o.x0 = x;
      if (x > o.x1) o.x1 = x;
      if (y < o.y0) o.y0 = y;
      if (y > o.y1) o.y1 = y;
      o.area++;
    }
  }
  return { labels, objects };
}

/** The binary mask of object `index` (0-based) cropped to its bounding box. */
export function cropObject(map: ObjectMap, width: number, index: number): { mask: Uint8Array; width: number; height: number } {
  const o = map.objects[index];
  const w = o.x1 - o.x0 + 1;
  const h = o.y1 - o.y0 + 1;
  const mask = new Uint8Array(w * h);
  const label = index + 1;
  for (let y = 0; y < h; y++) {
    const row = (o.y0 + y) * width + o.x0;
    for (let x = 0; x < w; x++) if (map.labels[row + x] === label) mask[y * w + x] = 1;
  }
  return { mask, width: w, height: h };
}

/**
 * The instance map a semantic-only prediction implies: each 8-connected component of a thing class
 * is one instance, numbered 1.. in the order of its first pixel (row-major); every other pixel is 0.
 * Two touching objects of one class become one instance, which is what instance heads are for.
 */
export function thingComponents(
  ids: Uint8Array,
  width: number,
  height: number,
  things: ReadonlySet<number>,
  ignoreIndex: number,
): Int32Array {
  // Stuff pixels all take one value that is neither a thing nor the ignore index: maskObjects' background.
  let background = 0;
  while (background < 256 && (things.has(background) || background === ignoreIndex)) background++;
  const thingsOnly = ids.map((v) => (things.has(v) ? v : background));
  return maskObjects(thingsOnly, width, height, { ignoreIndex, background }).labels;
}
