/**
 * Polygons from masks and masks from polygons, in the coordinate convention of COCO and
 * pycocotools: pixel (x, y) is the unit square [x, x+1] x [y, y+1], and a pixel is inside a
 * polygon when its centre (x + 0.5, y + 0.5) is (even-odd rule).
 *
 * Tracing follows the cracks between pixels, so an unsimplified outline has integer vertices and
 * rasterizes back to exactly the same pixels. Simplification (Douglas-Peucker) keeps every dropped
 * vertex within `tolerance` pixels of the simplified outline; a pixel can only change where its
 * centre lies that close to the boundary.
 *
 * A flat polygon is [x1, y1, x2, y2, ...], as COCO and YOLO write them.
 */

export type Ring = number[];

/** Directions: 0 east (+x), 1 south (+y), 2 west, 3 north. */
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

export interface TracedRing {
  points: Ring;
  /** True for an outer boundary, false for the boundary of a hole. */
  outer: boolean;
  /** A foreground pixel (row-major index) that this ring bounds: tells which component it belongs to. */
  pixel: number;
}

/**
 * The boundary rings of the nonzero pixels of `mask`, 8-connected (diagonal neighbours belong to
 * one outline; holes are 4-connected). Outer rings run counter-clockwise on screen, holes clockwise.
 */
export function traceRings(mask: ArrayLike<number>, width: number, height: number): TracedRing[] {
  const W = width + 1;
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] !== 0;
  // Up to two outgoing crack edges per vertex (two only at a saddle), as direction + 1 (0 = none).
  const outA = new Uint8Array(W * (height + 1));
  const outB = new Uint8Array(W * (height + 1));
  const saddle = new Uint8Array(W * (height + 1));
  const add = (x: number, y: number, dir: number) => {
    const v = y * W + x;
    if (!outA[v]) outA[v] = dir + 1;
    else (outB[v] = dir + 1), (saddle[v] = 1);
  };
  // Every side between a foreground pixel and the background, directed with the foreground on its left.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      if (!fg(x, y - 1)) add(x + 1, y, 2); // top side, westward
      if (!fg(x - 1, y)) add(x, y, 1); // left side, southward
      if (!fg(x, y + 1)) add(x, y + 1, 0); // bottom side, eastward
      if (!fg(x + 1, y)) add(x + 1, y + 1, 3); // right side, northward
    }
  }
  const take = (v: number, dir: number): boolean => {
    if (outA[v] === dir + 1) outA[v] = outB[v], outB[v] = 0;
    else if (outB[v] === dir + 1) outB[v] = 0;
    else return false;
    return true;
  };
  const rings: TracedRing[] = [];
  for (let start = 0; start < outA.length; start++) {
    while (outA[start]) {
      const sx = start % W;
      const sy = (start - sx) / W;
      let dir = outA[start] - 1;
      take(start, dir);
      const pixel = leftPixel(sx, sy, dir, width);
      const points: Ring = [];
      let x = sx;
      let y = sy;
      let prevDir = -1;
      for (;;) {
        if (dir !== prevDir) points.push(x, y);
        prevDir = dir;
        x += DX[dir];
        y += DY[dir];
        const v = y * W + x;
        // At a saddle both ways are open: turning right keeps diagonal pixels in one outline.
        const next = saddle[v] ? (dir + 1) % 4 : outA[v] - 1;
        if (next < 0 || !take(v, next)) break;
        dir = next;
      }
      // The ring closes where it started; drop the start vertex when it lies on a straight run.
      if (prevDir === (outFirst(points, sx, sy))) points.splice(0, 2);
      rings.push({ points, outer: signedArea(points) < 0, pixel });
    }
  }
  return rings;
}

/** Direction of the first edge, recovered from the first two points. */
function outFirst(points: Ring, sx: number, sy: number): number {
  const dx = Math.sign(points[2] - sx);
  const dy = Math.sign(points[3] - sy);
  return dx === 1 ? 0 : dy === 1 ? 1 : dx === -1 ? 2 : 3;
}

/** The foreground pixel on the left of the crack edge leaving (x, y) in `dir`. */
function leftPixel(x: number, y: number, dir: number, width: number): number {
  switch (dir) {
    case 0: return (y - 1) * width + x; // bottom side of the pixel above
    case 1: return y * width + x; // left side of this pixel
    case 2: return y * width + (x - 1); // top side of the pixel to the left
    default: return (y - 1) * width + (x - 1); // right side of the pixel up-left
  }
}

/** Shoelace area on screen coordinates (y down): negative for counter-clockwise on screen. */
export function signedArea(ring: Ring): number {
  let a = 0;
  const n = ring.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    a += ring[i] * ring[j + 1] - ring[j] * ring[i + 1];
  }
  return a / 2;
}

/**
 * Douglas-Peucker on a closed ring: every dropped vertex is within `tolerance` of the kept outline.
 * A ring that would collapse below three vertices is returned unchanged (a tiny object stays).
 */
export function simplifyRing(ring: Ring, tolerance: number): Ring {
  const n = ring.length / 2;
  if (tolerance <= 0 || n <= 4) return ring;
  // Split the closed ring at vertex 0 and the vertex farthest from it.
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = (ring[2 * i] - ring[0]) ** 2 + (ring[2 * i + 1] - ring[1]) ** 2;
    if (d > best) best = d, far = i;
  }
  const keep = new Uint8Array(n);
  keep[0] = keep[far] = 1;
  const stack: [number, number][] = [[0, far], [far, n]];
  const t2 = tolerance * tolerance;
  while (stack.length) {
    const [a, b] = stack.pop()!;
    const ax = ring[2 * a], ay = ring[2 * a + 1];
    const bx = ring[2 * (b % n)], by = ring[2 * (b % n) + 1];
    let worst = -1;
    let worstD = t2;
    for (let i = a + 1; i < b; i++) {
      const d = segmentDistance2(ring[2 * i], ring[2 * i + 1], ax, ay, bx, by);
      if (d > worstD) worstD = d, worst = i;
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  const out: Ring = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[2 * i], ring[2 * i + 1]);
  return out.length >= 6 && signedArea(out) !== 0 ? out : ring;
}

function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  return (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2;
}

/**
 * Joins rings into one polygon by zero-width bridges (out along a segment and back along the same
 * one), the way Ultralytics merges multi-part YOLO segments: under the even-odd rule a bridge
 * cancels itself, so holes stay holes even for tools that fill each polygon separately.
 */
export function joinRings(rings: readonly Ring[]): Ring {
  if (rings.length === 0) return [];
  let merged = rings[0].slice();
  for (let r = 1; r < rings.length; r++) {
    const ring = rings[r];
    let bi = 0;
    let bj = 0;
    let best = Infinity;
    for (let i = 0; i < merged.length; i += 2) {
      for (let j = 0; j < ring.length; j += 2) {
        const d = (merged[i] - ring[j]) ** 2 + (merged[i + 1] - ring[j + 1]) ** 2;
        if (d < best) best = d, bi = i, bj = j;
      }
    }
    const loop = [...ring.slice(bj), ...ring.slice(0, bj), ring[bj], ring[bj + 1]];
    merged = [...merged.slice(0, bi + 2), ...loop, merged[bi], merged[bi + 1], ...merged.slice(bi + 2)];
  }
  return merged;
}

/**
 * Sets `value` in `out` (row-major, width x height) at every pixel whose centre is inside the
 * polygons under the even-odd rule, all rings taken together. Coordinates outside the image clip.
 */
export function fillPolygons(rings: readonly Ring[], width: number, height: number, out: { [k: number]: number; length: number }, value = 1): void {
  // Edges bucketed by their first pixel row, then an active list per row.
  const buckets: number[][] = Array.from({ length: height }, () => []);
  const edges: number[] = []; // x0, y0, x1, y1 with y0 < y1
  for (const ring of rings) {
    const n = ring.length;
    for (let i = 0; i < n; i += 2) {
      const j = (i + 2) % n;
      let x0 = ring[i], y0 = ring[i + 1], x1 = ring[j], y1 = ring[j + 1];
      if (y0 === y1) continue;
      if (y0 > y1) [x0, y0, x1, y1] = [x1, y1, x0, y0];
      // Rows whose centre y + 0.5 lies in [y0, y1).
      const first = Math.max(0, Math.ceil(y0 - 0.5));
      if (first >= height || first + 0.5 >= y1) continue;
      const e = edges.length;
      edges.push(x0, y0, x1, y1);
      buckets[first].push(e);
    }
  }
  let active: number[] = [];
  const xs: number[] = [];
  for (let row = 0; row < height; row++) {
    const yc = row + 0.5;
    for (const e of buckets[row]) active.push(e);
    active = active.filter((e) => edges[e + 3] > yc);
    xs.length = 0;
    for (const e of active) {
      const x0 = edges[e], y0 = edges[e + 1], x1 = edges[e + 2], y1 = edges[e + 3];
      if (y0 > yc) continue;
      xs.push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
    }
    xs.sort((a, b) => a - b);
    const base = row * width;
    for (let i = 0; i + 1 < xs.length; i += 2) {
      // Pixels whose centre x + 0.5 lies in [xs[i], xs[i+1]).
      const from = Math.max(0, Math.ceil(xs[i] - 0.5));
      const to = Math.min(width, Math.ceil(xs[i + 1] - 0.5));
      for (let x = from; x < to; x++) out[base + x] = value;
    }
  }
}

/** Rings of a binary mask grouped per 8-connected part: each outer ring followed by its holes. */
export function maskToPolygons(mask: ArrayLike<number>, width: number, height: number, tolerance: number): Ring[][] {
  const rings = traceRings(mask, width, height);
  const part = partOfPixels(mask, width, height);
  const groups = new Map<number, Ring[]>();
  // Outer rings first so each group starts with its outline.
  for (const ring of [...rings.filter((r) => r.outer), ...rings.filter((r) => !r.outer)]) {
    const key = part[ring.pixel];
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(simplifyRing(ring.points, tolerance));
  }
  return [...groups.values()];
}

/** 8-connected part number per nonzero pixel (union-find), for grouping holes with their outline. */
function partOfPixels(mask: ArrayLike<number>, width: number, height: number): Int32Array {
  const parent: number[] = [0];
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const label = new Int32Array(width * height);
  for (let y = 0, k = 0; y < height; y++) {
    for (let x = 0; x < width; x++, k++) {
      if (!mask[k]) continue;
      let l = 0;
      for (const q of [x > 0 ? k - 1 : -1, x > 0 && y > 0 ? k - width - 1 : -1, y > 0 ? k - width : -1, y > 0 && x < width - 1 ? k - width + 1 : -1]) {
        if (q < 0 || !label[q]) continue;
        const r = find(label[q]);
        if (!l) l = r;
        else if (r !== l) parent[Math.max(r, l)] = Math.min(r, l), l = Math.min(r, l);
      }
      if (!l) parent.push((l = parent.length));
      label[k] = l;
    }
  }
  for (let k = 0; k < label.length; k++) if (label[k]) label[k] = find(label[k]);
  return label;
}
