/**
 * Rasterisation of the editor's shapes into horizontal spans of pixels. Coordinates are image
 * coordinates: pixel (i, j) covers [i, i+1) x [j, j+1) and its centre is (i + 0.5, j + 0.5).
 * A pixel belongs to a shape when its centre does, so the rules are exact and testable.
 */

/** Receives pixels [x0, x1) of row y. Spans may reach outside the image: sinks clip. */
export type SpanSink = (y: number, x0: number, x1: number) => void;

export interface Point {
  x: number;
  y: number;
}

/**
 * Where a round brush of `size` pixels (diameter) centres when the pointer is at `p`: pixel
 * centres for odd sizes, pixel corners for even ones, so a brush always stamps the same
 * symmetric disc (size 1 is exactly the pixel under the pointer).
 */
export function brushCentre(p: Point, size: number): Point {
  if (Math.round(size) % 2 === 1) return { x: Math.floor(p.x) + 0.5, y: Math.floor(p.y) + 0.5 };
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

/** Squared distance from (px, py) to the segment a-b. */
export function distanceToSegmentSq(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  if (t < 0) t = 0;
  else if (t > 1) t = 1;
  const qx = ax + t * dx - px;
  const qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

/**
 * A brush stroke segment: the pixels whose centre lies within `radius` of the segment a-b
 * (a capsule; a disc when a = b). Rows are clipped to [0, height) and columns to [0, width).
 */
export function capsuleSpans(a: Point, b: Point, radius: number, width: number, height: number, emit: SpanSink): void {
  const r2 = radius * radius;
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - radius - 0.5));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(a.y, b.y) + radius));
  const left = Math.max(0, Math.floor(Math.min(a.x, b.x) - radius - 0.5));
  const right = Math.min(width - 1, Math.ceil(Math.max(a.x, b.x) + radius));
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    // The capsule is convex, so its pixels on a row are one run: find both ends.
    let x0 = left;
    while (x0 <= right && distanceToSegmentSq(x0 + 0.5, cy, a.x, a.y, b.x, b.y) > r2) x0++;
    if (x0 > right) continue;
    let x1 = right;
    while (x1 > x0 && distanceToSegmentSq(x1 + 0.5, cy, a.x, a.y, b.x, b.y) > r2) x1--;
    emit(y, x0, x1 + 1);
  }
}

/**
 * A filled polygon by the even-odd rule: the pixels whose centre is inside. Vertices in image
 * coordinates; the polygon closes itself.
 */
export function polygonSpans(points: readonly Point[], width: number, height: number, emit: SpanSink): void {
  if (points.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (p.y < minY) minY = p.y;
    if (p.y > maxY) maxY = p.y;
  }
  const y0 = Math.max(0, Math.floor(minY - 0.5));
  const y1 = Math.min(height - 1, Math.ceil(maxY));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const p = points[i];
      const q = points[j];
      // Half-open in y, so a vertex on the scanline counts once.
      if (p.y > cy !== q.y > cy) xs.push(p.x + ((cy - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
    xs.sort((u, v) => u - v);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Centres x + 0.5 in [xs[k], xs[k+1]).
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width, Math.ceil(xs[k + 1] - 0.5));
      if (to > from) emit(y, from, to);
    }
  }
}

/** The pixels under and between two corner points (both corner pixels included). */
export function rectSpans(a: Point, b: Point, width: number, height: number, emit: SpanSink): void {
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
  const x1 = Math.min(width, Math.floor(Math.max(a.x, b.x)) + 1);
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
  const y1 = Math.min(height, Math.floor(Math.max(a.y, b.y)) + 1);
  if (x1 <= x0) return;
  for (let y = y0; y < y1; y++) emit(y, x0, x1);
}
