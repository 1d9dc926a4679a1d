/**
 * Class masks and instance maps as PNG (DESIGN.md section 3): masks are written as 8-bit palette
 * PNGs whose indices are the class ids, and read from grayscale-id, palette (VOC) and RGB colour
 * PNGs.
 */
import type { ClassDef } from './classes';
import { IGNORE_COLOR, parseHexColor, toHexColor } from './color';
import { decodePng, encodePng, type PngEncodeOptions, type PngImage } from './png';

export type MaskEncoding = 'grayscale' | 'palette' | 'rgb';

export interface DecodedMask {
  width: number;
  height: number;
  /** Class id per pixel, row-major. */
  ids: Uint8Array;
  /** How the file stored the ids. */
  encoding: MaskEncoding;
}

export interface MaskOptions {
  classes: readonly ClassDef[];
  ignoreIndex: number;
}

export class MaskFormatError extends Error {
  override name = 'MaskFormatError';
}

export interface DecodedInstances {
  width: number;
  height: number;
  /** Instance id per pixel, 0 = none. */
  ids: Uint16Array;
}

export interface UnknownIds {
  id: number;
  /** Pixels holding the id. */
  count: number;
  /** First pixel (row-major) holding the id. */
  firstX: number;
  firstY: number;
}

const WHITE = 0xffffff;
const MAX_UNKNOWN_COLORS = 1024;
const OVERFLOW = -1_000_000;

function packHex(hex: string): number | undefined {
  const rgb = parseHexColor(hex);
  return rgb ? (rgb[0] << 16) | (rgb[1] << 8) | rgb[2] : undefined;
}

function hexOf(packed: number): string {
  return toHexColor([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255]);
}

function checkIndex(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new MaskFormatError(`${what} must be an integer in 0..255, not ${value}`);
  }
}

export function decodeMaskPng(bytes: Uint8Array, options: MaskOptions): DecodedMask {
  const img = decodePng(bytes);
  const { width, height, colorType, bitDepth, channels } = img;
  const n = width * height;

  if (colorType === 3) {
    // Pascal VOC convention: the palette index is the class id; the colours are only for viewers.
    return { width, height, ids: img.data as Uint8Array, encoding: 'palette' };
  }

  if (colorType === 0 || colorType === 4) {
    const ids = new Uint8Array(n);
    const data = img.data;
    if (bitDepth === 16) {
      for (let i = 0, s = 0; i < n; i++, s += channels) {
        const v = data[s];
        if (v > 255) {
          throw new MaskFormatError(
            `16-bit grayscale value ${v} at (${i % width}, ${Math.floor(i / width)}) is not a class id ` +
              '(0..255): this looks like an instance map, not a class mask',
          );
        }
        ids[i] = v;
      }
    } else if (channels === 1) {
      return { width, height, ids: data as Uint8Array, encoding: 'grayscale' };
    } else {
      for (let i = 0, s = 0; i < n; i++, s += channels) ids[i] = data[s]; // alpha ignored
    }
    return { width, height, ids, encoding: 'grayscale' };
  }

  const grey = greyIds(img);
  if (grey && !allClassColours(grey, options)) {
    // OpenCV and many scripts save id masks as 3-channel grey (v, v, v): read those as ids.
    return { width, height, ids: grey, encoding: 'grayscale' };
  }
  return { width, height, ids: decodeRgb(img, options), encoding: 'rgb' };
}

/** The values of an 8-bit RGB(A) image whose every pixel is grey (r = g = b), else undefined. */
function greyIds(img: PngImage): Uint8Array | undefined {
  if (img.bitDepth !== 8) return undefined;
  const { data, channels } = img;
  const ids = new Uint8Array(img.width * img.height);
  for (let i = 0, s = 0; i < ids.length; i++, s += channels) {
    const v = data[s];
    if (data[s + 1] !== v || data[s + 2] !== v) return undefined;
    ids[i] = v;
  }
  return ids;
}

/** True when every grey level present is the colour of a class (or of ignore): then it is a colour mask. */
function allClassColours(grey: Uint8Array, options: MaskOptions): boolean {
  const colours = new Set(options.classes.map((c) => packHex(c.color)));
  colours.add(packHex(IGNORE_COLOR)!);
  colours.add(WHITE);
  const seen = new Uint8Array(256);
  for (let i = 0; i < grey.length; i++) seen[grey[i]] = 1;
  for (let v = 0; v < 256; v++) if (seen[v] && !colours.has((v << 16) | (v << 8) | v)) return false;
  return true;
}

/** Maps each pixel's colour to a class id through the class colours; alpha is ignored. */
function decodeRgb(img: PngImage, options: MaskOptions): Uint8Array {
  const { width, height, channels, bitDepth } = img;
  checkIndex(options.ignoreIndex, 'the ignore index');
  // Value >= 0: class id. -1: colour shared by two classes. Unknown colours get -2 - k, k indexing
  // `unknown`, so a single Map serves the hot path and the error report.
  const lookup = new Map<number, number>();
  const owners = new Map<number, ClassDef>();
  const shared = new Map<number, string>();
  for (const c of options.classes) {
    checkIndex(c.id, `the id of class '${c.name}'`);
    const key = packHex(c.color);
    if (key === undefined) {
      throw new MaskFormatError(`class '${c.name}' (id ${c.id}) has an invalid colour '${c.color}'`);
    }
    const owner = owners.get(key);
    if (owner && owner.id !== c.id) {
      lookup.set(key, -1);
      shared.set(key, `classes '${owner.name}' (${owner.id}) and '${c.name}' (${c.id})`);
    } else {
      owners.set(key, c);
      lookup.set(key, c.id);
    }
  }
  const ignoreKey = packHex(IGNORE_COLOR)!;
  if (!lookup.has(ignoreKey)) lookup.set(ignoreKey, options.ignoreIndex);
  if (!lookup.has(WHITE)) lookup.set(WHITE, options.ignoreIndex);

  const unknown: { key: number; count: number; first: number }[] = [];
  const n = width * height;
  const ids = new Uint8Array(n);
  const data = img.data;
  // 16-bit colour masks are accepted when they are exact 8-bit colours scaled by 257.
  const sixteen = bitDepth === 16;
  let lastKey = -1;
  let lastValue = 0;
  let overflow = false;
  for (let i = 0, s = 0; i < n; i++, s += channels) {
    let r = data[s];
    let g = data[s + 1];
    let b = data[s + 2];
    if (sixteen) {
      if ((r >> 8) !== (r & 255) || (g >> 8) !== (g & 255) || (b >> 8) !== (b & 255)) {
        throw new MaskFormatError(
          `16-bit colour (${r}, ${g}, ${b}) at (${i % width}, ${Math.floor(i / width)}) is not an 8-bit ` +
            'class colour; save colour masks as 8-bit',
        );
      }
      r >>= 8;
      g >>= 8;
      b >>= 8;
    }
    const key = (r << 16) | (g << 8) | b;
    if (key !== lastKey) {
      let value = lookup.get(key);
      if (value === undefined) {
        // Past the cap (a photo, or a lossy-compressed mask) only the first colours are tracked.
        if (unknown.length < MAX_UNKNOWN_COLORS) {
          value = -2 - unknown.length;
          unknown.push({ key, count: 0, first: i });
          lookup.set(key, value);
        } else {
          value = OVERFLOW;
          overflow = true;
        }
      }
      lastKey = key;
      lastValue = value;
    }
    if (lastValue >= 0) {
      ids[i] = lastValue;
    } else if (lastValue === -1) {
      throw new MaskFormatError(
        `colour ${hexOf(key)} at (${i % width}, ${Math.floor(i / width)}) is ambiguous: ` +
          `it is the colour of ${shared.get(key)}`,
      );
    } else if (lastValue !== OVERFLOW) {
      unknown[-2 - lastValue].count++;
    }
  }

  if (unknown.length > 0) {
    const u = unknown[0];
    const others = unknown.length - 1;
    throw new MaskFormatError(
      `colour ${hexOf(u.key)} is not a class colour: first at (${u.first % width}, ` +
        `${Math.floor(u.first / width)}), ${u.count} pixel${u.count === 1 ? '' : 's'}` +
        (others > 0 ? `; ${overflow ? 'more than ' : ''}${others} other unknown colour${others === 1 ? '' : 's'} too` : ''),
    );
  }
  return ids;
}

/**
 * Writes an 8-bit palette PNG whose indices are exactly `ids`: every library reads class ids,
 * every viewer shows the class colours.
 */
export function encodeMaskPng(ids: Uint8Array, width: number, height: number, options: MaskOptions, png: PngEncodeOptions = {}): Uint8Array {
  if (ids.length !== width * height) {
    throw new MaskFormatError(`mask has ${ids.length} pixels, expected ${width}x${height} = ${width * height}`);
  }
  let maxId = 0;
  const present = new Uint8Array(256);
  for (let i = 0; i < ids.length; i++) present[ids[i]] = 1;
  for (let v = 255; v > 0; v--) {
    if (present[v]) {
      maxId = v;
      break;
    }
  }
  const palette = maskPalette(maxId, options);
  return encodePng({ width, height, colorType: 3, bitDepth: 8, data: ids, palette }, png);
}

/**
 * The palette of a mask whose largest id is `maxId`: the class colours at their ids, the ignore
 * colour at the ignore index, black elsewhere; long enough for every class and every id present.
 */
export function maskPalette(maxId: number, options: MaskOptions): Uint8Array {
  const { classes, ignoreIndex } = options;
  checkIndex(ignoreIndex, 'the ignore index');
  let maxClass = -1;
  for (const c of classes) {
    checkIndex(c.id, `the id of class '${c.name}'`);
    if (c.id > maxClass) maxClass = c.id;
  }
  const entries = Math.max(maxClass, maxId) + 1; // maxId covers the ignore index when present
  const palette = new Uint8Array(entries * 3); // unused entries stay black
  const put = (id: number, color: string) => {
    const rgb = parseHexColor(color);
    if (!rgb) throw new MaskFormatError(`colour '${color}' for id ${id} is not #rrggbb`);
    palette.set(rgb, id * 3);
  };
  if (ignoreIndex < entries && !classes.some((c) => c.id === ignoreIndex)) put(ignoreIndex, IGNORE_COLOR);
  for (const c of classes) put(c.id, c.color);
  return palette;
}

/** Ids per pixel that are neither a class id nor the ignore index, in id order. */
export function findUnknownIds(ids: Uint8Array, width: number, options: MaskOptions): UnknownIds[] {
  const counts = new Uint32Array(256);
  for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  const known = new Uint8Array(256);
  for (const c of options.classes) if (c.id >= 0 && c.id < 256) known[c.id] = 1;
  if (options.ignoreIndex >= 0 && options.ignoreIndex < 256) known[options.ignoreIndex] = 1;
  const result: UnknownIds[] = [];
  for (let id = 0; id < 256; id++) {
    if (counts[id] === 0 || known[id]) continue;
    const first = ids.indexOf(id);
    result.push({ id, count: counts[id], firstX: first % width, firstY: Math.floor(first / width) });
  }
  return result;
}

export function decodeInstancePng(bytes: Uint8Array): DecodedInstances {
  const img = decodePng(bytes);
  const { width, height, colorType, channels, data } = img;
  if (colorType !== 0 && colorType !== 3 && colorType !== 4) {
    throw new MaskFormatError(
      `instance maps must be grayscale or palette PNGs (16-bit grayscale preferred), not ${
        colorType === 2 ? 'RGB' : 'RGBA'
      }`,
    );
  }
  if (data instanceof Uint16Array && channels === 1) return { width, height, ids: data };
  const n = width * height;
  const ids = new Uint16Array(n);
  for (let i = 0, s = 0; i < n; i++, s += channels) ids[i] = data[s];
  return { width, height, ids };
}

export function encodeInstancePng(ids: Uint16Array, width: number, height: number): Uint8Array {
  if (ids.length !== width * height) {
    throw new MaskFormatError(
      `instance map has ${ids.length} pixels, expected ${width}x${height} = ${width * height}`,
    );
  }
  // Up filter: instance maps repeat their rows like masks do (see PngEncodeOptions.filter).
  return encodePng({ width, height, colorType: 0, bitDepth: 16, data: ids }, { filter: 2 });
}
