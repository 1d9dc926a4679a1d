/** The colour lookup that turns a class-id mask into overlay pixels. */
import { ClassDef } from './classes';
import { IGNORE_COLOR, parseHexColor } from './color';

export interface OverlayStyle {
  /** Class ids drawn transparent (the background by default: tools draw only what is labelled). */
  hidden?: ReadonlySet<number>;
  /** Alpha (0..255) of ignore pixels relative to class pixels: "not labelled" shows, but quietly. */
  ignoreAlpha?: number;
}

/**
 * 256 RGBA colours packed little-endian (the byte order of ImageData on every platform that
 * runs VS Code), so a mask converts with one table lookup per pixel into a Uint32Array view.
 */
export function overlayLut(classes: readonly ClassDef[], ignoreIndex: number, style: OverlayStyle = {}): Uint32Array {
  const hidden = style.hidden ?? new Set([0]);
  const lut = new Uint32Array(256);
  const pack = (rgb: readonly number[], a: number) => ((a << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0]) >>> 0;
  for (const c of classes) {
    if (hidden.has(c.id) || c.id > 255) continue;
    lut[c.id] = pack(parseHexColor(c.color) ?? [255, 0, 255], 255);
  }
  if (ignoreIndex >= 0 && ignoreIndex < 256 && !hidden.has(ignoreIndex)) {
    lut[ignoreIndex] = pack(parseHexColor(IGNORE_COLOR)!, style.ignoreAlpha ?? 96);
  }
  return lut;
}

/** Fills `out` (RGBA pixels as Uint32) from `ids` through `lut`. */
export function paintOverlay(ids: Uint8Array, lut: Uint32Array, out: Uint32Array): void {
  for (let k = 0; k < ids.length; k++) out[k] = lut[ids[k]];
}

/** Pixels per id, for the legend. */
export function countIds(ids: Uint8Array): Float64Array {
  const counts = new Float64Array(256);
  for (let k = 0; k < ids.length; k++) counts[ids[k]]++;
  return counts;
}
