/**
 * On-the-fly augmentation on decoded pixels, in plain JavaScript so every random draw comes from
 * the run's seeded generator: a random scale, rotation, flip and crop (one affine warp: bilinear
 * for the image, nearest for the labels, "ignore" outside the image), then colour changes. Weak
 * views (for the EMA teacher) get mild colour jitter; strong views (for the semi-supervised student,
 * and the labelled images) stronger jitter and greyscale, no blur: the thin objects of microscopy
 * (spirochaetes a few pixels wide) vanish under it while their pseudo-labels stay. CutMix works on
 * whole batches.
 */
import { Random } from '../synthetic/random';

/** Label value for "not labelled" inside the trainer (class channels are 0..K-1). */
export const IGNORE = -1;

export interface GeometryOptions {
  /** Output side. */
  size: number;
  scale: [number, number];
  /** Largest rotation, degrees, either way. */
  rotate: number;
  hflip: boolean;
  vflip: boolean;
}

export const DEFAULT_GEOMETRY: Omit<GeometryOptions, 'size'> = { scale: [0.75, 1.33], rotate: 15, hflip: true, vflip: false };

/** Maps output pixel (u, v) to source (x, y) = (a*u + b*v + c, d*u + e*v + f). */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

export function randomGeometry(rng: Random, width: number, height: number, o: GeometryOptions): Affine {
  // Log-uniform scale: zooming in and out equally likely.
  const s = Math.exp(rng.range(Math.log(o.scale[0]), Math.log(o.scale[1])));
  const angle = (rng.range(-o.rotate, o.rotate) * Math.PI) / 180;
  const fx = o.hflip && rng.next() < 0.5 ? -1 : 1;
  const fy = o.vflip && rng.next() < 0.5 ? -1 : 1;
  const window = o.size / s; // source pixels under the crop
  const cx = width > window ? rng.range(window / 2, width - window / 2) : width / 2;
  const cy = height > window ? rng.range(window / 2, height - window / 2) : height / 2;
  const cos = Math.cos(angle) / s;
  const sin = Math.sin(angle) / s;
  const half = o.size / 2;
  // source = centre + R * F * (u + 0.5 - half, v + 0.5 - half) / s - 0.5
  const a = cos * fx;
  const b = -sin * fy;
  const d = sin * fx;
  const e = cos * fy;
  return { a, b, c: cx - 0.5 + a * (0.5 - half) + b * (0.5 - half), d, e, f: cy - 0.5 + d * (0.5 - half) + e * (0.5 - half) };
}

/** The identity crop at (x0, y0): validation tiles and tests. */
export function cropGeometry(x0: number, y0: number): Affine {
  return { a: 1, b: 0, c: x0, d: 0, e: 1, f: y0 };
}

/**
 * Warps RGB bytes into `out` (size x size x 3, values 0..255) with bilinear sampling; outside the
 * image the pixel is `fill` (the dataset mean, which normalises to zero).
 */
export function warpImage(rgb: Uint8Array, width: number, height: number, t: Affine, size: number, out: Float32Array, fill: number[]): void {
  let o = 0;
  for (let v = 0; v < size; v++) {
    let x = t.b * v + t.c;
    let y = t.e * v + t.f;
    for (let u = 0; u < size; u++, x += t.a, y += t.d, o += 3) {
      if (x <= -1 || y <= -1 || x >= width || y >= height) {
        out[o] = fill[0];
        out[o + 1] = fill[1];
        out[o + 2] = fill[2];
        continue;
      }
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const wx = x - x0;
      const wy = y - y0;
      const xa = x0 < 0 ? 0 : x0;
      const ya = y0 < 0 ? 0 : y0;
      const xb = x0 + 1 >= width ? width - 1 : x0 + 1;
      const yb = y0 + 1 >= height ? height - 1 : y0 + 1;
      const p00 = (ya * width + xa) * 3;
      const p01 = (ya * width + xb) * 3;
      const p10 = (yb * width + xa) * 3;
      const p11 = (yb * width + xb) * 3;
      const w00 = (1 - wx) * (1 - wy);
      const w01 = wx * (1 - wy);
      const w10 = (1 - wx) * wy;
      const w11 = wx * wy;
      for (let k = 0; k < 3; k++) out[o + k] = rgb[p00 + k] * w00 + rgb[p01 + k] * w01 + rgb[p10 + k] * w10 + rgb[p11 + k] * w11;
    }
  }
}

/** Marks (1) the output pixels that fall outside the source image, as `warpLabels` decides. */
export function outsideMask(t: Affine, width: number, height: number, size: number, out: Uint8Array, offset: number): void {
  let o = offset;
  for (let v = 0; v < size; v++) {
    let x = t.b * v + t.c + 0.5;
    let y = t.e * v + t.f + 0.5;
    for (let u = 0; u < size; u++, x += t.a, y += t.d, o++) out[o] = x < 0 || y < 0 || x >= width || y >= height ? 1 : 0;
  }
}

/** Warps labels (channel index per pixel, 255 = ignore) with nearest sampling; outside is ignored. */
/** Nearest-neighbour warp of a label map: `ignore` (and outside the image) becomes IGNORE. Instance maps pass ignore -1. */
export function warpLabels(labels: Uint8Array | Uint16Array, width: number, height: number, t: Affine, size: number, out: Int32Array, offset: number, ignore = 255): void {
  let o = offset;
  for (let v = 0; v < size; v++) {
    let x = t.b * v + t.c + 0.5;
    let y = t.e * v + t.f + 0.5;
    for (let u = 0; u < size; u++, x += t.a, y += t.d, o++) {
      const xi = Math.floor(x);
      const yi = Math.floor(y);
      if (xi < 0 || yi < 0 || xi >= width || yi >= height) {
        out[o] = IGNORE;
        continue;
      }
      const l = labels[yi * width + xi];
      out[o] = l === ignore ? IGNORE : l;
    }
  }
}

export type ColourStrength = 'none' | 'weak' | 'strong';

/** Colour changes in place on a size x size x 3 image of 0..255 values. */
export function colourJitter(img: Float32Array, size: number, rng: Random, strength: ColourStrength): void {
  if (strength === 'none') return;
  const strong = strength === 'strong';
  const brightness = rng.range(strong ? 0.6 : 0.85, strong ? 1.4 : 1.15);
  const contrast = rng.range(strong ? 0.6 : 0.85, strong ? 1.4 : 1.15);
  const saturation = strong ? rng.range(0.5, 1.5) : 1;
  const grey = strong && rng.next() < 0.2;
  const n = size * size;
  let mean = 0;
  for (let p = 0; p < n * 3; p += 3) mean += 0.299 * img[p] + 0.587 * img[p + 1] + 0.114 * img[p + 2];
  mean /= n;
  for (let p = 0; p < n * 3; p += 3) {
    const l = 0.299 * img[p] + 0.587 * img[p + 1] + 0.114 * img[p + 2];
    for (let k = 0; k < 3; k++) {
      let v = grey ? l : l + (img[p + k] - l) * saturation;
      v = (v * brightness - mean) * contrast + mean;
      img[p + k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/** Normalises 0..255 values into `out` at `offset`: (v - mean) / std per channel. */
export function normalise(img: Float32Array, out: Float32Array, offset: number, mean: number[], std: number[]): void {
  for (let p = 0; p < img.length; p += 3) {
    out[offset + p] = (img[p] - mean[0]) / std[0];
    out[offset + p + 1] = (img[p + 1] - mean[1]) / std[1];
    out[offset + p + 2] = (img[p + 2] - mean[2]) / std[2];
  }
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A CutMix box covering a random share (up to half) of a size x size image. */
export function randomBox(rng: Random, size: number): Box {
  const area = rng.range(0.1, 0.5);
  const ratio = Math.exp(rng.range(Math.log(0.5), Math.log(2)));
  const w = Math.min(size, Math.round(size * Math.sqrt(area * ratio)));
  const h = Math.min(size, Math.round(size * Math.sqrt(area / ratio)));
  const x0 = rng.int(0, size - w);
  const y0 = rng.int(0, size - h);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

/** Copies the box of image `from` in `source` onto image `to` in `target` (batches of size x size x channels). */
export function pasteBox<T extends Float32Array | Int32Array>(source: T, target: T, size: number, channels: number, from: number, to: number, box: Box): void {
  const plane = size * size * channels;
  for (let y = box.y0; y < box.y1; y++) {
    const start = (y * size + box.x0) * channels;
    const end = (y * size + box.x1) * channels;
    target.set(source.subarray(from * plane + start, from * plane + end), to * plane + start);
  }
}
