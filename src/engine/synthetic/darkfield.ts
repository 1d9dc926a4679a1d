/**
 * Synthetic darkfield microscopy, the embedded sample dataset: bright red-blood-cell discs and rings
 * and thin wavy spirochaete filaments on a dark, noisy, unevenly lit background. Deterministic for a
 * seed. Classes: 0 background, 1 red blood cell, 2 spirochaete; every object is also an instance.
 */
import { Random } from './random';

export const DARKFIELD_CLASSES = [
  { id: 0, name: 'background', color: '#000000', thing: false },
  { id: 1, name: 'red blood cell', color: '#e6194b', thing: true },
  { id: 2, name: 'spirochaete', color: '#3cb44b', thing: true },
];

export interface SyntheticImage {
  width: number;
  height: number;
  /** 8-bit RGB, row-major. */
  rgb: Uint8Array;
  /** Class id per pixel. */
  ids: Uint8Array;
  /** Instance id per pixel, 0 = none, 1..n in drawing order. */
  instances: Uint16Array;
}

/** Light of the scene per pixel before noise, in [0, 1] per channel. */
interface Canvas {
  width: number;
  height: number;
  light: Float32Array; // RGB
  ids: Uint8Array;
  instances: Uint16Array;
}

export function generateDarkfieldImage(seed: number, width: number, height: number): SyntheticImage {
  const rng = new Random(seed);
  const c: Canvas = {
    width, height,
    light: new Float32Array(width * height * 3),
    ids: new Uint8Array(width * height),
    instances: new Uint16Array(width * height),
  };
  paintBackground(c, rng);
  let instance = 0;
  const cells = rng.int(6, 14);
  for (let i = 0; i < cells; i++) paintCell(c, rng, ++instance);
  const bacteria = rng.int(1, 5);
  for (let i = 0; i < bacteria; i++) paintSpirochaete(c, rng, ++instance);
  return { width, height, rgb: develop(c, rng), ids: c.ids, instances: c.instances };
}

/** Dark field with an off-centre illumination falloff and a few dim dust specks. */
function paintBackground(c: Canvas, rng: Random): void {
  const cx = rng.range(0.3, 0.7) * c.width;
  const cy = rng.range(0.3, 0.7) * c.height;
  const reach = Math.hypot(c.width, c.height) * 0.7;
  const base = rng.range(0.03, 0.07);
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const fall = 1 - Math.hypot(x - cx, y - cy) / reach;
      const v = base * (0.6 + 0.4 * fall);
      const k = (y * c.width + x) * 3;
      c.light[k] = v * 0.9;
      c.light[k + 1] = v;
      c.light[k + 2] = v * 1.25;
    }
  }
  const specks = rng.int(3, 12);
  for (let i = 0; i < specks; i++) {
    const x0 = rng.range(0, c.width);
    const y0 = rng.range(0, c.height);
    const r = rng.range(1, 3);
    const a = rng.range(0.05, 0.15);
    splat(c, x0, y0, r + 2, (d) => Math.max(0, 1 - d / r) * a, [0.8, 0.8, 0.9]);
  }
}

/**
 * A red blood cell seen in darkfield: a bright rim (scattering at the edge) around a dimmer,
 * biconcave centre; some cells show only the ring. Slightly elliptical, randomly rotated.
 */
function paintCell(c: Canvas, rng: Random, instance: number): void {
  const r = rng.range(11, 22);
  const cx = rng.range(r * 0.5, c.width - r * 0.5);
  const cy = rng.range(r * 0.5, c.height - r * 0.5);
  const aspect = rng.range(0.8, 1.0);
  const angle = rng.range(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ring = rng.next() < 0.35;
  const centre = ring ? rng.range(0.05, 0.15) : rng.range(0.25, 0.45);
  const tint: [number, number, number] = [1.0, rng.range(0.55, 0.75), rng.range(0.45, 0.6)];
  const rimStrength = rng.range(0.75, 0.95);
  const reach = Math.ceil(r + 3);
  for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(c.height, cy + reach); y++) {
    for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(c.width, cx + reach); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (dx * cos + dy * sin) / aspect;
      const v = -dx * sin + dy * cos;
      const rho = Math.hypot(u, v) / r; // 1 at the edge
      if (rho > 1.15) continue;
      const rim = Math.exp(-(((rho - 0.9) / 0.09) ** 2));
      const body = rho < 1 ? centre * (0.6 + 0.4 * rho * rho) : 0;
      const glow = Math.max(rim * rimStrength, body);
      const k = (y * c.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) c.light[k + ch] = Math.max(c.light[k + ch], glow * tint[ch]);
      if (rho <= 1) {
        c.ids[y * c.width + x] = 1;
        c.instances[y * c.width + x] = instance;
      }
    }
  }
}

/** A spirochaete: a thin bright helix seen side-on, a sine wave along a gently curving path. */
function paintSpirochaete(c: Canvas, rng: Random, instance: number): void {
  const length = rng.range(50, 130);
  const amplitude = rng.range(2, 4.5);
  const wavelength = rng.range(8, 14);
  const bend = rng.range(-0.01, 0.01);
  let heading = rng.range(0, 2 * Math.PI);
  let x = rng.range(0.1, 0.9) * c.width;
  let y = rng.range(0.1, 0.9) * c.height;
  const halfWidth = rng.range(0.9, 1.4);
  const brightness = rng.range(0.7, 1.0);
  const tint: [number, number, number] = [0.85, 1.0, 0.95];
  const step = 0.5;
  for (let s = 0; s < length; s += step) {
    heading += bend * step;
    x += Math.cos(heading) * step;
    y += Math.sin(heading) * step;
    const offset = amplitude * Math.sin((2 * Math.PI * s) / wavelength);
    const px = x - Math.sin(heading) * offset;
    const py = y + Math.cos(heading) * offset;
    // Taper at both ends, as the organism's ends are thinner.
    const taper = Math.min(1, s / 6, (length - s) / 6);
    splat(c, px, py, halfWidth + 1.5, (d) => Math.exp(-((d / (halfWidth * 0.9)) ** 2)) * brightness * (0.4 + 0.6 * taper), tint, (d, k) => {
      if (d <= halfWidth * taper + 0.25) {
        c.ids[k] = 2;
        c.instances[k] = instance;
      }
    });
  }
}

/** Adds light around (x0, y0) within `reach`, max-blended, optionally labelling pixels. */
function splat(
  c: Canvas, x0: number, y0: number, reach: number,
  intensity: (d: number) => number, tint: readonly number[],
  label?: (d: number, index: number) => void,
): void {
  for (let y = Math.max(0, Math.floor(y0 - reach)); y <= Math.min(c.height - 1, Math.ceil(y0 + reach)); y++) {
    for (let x = Math.max(0, Math.floor(x0 - reach)); x <= Math.min(c.width - 1, Math.ceil(x0 + reach)); x++) {
      const d = Math.hypot(x + 0.5 - x0, y + 0.5 - y0);
      if (d > reach) continue;
      const v = intensity(d);
      const k = (y * c.width + x) * 3;
      for (let ch = 0; ch < 3; ch++) c.light[k + ch] = Math.max(c.light[k + ch], v * tint[ch]);
      label?.(d, y * c.width + x);
    }
  }
}

/** Optics blur, then sensor noise (shot + read), then gamma: light to 8-bit RGB. */
function develop(c: Canvas, rng: Random): Uint8Array {
  const blurred = boxBlur3(c.light, c.width, c.height);
  const out = new Uint8Array(c.width * c.height * 3);
  const read = rng.range(0.008, 0.015);
  for (let k = 0; k < out.length; k++) {
    const v = blurred[k];
    const noisy = v + rng.normal() * (read + 0.04 * Math.sqrt(v));
    out[k] = Math.max(0, Math.min(255, Math.round(255 * Math.pow(Math.max(0, noisy), 1 / 1.6))));
  }
  return out;
}

function boxBlur3(src: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let ch = 0; ch < 3; ch++) {
        let sum = 0;
        let n = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= width) continue;
            const w = dx === 0 && dy === 0 ? 4 : dx === 0 || dy === 0 ? 2 : 1;
            sum += src[(yy * width + xx) * 3 + ch] * w;
            n += w;
          }
        }
        out[(y * width + x) * 3 + ch] = sum / n;
      }
    }
  }
  return out;
}
