/**
 * COCO run-length encoding, exactly as pycocotools (maskApi.c) defines it: the binary mask is read
 * in column-major (Fortran) order, runs alternate background / foreground and always start with a
 * background run (0 when the first pixel is foreground); the compressed string form stores each
 * count (after the third, as the difference to the count two places before) in 5-bit groups,
 * least significant first, 0x20 meaning "more groups follow", offset by 48 into printable ASCII.
 */

export interface CocoRle {
  /** [height, width], as COCO writes it. */
  size: [number, number];
  counts: number[];
}

export class RleError extends Error {
  override name = 'RleError';
}

/**
 * Runs of `mask` (row-major, width x height) in COCO's column-major order. The foreground is every
 * nonzero pixel, or with `select` the pixels equal to it; `columns` (inclusive) bounds where the
 * foreground can be, so an object costs its bounding box, not the whole image.
 */
export function encodeRle(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  select?: number,
  columns: [number, number] = [0, width - 1],
): number[] {
  if (mask.length !== width * height) throw new RleError(`mask has ${mask.length} pixels, expected ${width}x${height}`);
  const counts: number[] = [];
  let current = 0; // value of the run being counted: runs start with background
  let run = columns[0] * height;
  for (let x = columns[0]; x <= columns[1]; x++) {
    for (let k = x, y = 0; y < height; y++, k += width) {
      const v = select === undefined ? (mask[k] !== 0 ? 1 : 0) : mask[k] === select ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  const after = (width - 1 - columns[1]) * height;
  if (after > 0) {
    if (current === 1) {
      counts.push(run);
      run = 0;
    }
    run += after;
  }
  counts.push(run);
  return counts;
}

/** Writes the runs into `out` (row-major) as `value` where foreground; other pixels are left as they are. */
export function paintRle(counts: readonly number[], width: number, height: number, out: { [k: number]: number; length: number }, value = 1): void {
  const total = width * height;
  if (out.length !== total) throw new RleError(`target has ${out.length} pixels, expected ${width}x${height}`);
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (i % 2 === 1) {
      for (let p = pos; p < pos + n; p++) out[(p % height) * width + Math.floor(p / height)] = value;
    }
    pos += n;
  }
}

/** Row-major 0/1 mask of the runs. */
export function decodeRle(rle: CocoRle): Uint8Array {
  checkRle(rle);
  const [height, width] = rle.size;
  const out = new Uint8Array(width * height);
  paintRle(rle.counts, width, height, out);
  return out;
}

/** Throws unless the counts are non-negative integers that cover the image exactly. */
export function checkRle(rle: CocoRle): void {
  const [height, width] = rle.size;
  let sum = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    const n = rle.counts[i];
    if (!Number.isInteger(n) || n < 0) throw new RleError(`counts[${i}] is ${n}, not a non-negative integer`);
    sum += n;
  }
  if (sum !== width * height) throw new RleError(`counts sum to ${sum} pixels but size ${height}x${width} (height x width) has ${width * height}`);
}

/** pycocotools' rleToString. */
export function rleToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Arithmetic (not 32-bit bitwise) shifts, so counts beyond 2^31 stay exact.
      let c = x - Math.floor(x / 32) * 32; // x & 0x1f for two's complement
      x = Math.floor(x / 32); // x >>= 5 (arithmetic)
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools' rleFrString; throws on characters outside the alphabet or a truncated count. */
export function rleFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    let scale = 1;
    while (more) {
      if (p >= s.length) throw new RleError(`compressed counts end inside a number (at character ${p})`);
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RleError(`character '${s[p]}' at ${p} is not in the compressed RLE alphabet ('0'..'o')`);
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= scale; // sign-extend: x |= -1 << 5k
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Foreground pixels. */
export function rleArea(counts: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}

/** COCO's [x, y, width, height] of the foreground (all zeros when empty), as pycocotools' toBbox. */
export function rleBbox(counts: readonly number[], height: number): [number, number, number, number] {
  let xs = Infinity;
  let ys = Infinity;
  let xe = -1;
  let ye = -1;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const start = pos;
    pos += counts[i];
    if (i % 2 === 0 || counts[i] === 0) continue;
    const end = pos - 1;
    const x0 = Math.floor(start / height);
    const x1 = Math.floor(end / height);
    xs = Math.min(xs, x0);
    xe = Math.max(xe, x1);
    if (x1 > x0) {
      ys = 0;
      ye = height - 1;
    } else {
      ys = Math.min(ys, start % height);
      ye = Math.max(ye, end % height);
    }
  }
  return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe - xs + 1, ye - ys + 1];
}
