/**
 * PNG codec in plain TypeScript (no Node built-ins, no DOM) so the extension host, the CLI and
 * the webviews read and write masks with the same code and get the same errors.
 */
import { unzlibSync, zlibSync, type ZlibOptions } from 'fflate';

export type PngColorType = 0 | 2 | 3 | 4 | 6; // gray, rgb, palette, gray+alpha, rgba
export type PngBitDepth = 1 | 2 | 4 | 8 | 16;

export interface PngImage {
  width: number;
  height: number;
  colorType: PngColorType;
  bitDepth: PngBitDepth;
  /** 1, 3, 1, 2, 4 for colour types 0, 2, 3, 4, 6. */
  channels: number;
  /**
   * Unpacked samples, row-major, one element per sample: Uint8Array when bitDepth <= 8 (sub-byte
   * depths unpacked to one value per element, palette indices stay indices, grayscale is NOT
   * rescaled), Uint16Array when 16.
   */
  data: Uint8Array | Uint16Array;
  /** PLTE as RGB triplets (palette images only). */
  palette?: Uint8Array;
  /** tRNS alpha per palette entry (palette images only; may be shorter than the palette). */
  paletteAlpha?: Uint8Array;
}

export interface PngHeader {
  width: number;
  height: number;
  colorType: PngColorType;
  bitDepth: PngBitDepth;
}

/** 0 none, 1 sub, 2 up, 3 average, 4 paeth. */
export type PngFilter = 0 | 1 | 2 | 3 | 4;

export interface PngEncodeInput {
  width: number;
  height: number;
  colorType: PngColorType;
  bitDepth: 8 | 16;
  /** Samples as PngImage.data; a Uint8Array is accepted for 16-bit too. */
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  palette?: Uint8Array;
  paletteAlpha?: Uint8Array;
}

export interface PngEncodeOptions {
  /** fflate/zlib level 0..9, default 6. */
  level?: number;
  /**
   * The zlib compressor (default fflate's, pure JS). Node callers may pass `zlib.deflateSync`,
   * about ten times faster: the core itself stays free of Node built-ins.
   */
  deflate?: (data: Uint8Array, level: number) => Uint8Array;
  /**
   * 'auto' (default): up for palette images, the per-row minimum-sum-of-absolute-differences
   * heuristic otherwise. 'adaptive' forces the heuristic; a number forces one filter on every row.
   * Label images (masks, instance maps) repeat their rows, so up beats both none and the heuristic
   * there: on a 4096x4096 mask it was 30% smaller than none and 4x faster to deflate.
   */
  filter?: 'auto' | 'adaptive' | PngFilter;
}

export class PngError extends Error {
  override name = 'PngError';
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_NAMES: Record<number, string> = {
  0: 'grayscale',
  2: 'RGB',
  3: 'palette',
  4: 'grayscale+alpha',
  6: 'RGBA',
};
const LEGAL_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;
/** Keeps every sample array below typed-array limits in all engines. */
const MAX_SAMPLES = 0x7fffffff;
const IDAT_CHUNK_SIZE = 1 << 20;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function readU32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

function writeU32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

function checkSignature(bytes: Uint8Array): void {
  if (bytes.length < 8 || SIGNATURE.some((v, i) => bytes[i] !== v)) {
    throw new PngError('not a PNG file (bad signature)');
  }
}

/** Chunk type as text; null when the bytes are not letters (a sign of corruption). */
function chunkType(b: Uint8Array, p: number): string | null {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const c = b[p + i];
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

function validateHeader(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  compression: number,
  filter: number,
  interlace: number,
): void {
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new PngError(`corrupt PNG: invalid image size ${width}x${height} in IHDR`);
  }
  const depths = LEGAL_DEPTHS[colorType];
  if (!depths) throw new PngError(`unsupported PNG: colour type ${colorType}`);
  if (!depths.includes(bitDepth)) {
    throw new PngError(
      `unsupported PNG: bit depth ${bitDepth} with colour type ${colorType} (${COLOR_NAMES[colorType]})`,
    );
  }
  if (compression !== 0) throw new PngError(`unsupported PNG: compression method ${compression}`);
  if (filter !== 0) throw new PngError(`unsupported PNG: filter method ${filter}`);
  if (interlace > 1) throw new PngError(`unsupported PNG: interlace method ${interlace}`);
  if (width * height * CHANNELS[colorType] > MAX_SAMPLES) {
    throw new PngError(`unsupported PNG: image ${width}x${height} is too large`);
  }
}

/** Reads only the IHDR chunk: cheap enough to size every file in a dataset. */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  checkSignature(bytes);
  if (bytes.length < 33) throw new PngError('truncated PNG: chunk IHDR runs past the end of the file');
  const type = chunkType(bytes, 12);
  if (type !== 'IHDR' || readU32(bytes, 8) !== 13) {
    throw new PngError(`corrupt PNG: first chunk is ${type ?? '(invalid)'}, expected IHDR`);
  }
  if (crc32(bytes, 12, 29) !== readU32(bytes, 29)) throw new PngError('CRC mismatch in chunk IHDR');
  const h = parseIhdr(bytes, 16);
  return { width: h.width, height: h.height, colorType: h.colorType, bitDepth: h.bitDepth };
}

function parseIhdr(b: Uint8Array, p: number) {
  const width = readU32(b, p);
  const height = readU32(b, p + 4);
  const bitDepth = b[p + 8];
  const colorType = b[p + 9];
  const interlace = b[p + 12];
  validateHeader(width, height, bitDepth, colorType, b[p + 10], b[p + 11], interlace);
  return {
    width,
    height,
    bitDepth: bitDepth as PngBitDepth,
    colorType: colorType as PngColorType,
    interlace,
  };
}

/** Bytes of one filtered (sub)image including the filter byte per row; 0 for an empty pass. */
function passSize(w: number, h: number, bitsPerPixel: number): number {
  if (w === 0 || h === 0) return 0;
  return h * (1 + Math.ceil((w * bitsPerPixel) / 8));
}

export function decodePng(bytes: Uint8Array): PngImage {
  checkSignature(bytes);
  let header: ReturnType<typeof parseIhdr> | undefined;
  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let idatEnded = false;
  let sawEnd = false;
  let pos = 8;
  let last = '';

  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) {
      throw new PngError(`truncated PNG: chunk header at byte ${pos} runs past the end of the file`);
    }
    const length = readU32(bytes, pos);
    const type = chunkType(bytes, pos + 4);
    if (type === null) throw new PngError(`corrupt PNG: invalid chunk type at byte ${pos + 4}`);
    if (length > 0x7fffffff) throw new PngError(`corrupt PNG: chunk ${type} has invalid length ${length}`);
    const start = pos + 8;
    const end = start + length;
    if (end + 4 > bytes.length) {
      throw new PngError(`truncated PNG: chunk ${type} runs past the end of the file`);
    }
    if (crc32(bytes, pos + 4, end) !== readU32(bytes, end)) {
      throw new PngError(`CRC mismatch in chunk ${type}`);
    }
    if (!header && type !== 'IHDR') throw new PngError(`corrupt PNG: first chunk is ${type}, expected IHDR`);
    if (type !== 'IDAT' && idat.length > 0) idatEnded = true;

    switch (type) {
      case 'IHDR':
        if (header) throw new PngError('corrupt PNG: more than one IHDR chunk');
        if (length !== 13) throw new PngError(`corrupt PNG: IHDR chunk has length ${length}, expected 13`);
        header = parseIhdr(bytes, start);
        break;
      case 'PLTE':
        if (length === 0 || length % 3 !== 0 || length > 768) {
          throw new PngError(`corrupt PNG: PLTE chunk has invalid length ${length}`);
        }
        if (idat.length > 0) throw new PngError('corrupt PNG: PLTE chunk after IDAT');
        // A PLTE in an RGB image is only a suggestion for quantising displays.
        if (header!.colorType === 3) palette = bytes.slice(start, end);
        break;
      case 'tRNS':
        if (header!.colorType === 3) {
          if (!palette) throw new PngError('corrupt PNG: tRNS chunk before PLTE');
          if (length > palette.length / 3) {
            throw new PngError(
              `corrupt PNG: tRNS has ${length} entries but the palette only ${palette.length / 3}`,
            );
          }
          paletteAlpha = bytes.slice(start, end);
        }
        break;
      case 'IDAT':
        if (idatEnded) throw new PngError('corrupt PNG: IDAT chunks are not consecutive');
        idat.push(bytes.subarray(start, end));
        idatLength += length;
        break;
      case 'IEND':
        sawEnd = true;
        break;
      default:
        // Bit 5 of the first letter clear (upper case) marks a chunk that is critical to decoding.
        if ((bytes[pos + 4] & 0x20) === 0) throw new PngError(`unsupported critical chunk ${type}`);
    }
    last = type;
    pos = end + 4;
    if (sawEnd) break;
  }

  if (!header) throw new PngError('truncated PNG: chunk IHDR runs past the end of the file');
  if (!sawEnd) throw new PngError(`truncated PNG: no IEND chunk (file ends after chunk ${last})`);
  if (idat.length === 0) throw new PngError('corrupt PNG: no IDAT chunk');
  const { width, height, bitDepth, colorType, interlace } = header;
  if (colorType === 3 && !palette) throw new PngError('corrupt PNG: palette image without PLTE chunk');

  const channels = CHANNELS[colorType];
  const bitsPerPixel = channels * bitDepth;
  let expected = 0;
  if (interlace) {
    for (const [x0, y0, dx, dy] of ADAM7) {
      expected += passSize(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy), bitsPerPixel);
    }
  } else {
    expected = passSize(width, height, bitsPerPixel);
  }

  let compressed: Uint8Array;
  if (idat.length === 1) {
    compressed = idat[0];
  } else {
    compressed = new Uint8Array(idatLength);
    let o = 0;
    for (const part of idat) {
      compressed.set(part, o);
      o += part.length;
    }
  }
  // fflate hands back the whole `out` buffer for a stream with no deflate data at all.
  if (compressed.length <= 6) throw new PngError('corrupt PNG: image data does not decompress (empty zlib stream)');
  let raw: Uint8Array;
  try {
    // Extra bytes past `expected` are dropped, which decoders tolerate anyway.
    raw = unzlibSync(compressed, { out: new Uint8Array(expected) });
  } catch (e) {
    throw new PngError(`corrupt PNG: image data does not decompress (${(e as Error).message})`);
  }
  if (raw.length < expected) {
    throw new PngError(`corrupt PNG: image data holds ${raw.length} bytes, expected ${expected}`);
  }

  const total = width * height * channels;
  const data = bitDepth === 16 ? new Uint16Array(total) : new Uint8Array(total);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (interlace) {
    let offset = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const pw = Math.ceil((width - x0) / dx);
      const ph = Math.ceil((height - y0) / dy);
      if (pw === 0 || ph === 0) continue;
      const rowBytes = Math.ceil((pw * bitsPerPixel) / 8);
      unfilter(raw, offset, rowBytes, ph, bpp);
      unpack(raw, offset, rowBytes, pw, ph, data, width, channels, bitDepth, x0, y0, dx, dy);
      offset += ph * (rowBytes + 1);
    }
  } else {
    const rowBytes = Math.ceil((width * bitsPerPixel) / 8);
    unfilter(raw, 0, rowBytes, height, bpp);
    unpack(raw, 0, rowBytes, width, height, data, width, channels, bitDepth, 0, 0, 1, 1);
  }

  const image: PngImage = { width, height, colorType, bitDepth, channels, data };
  if (palette) image.palette = palette;
  if (paletteAlpha) image.paletteAlpha = paletteAlpha;
  return image;
}

/** Reverses the row filters in place; each row is a filter byte then rowBytes of data. */
function unfilter(raw: Uint8Array, offset: number, rowBytes: number, rows: number, bpp: number): void {
  let prev = -1;
  let p = offset;
  for (let y = 0; y < rows; y++) {
    const type = raw[p];
    const cur = p + 1;
    // Assigning to a Uint8Array wraps modulo 256, which is the arithmetic the filters define.
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < rowBytes; i++) raw[cur + i] += raw[cur + i - bpp];
        break;
      case 2:
        if (prev >= 0) for (let i = 0; i < rowBytes; i++) raw[cur + i] += raw[prev + i];
        break;
      case 3:
        if (prev >= 0) {
          for (let i = 0; i < bpp; i++) raw[cur + i] += raw[prev + i] >> 1;
          for (let i = bpp; i < rowBytes; i++) raw[cur + i] += (raw[cur + i - bpp] + raw[prev + i]) >> 1;
        } else {
          for (let i = bpp; i < rowBytes; i++) raw[cur + i] += raw[cur + i - bpp] >> 1;
        }
        break;
      case 4:
        if (prev >= 0) {
          for (let i = 0; i < bpp; i++) raw[cur + i] += raw[prev + i];
          for (let i = bpp; i < rowBytes; i++) {
            const a = raw[cur + i - bpp];
            const b = raw[prev + i];
            const c = raw[prev + i - bpp];
            const pa = b > c ? b - c : c - b;
            const pb = a > c ? a - c : c - a;
            const t = a + b - 2 * c;
            const pc = t < 0 ? -t : t;
            raw[cur + i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          }
        } else {
          // Without a previous row Paeth always predicts the left byte.
          for (let i = bpp; i < rowBytes; i++) raw[cur + i] += raw[cur + i - bpp];
        }
        break;
      default:
        throw new PngError(`corrupt PNG: invalid filter type ${type} in row ${y}`);
    }
    prev = cur;
    p = cur + rowBytes;
  }
}

/** Copies a (sub)image's unfiltered rows into the sample array at (x0 + i*dx, y0 + j*dy). */
function unpack(
  raw: Uint8Array,
  offset: number,
  rowBytes: number,
  pw: number,
  ph: number,
  out: Uint8Array | Uint16Array,
  width: number,
  channels: number,
  bitDepth: number,
  x0: number,
  y0: number,
  dx: number,
  dy: number,
): void {
  const rowSamples = width * channels;
  for (let j = 0; j < ph; j++) {
    const src = offset + j * (rowBytes + 1) + 1;
    const rowStart = (y0 + j * dy) * rowSamples;
    if (bitDepth === 8) {
      if (dx === 1) {
        out.set(raw.subarray(src, src + rowBytes), rowStart);
      } else {
        for (let i = 0; i < pw; i++) {
          const d = rowStart + (x0 + i * dx) * channels;
          const s = src + i * channels;
          for (let c = 0; c < channels; c++) out[d + c] = raw[s + c];
        }
      }
    } else if (bitDepth === 16) {
      for (let i = 0; i < pw; i++) {
        const d = rowStart + (x0 + i * dx) * channels;
        const s = src + i * channels * 2;
        for (let c = 0; c < channels; c++) out[d + c] = (raw[s + 2 * c] << 8) | raw[s + 2 * c + 1];
      }
    } else {
      // Sub-byte depths only exist for single-channel types; samples are packed MSB first.
      const mask = (1 << bitDepth) - 1;
      for (let i = 0; i < pw; i++) {
        const bit = i * bitDepth;
        out[rowStart + x0 + i * dx] = (raw[src + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask;
      }
    }
  }
}

export function encodePng(image: PngEncodeInput, options: PngEncodeOptions = {}): Uint8Array {
  const { width, height, colorType, bitDepth, data, palette, paletteAlpha } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PngError(`cannot encode PNG: invalid image size ${width}x${height}`);
  }
  const channels = CHANNELS[colorType];
  if (channels === undefined) throw new PngError(`cannot encode PNG: unsupported colour type ${colorType}`);
  if ((bitDepth !== 8 && bitDepth !== 16) || !LEGAL_DEPTHS[colorType].includes(bitDepth)) {
    throw new PngError(`cannot encode PNG: unsupported bit depth ${bitDepth} for colour type ${colorType}`);
  }
  validateHeader(width, height, bitDepth, colorType, 0, 0, 0);
  const samples = width * height * channels;
  if (data.length !== samples) {
    throw new PngError(
      `cannot encode PNG: data has ${data.length} samples, expected ${width}x${height}x${channels} = ${samples}`,
    );
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new PngError(`cannot encode PNG: compression level ${level} is not 0..9`);
  }

  let entries = 0;
  if (colorType === 3) {
    if (!palette || palette.length < 3 || palette.length > 768 || palette.length % 3 !== 0) {
      throw new PngError('cannot encode PNG: a palette image needs 1..256 RGB palette entries');
    }
    entries = palette.length / 3;
    if (paletteAlpha && paletteAlpha.length > entries) {
      throw new PngError(`cannot encode PNG: paletteAlpha has more than ${entries} entries`);
    }
    for (let i = 0; i < samples; i++) {
      if (data[i] >= entries) {
        throw new PngError(
          `cannot encode PNG: palette index ${data[i]} at (${i % width}, ${Math.floor(i / width)}) ` +
            `has no palette entry (${entries} entries)`,
        );
      }
    }
  }

  // Rows as the bytes the filters work on: samples big-endian for 16-bit.
  let src: Uint8Array;
  if (bitDepth === 16) {
    src = new Uint8Array(samples * 2);
    for (let i = 0, o = 0; i < samples; i++, o += 2) {
      const v = data[i];
      src[o] = v >> 8;
      src[o + 1] = v;
    }
  } else if (data instanceof Uint8Array) {
    src = data;
  } else if (data instanceof Uint8ClampedArray) {
    src = new Uint8Array(data.buffer, data.byteOffset, data.length);
  } else {
    throw new PngError('cannot encode PNG: 8-bit data must be a Uint8Array');
  }

  const bpp = channels * (bitDepth >> 3);
  const rowBytes = width * bpp;
  const raw = new Uint8Array(height * (rowBytes + 1));
  const mode = options.filter ?? 'auto';
  const adaptive = mode === 'adaptive' || (mode === 'auto' && colorType !== 3);
  const fixed: PngFilter = typeof mode === 'number' ? mode : 2;
  if (typeof mode === 'number' ? !(mode >= 0 && mode <= 4 && Number.isInteger(mode)) : mode !== 'auto' && mode !== 'adaptive') {
    throw new PngError(`cannot encode PNG: invalid filter type ${mode}`);
  }
  for (let y = 0; y < height; y++) {
    const cur = y * rowBytes;
    const prev = y > 0 ? cur - rowBytes : -1;
    let type = fixed;
    if (adaptive) {
      let best = filterCost(0, src, cur, prev, rowBytes, bpp, Infinity);
      type = 0;
      for (let f = 1; f <= 4; f++) {
        // Up, average and Paeth equal none/sub on the first row: no need to try them.
        if (prev < 0 && f >= 2) break;
        const cost = filterCost(f as PngFilter, src, cur, prev, rowBytes, bpp, best);
        if (cost < best) {
          best = cost;
          type = f as PngFilter;
        }
      }
    }
    const o = y * (rowBytes + 1);
    raw[o] = type;
    applyFilter(type, src, cur, prev, rowBytes, bpp, raw, o + 1);
  }

  const compressed = options.deflate ? options.deflate(raw, level) : zlibSync(raw, { level: level as ZlibOptions['level'] });

  return pngFromZlib({ width, height, colorType, bitDepth, palette, paletteAlpha }, compressed);
}

/**
 * Wraps a zlib stream of filtered rows into a PNG file (signature, IHDR, PLTE/tRNS, IDAT, IEND).
 * For encoders that compress the rows their own way (src/core/labelPng.ts).
 */
export function pngFromZlib(
  header: { width: number; height: number; colorType: PngColorType; bitDepth: PngBitDepth; palette?: Uint8Array; paletteAlpha?: Uint8Array },
  compressed: Uint8Array,
): Uint8Array {
  const { width, height, colorType, bitDepth, palette, paletteAlpha } = header;
  const idatChunks = Math.max(1, Math.ceil(compressed.length / IDAT_CHUNK_SIZE));
  let size = 8 + 25 + compressed.length + 12 * idatChunks + 12;
  const alpha = paletteAlpha && paletteAlpha.length > 0 ? paletteAlpha : undefined;
  if (colorType === 3) size += 12 + palette!.length + (alpha ? 12 + alpha.length : 0);
  const out = new Uint8Array(size);
  out.set(SIGNATURE, 0);
  let p = 8;
  const chunk = (type: string, body: Uint8Array | null, length: number, fill?: (at: number) => void) => {
    writeU32(out, p, length);
    for (let i = 0; i < 4; i++) out[p + 4 + i] = type.charCodeAt(i);
    if (body) out.set(body, p + 8);
    else fill?.(p + 8);
    writeU32(out, p + 8 + length, crc32(out, p + 4, p + 8 + length));
    p += 12 + length;
  };
  chunk('IHDR', null, 13, (at) => {
    writeU32(out, at, width);
    writeU32(out, at + 4, height);
    out[at + 8] = bitDepth;
    out[at + 9] = colorType;
    // compression, filter method and interlace stay 0
  });
  if (colorType === 3) {
    chunk('PLTE', palette!, palette!.length);
    if (alpha) chunk('tRNS', alpha, alpha.length);
  }
  for (let i = 0; i < idatChunks; i++) {
    const part = compressed.subarray(i * IDAT_CHUNK_SIZE, (i + 1) * IDAT_CHUNK_SIZE);
    chunk('IDAT', part, part.length);
  }
  chunk('IEND', null, 0);
  return out;
}

/** Absolute value of a filtered byte read as signed. */
const SIGNED_ABS = (() => {
  const t = new Uint8Array(256);
  for (let v = 0; v < 256; v++) t[v] = v < 128 ? v : 256 - v;
  return t;
})();

/**
 * Sum of the filtered bytes read as signed values; gives up (returning >= limit) once it
 * reaches `limit`. One loop per filter keeps the switch out of the hot loop.
 */
function filterCost(
  type: PngFilter,
  s: Uint8Array,
  cur: number,
  prev: number,
  n: number,
  bpp: number,
  limit: number,
): number {
  const A = SIGNED_ABS;
  let sum = 0;
  // Checking the limit every 256 bytes keeps the early exit cheap.
  for (let start = 0; start < n && sum < limit; start += 256) {
    const end = Math.min(n, start + 256);
    switch (type) {
      case 0:
        for (let i = start; i < end; i++) sum += A[s[cur + i]];
        break;
      case 1:
        for (let i = start; i < end; i++) sum += A[(s[cur + i] - (i >= bpp ? s[cur + i - bpp] : 0)) & 255];
        break;
      case 2:
        for (let i = start; i < end; i++) sum += A[(s[cur + i] - s[prev + i]) & 255];
        break;
      case 3:
        for (let i = start; i < end; i++) {
          sum += A[(s[cur + i] - (((i >= bpp ? s[cur + i - bpp] : 0) + s[prev + i]) >> 1)) & 255];
        }
        break;
      case 4:
        for (let i = start; i < end; i++) {
          const pred = i >= bpp ? paeth(s[cur + i - bpp], s[prev + i], s[prev + i - bpp]) : s[prev + i];
          sum += A[(s[cur + i] - pred) & 255];
        }
        break;
    }
  }
  return sum;
}

function paeth(a: number, b: number, c: number): number {
  const pa = b > c ? b - c : c - b;
  const pb = a > c ? a - c : c - a;
  const t = a + b - 2 * c;
  const pc = t < 0 ? -t : t;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function applyFilter(
  type: PngFilter,
  s: Uint8Array,
  cur: number,
  prev: number,
  n: number,
  bpp: number,
  out: Uint8Array,
  o: number,
): void {
  // Stores into a Uint8Array wrap modulo 256, which is what the filters define.
  switch (type) {
    case 0:
      out.set(s.subarray(cur, cur + n), o);
      break;
    case 1:
      for (let i = 0; i < bpp; i++) out[o + i] = s[cur + i];
      for (let i = bpp; i < n; i++) out[o + i] = s[cur + i] - s[cur + i - bpp];
      break;
    case 2:
      if (prev < 0) out.set(s.subarray(cur, cur + n), o);
      else for (let i = 0; i < n; i++) out[o + i] = s[cur + i] - s[prev + i];
      break;
    case 3:
      if (prev < 0) {
        for (let i = 0; i < bpp; i++) out[o + i] = s[cur + i];
        for (let i = bpp; i < n; i++) out[o + i] = s[cur + i] - (s[cur + i - bpp] >> 1);
      } else {
        for (let i = 0; i < bpp; i++) out[o + i] = s[cur + i] - (s[prev + i] >> 1);
        for (let i = bpp; i < n; i++) out[o + i] = s[cur + i] - ((s[cur + i - bpp] + s[prev + i]) >> 1);
      }
      break;
    case 4:
      if (prev < 0) {
        for (let i = 0; i < bpp; i++) out[o + i] = s[cur + i];
        for (let i = bpp; i < n; i++) out[o + i] = s[cur + i] - s[cur + i - bpp];
      } else {
        for (let i = 0; i < bpp; i++) out[o + i] = s[cur + i] - s[prev + i];
        for (let i = bpp; i < n; i++) {
          out[o + i] = s[cur + i] - paeth(s[cur + i - bpp], s[prev + i], s[prev + i - bpp]);
        }
      }
      break;
  }
}
