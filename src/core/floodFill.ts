/**
 * Region growing for the fill and magic-wand tools: scanline flood fills that emit the region as
 * horizontal spans (4-connected, as paint programs do), so large regions cost a few thousand spans.
 */
import { SpanSink } from './raster';

/** Decides whether pixel index `i` belongs to the region. */
type Member = (i: number) => boolean;

/**
 * The 4-connected region of pixels for which `member` holds, grown from (x, y). Emits each row
 * run once; returns the number of pixels.
 */
export function floodSpans(width: number, height: number, x: number, y: number, member: Member, emit: SpanSink): number {
  x = Math.floor(x);
  y = Math.floor(y);
  if (x < 0 || y < 0 || x >= width || y >= height || !member(y * width + x)) return 0;
  const seen = new Uint8Array(width * height);
  const stack: number[] = [x, y];
  let pixels = 0;
  while (stack.length > 0) {
    const sy = stack.pop()!;
    const sx = stack.pop()!;
    const row = sy * width;
    if (seen[row + sx]) continue;
    let x0 = sx;
    while (x0 > 0 && !seen[row + x0 - 1] && member(row + x0 - 1)) x0--;
    let x1 = sx + 1;
    while (x1 < width && !seen[row + x1] && member(row + x1)) x1++;
    seen.fill(1, row + x0, row + x1);
    emit(sy, x0, x1);
    pixels += x1 - x0;
    // Seed one point per run of members in the rows above and below.
    for (const ny of [sy - 1, sy + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let inRun = false;
      for (let nx = x0; nx < x1; nx++) {
        const ok = !seen[nrow + nx] && member(nrow + nx);
        if (ok && !inRun) stack.push(nx, ny);
        inRun = ok;
      }
    }
  }
  return pixels;
}

/** The connected region of equal ids around (x, y): the fill tool. */
export function sameIdSpans(ids: Uint8Array | Uint16Array, width: number, height: number, x: number, y: number, emit: SpanSink): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= width || yi >= height) return 0;
  const seed = ids[yi * width + xi];
  return floodSpans(width, height, xi, yi, (i) => ids[i] === seed, emit);
}

/**
 * The magic wand: the connected region whose colour differs from the clicked pixel's by at most
 * `tolerance` (0..255) on every channel. Colours are means over (2 * smooth + 1)^2 pixels
 * (Photoshop's "sample size", 5x5 by default), so sensor noise does not stop the region at the
 * first pixel; they are computed only for the pixels the region reaches. `rgba` holds 4 bytes per
 * pixel (ImageData layout).
 */
export function similarColorSpans(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  x: number,
  y: number,
  tolerance: number,
  emit: SpanSink,
  smooth = 2,
): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= width || yi >= height) return 0;
  const mean = (cx: number, cy: number, r: number, out: Float64Array) => {
    out[0] = out[1] = out[2] = 0;
    let n = 0;
    for (let j = Math.max(0, cy - r); j <= Math.min(height - 1, cy + r); j++) {
      for (let i = Math.max(0, cx - r); i <= Math.min(width - 1, cx + r); i++) {
        const s = (j * width + i) * 4;
        out[0] += rgba[s];
        out[1] += rgba[s + 1];
        out[2] += rgba[s + 2];
        n++;
      }
    }
    out[0] /= n;
    out[1] /= n;
    out[2] /= n;
  };
  const seed = new Float64Array(3);
  mean(xi, yi, smooth, seed);
  const c = new Float64Array(3);
  return floodSpans(width, height, xi, yi, (i) => {
    mean(i % width, Math.floor(i / width), smooth, c);
    return Math.abs(c[0] - seed[0]) <= tolerance && Math.abs(c[1] - seed[1]) <= tolerance && Math.abs(c[2] - seed[2]) <= tolerance;
  }, emit);
}
