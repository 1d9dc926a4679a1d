import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePng, encodePng, PngError, readPngHeader, type PngColorType, type PngImage } from '../../src/core/png';

// ---------------------------------------------------------------------------------------------
// Helpers: an independent chunk writer/reader (own CRC, node's zlib) so hand-made files do not
// depend on the code under test.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const SIG = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function ihdr(width: number, height: number, bitDepth: number, colorType: number, interlace = 0): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b[8] = bitDepth;
  b[9] = colorType;
  b[12] = interlace;
  return chunk('IHDR', b);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

interface HandmadeOptions {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace?: number;
  /** Filtered scanlines (filter byte + row bytes), uncompressed. */
  raw: Uint8Array;
  palette?: Uint8Array;
  trns?: Uint8Array;
  /** Split the zlib stream into IDAT chunks of this many bytes. */
  idatSize?: number;
  /** Ancillary chunks before the first and after the last IDAT. */
  before?: Uint8Array[];
  after?: Uint8Array[];
}

function handmadePng(o: HandmadeOptions): Uint8Array {
  const z = deflateSync(o.raw);
  const idats: Uint8Array[] = [];
  const size = o.idatSize ?? z.length;
  for (let i = 0; i < z.length; i += size) idats.push(chunk('IDAT', z.subarray(i, i + size)));
  return concat([
    SIG,
    ihdr(o.width, o.height, o.bitDepth, o.colorType, o.interlace ?? 0),
    ...(o.before ?? []),
    ...(o.palette ? [chunk('PLTE', o.palette)] : []),
    ...(o.trns ? [chunk('tRNS', o.trns)] : []),
    ...idats,
    ...(o.after ?? []),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** Packs single-channel samples (depth <= 8) MSB first, one filter byte per row (0 none, 1 sub, 2 up, bpp 1). */
function packScanlines(values: Uint8Array, w: number, h: number, depth: number, filter: 0 | 1 | 2): Uint8Array {
  const rowBytes = Math.ceil((w * depth) / 8);
  const rows: Uint8Array[] = [];
  let prev = new Uint8Array(rowBytes);
  for (let y = 0; y < h; y++) {
    const row = new Uint8Array(rowBytes);
    for (let x = 0; x < w; x++) {
      const bit = x * depth;
      row[bit >> 3] |= values[y * w + x] << (8 - depth - (bit & 7));
    }
    const out = new Uint8Array(rowBytes + 1);
    out[0] = filter;
    for (let i = 0; i < rowBytes; i++) {
      const pred = filter === 1 ? (i > 0 ? row[i - 1] : 0) : filter === 2 ? prev[i] : 0;
      out[i + 1] = (row[i] - pred) & 255;
    }
    rows.push(out);
    prev = row;
  }
  return concat(rows);
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Adam7 sub-images packed one after another; empty passes contribute nothing. */
function adam7Scanlines(values: Uint8Array, w: number, h: number, depth: number, filter: 0 | 1 | 2): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const pw = Math.ceil((w - x0) / dx);
    const ph = Math.ceil((h - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const sub = new Uint8Array(pw * ph);
    for (let j = 0; j < ph; j++) for (let i = 0; i < pw; i++) sub[j * pw + i] = values[(y0 + j * dy) * w + x0 + i * dx];
    parts.push(packScanlines(sub, pw, ph, depth, filter));
  }
  return concat(parts);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomInts(n: number, below: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * below));
}

/** Smooth-ish content with noise so filters and deflate see realistic data. */
function samples8(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, (_, i) => ((i * 3) % 251) ^ (r() < 0.2 ? Math.floor(r() * 256) : 0));
}

function samples16(n: number, seed: number): Uint16Array {
  const r = rng(seed);
  return Uint16Array.from({ length: n }, (_, i) => (i * 977 + Math.floor(r() * 4096)) & 0xffff);
}

interface Chunk {
  type: string;
  start: number;
  length: number;
}

function chunksOf(png: Uint8Array): Chunk[] {
  const b = Buffer.from(png.buffer, png.byteOffset, png.length);
  const out: Chunk[] = [];
  for (let p = 8; p + 8 <= b.length; ) {
    const length = b.readUInt32BE(p);
    out.push({ type: b.toString('latin1', p + 4, p + 8), start: p, length });
    p += 12 + length;
  }
  return out;
}

/** The filter byte of each row of a non-interlaced PNG, read with node's zlib. */
function filterBytes(png: Uint8Array, rowBytes: number): number[] {
  const idat = concat(
    chunksOf(png)
      .filter((c) => c.type === 'IDAT')
      .map((c) => png.subarray(c.start + 8, c.start + 8 + c.length)),
  );
  const raw = inflateSync(idat);
  const out: number[] = [];
  for (let p = 0; p < raw.length; p += rowBytes + 1) out.push(raw[p]);
  return out;
}

/** sharp's raw output; gray files need an explicit colourspace or sharp converts them to sRGB. */
async function sharpRaw(png: Uint8Array, sixteen = false) {
  let s = sharp(png);
  const colorType = png[25];
  // sharp keeps alpha only when it converts gray+alpha to sRGB; collapsed again below.
  if (colorType === 0) s = s.toColourspace(sixteen ? 'grey16' : 'b-w');
  else if (sixteen) s = s.toColourspace('rgb16');
  s = sixteen ? s.raw({ depth: 'ushort' }) : s.raw();
  const { data, info } = await s.toBuffer({ resolveWithObject: true });
  let samples: Uint8Array | Uint16Array = sixteen
    ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
    : new Uint8Array(data);
  let channels = info.channels;
  if (colorType === 4) {
    assert.equal(channels, 4);
    const n = info.width * info.height;
    const ga = sixteen ? new Uint16Array(n * 2) : new Uint8Array(n * 2);
    for (let i = 0; i < n; i++) {
      const [r, g, b, a] = samples.subarray(i * 4, i * 4 + 4);
      assert.ok(r === g && g === b, `gray+alpha pixel ${i} expanded to a gray colour`);
      ga[i * 2] = r;
      ga[i * 2 + 1] = a;
    }
    samples = ga;
    channels = 2;
  }
  return { samples, channels, width: info.width, height: info.height };
}

/** Palette images as RGB(A) samples, the way libpng expands them. */
function expandPalette(img: PngImage, withAlpha: boolean): Uint8Array {
  const c = withAlpha ? 4 : 3;
  const out = new Uint8Array(img.width * img.height * c);
  for (let i = 0; i < img.width * img.height; i++) {
    const idx = img.data[i];
    out.set(img.palette!.subarray(idx * 3, idx * 3 + 3), i * c);
    if (withAlpha) out[i * c + 3] = img.paletteAlpha && idx < img.paletteAlpha.length ? img.paletteAlpha[idx] : 255;
  }
  return out;
}

function assertSamples(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: sample count`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: sample ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

function throwsPng(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PngError, `expected PngError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

const SIZES: [number, number][] = [
  [1, 1],
  [1, 7],
  [13, 1],
  [37, 23],
  [130, 65],
];

// ---------------------------------------------------------------------------------------------
// Decoding files written by libvips/libpng (sharp)

test('decodes 8-bit grayscale PNGs written by sharp', async () => {
  for (const [w, h] of SIZES) {
    const input = samples8(w * h, w + h);
    const png = await sharp(input, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png({ adaptiveFiltering: true })
      .toBuffer();
    const img = decodePng(png);
    assert.deepEqual([img.width, img.height, img.colorType, img.bitDepth, img.channels], [w, h, 0, 8, 1]);
    assert.ok(img.data instanceof Uint8Array);
    assertSamples(img.data, input, `${w}x${h}`);
    assertSamples(img.data, (await sharpRaw(png)).samples, `${w}x${h} vs sharp`);
  }
});

test('decodes 16-bit grayscale PNGs written by sharp', async () => {
  for (const [w, h] of SIZES) {
    const input = samples16(w * h, w * h);
    const png = await sharp(input, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    const img = decodePng(png);
    assert.deepEqual([img.colorType, img.bitDepth, img.channels], [0, 16, 1]);
    assert.ok(img.data instanceof Uint16Array);
    assertSamples(img.data, input, `${w}x${h}`);
  }
});

test('decodes 8-bit RGB, RGBA and gray+alpha PNGs written by sharp', async () => {
  for (const [channels, colorType] of [
    [3, 2],
    [4, 6],
    [2, 4],
  ] as const) {
    for (const [w, h] of SIZES) {
      const input = samples8(w * h * channels, channels * 100 + w);
      let s = sharp(input, { raw: { width: w, height: h, channels } });
      if (channels === 2) s = s.toColourspace('b-w');
      const png = await s.png({ adaptiveFiltering: true }).toBuffer();
      const img = decodePng(png);
      assert.deepEqual([img.colorType, img.bitDepth, img.channels], [colorType, 8, channels]);
      assertSamples(img.data, input, `${channels} channels ${w}x${h}`);
      const ref = await sharpRaw(png);
      assert.equal(ref.channels, channels);
      assertSamples(img.data, ref.samples, `${channels} channels ${w}x${h} vs sharp`);
    }
  }
});

test('decodes 16-bit RGB and RGBA PNGs written by sharp', async () => {
  for (const [channels, colorType] of [
    [3, 2],
    [4, 6],
  ] as const) {
    const [w, h] = [29, 11];
    const input = samples16(w * h * channels, channels);
    const png = await sharp(input, { raw: { width: w, height: h, channels } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const img = decodePng(png);
    assert.deepEqual([img.colorType, img.bitDepth, img.channels], [colorType, 16, channels]);
    assertSamples(img.data, input, `${channels} channels`);
  }
});

test('decodes palette PNGs (8, 4, 2 and 1 bit) written by sharp', async () => {
  for (const [colours, depth] of [
    [256, 8],
    [16, 4],
    [4, 2],
    [2, 1],
  ] as const) {
    for (const [w, h] of [
      [1, 1],
      [5, 3],
      [37, 23],
      [101, 40],
    ]) {
      const input = samples8(w * h * 3, colours + w);
      const png = await sharp(input, { raw: { width: w, height: h, channels: 3 } })
        .png({ palette: true, colours, dither: 0 })
        .toBuffer();
      const img = decodePng(png);
      assert.deepEqual([img.colorType, img.bitDepth, img.channels], [3, depth, 1]);
      assert.ok(img.palette && img.palette.length % 3 === 0 && img.palette.length <= colours * 3);
      const ref = await sharpRaw(png);
      assert.equal(ref.channels, 3);
      assertSamples(expandPalette(img, false), ref.samples, `${depth}-bit palette ${w}x${h}`);
    }
  }
});

test('decodes palette PNGs with transparency (tRNS) written by sharp', async () => {
  const [w, h] = [31, 17];
  const input = samples8(w * h * 4, 7);
  for (let i = 0; i < w * h; i++) input[i * 4 + 3] = i % 3 === 0 ? 0 : 255;
  const png = await sharp(input, { raw: { width: w, height: h, channels: 4 } })
    .png({ palette: true, dither: 0 })
    .toBuffer();
  const img = decodePng(png);
  assert.equal(img.colorType, 3);
  assert.ok(img.paletteAlpha && img.paletteAlpha.includes(0), 'tRNS holds a transparent entry');
  const ref = await sharpRaw(png);
  assert.equal(ref.channels, 4);
  assertSamples(expandPalette(img, true), ref.samples, 'RGBA via palette');
});

test('decodes interlaced (Adam7) PNGs written by sharp', async () => {
  const sizes: [number, number][] = [[1, 1], [2, 3], [3, 2], [5, 5], [9, 9], [37, 23], [64, 33]];
  for (const [w, h] of sizes) {
    const cases: { name: string; png: Buffer; expect: (img: PngImage) => Promise<void> }[] = [];
    const gray = samples8(w * h, 1);
    cases.push({
      name: 'gray8',
      png: await sharp(gray, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png({ progressive: true }).toBuffer(),
      expect: async (img) => assertSamples(img.data, gray, `gray8 ${w}x${h}`),
    });
    const gray16 = samples16(w * h, 2);
    cases.push({
      name: 'gray16',
      png: await sharp(gray16, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png({ progressive: true }).toBuffer(),
      expect: async (img) => assertSamples(img.data, gray16, `gray16 ${w}x${h}`),
    });
    const rgba = samples8(w * h * 4, 3);
    cases.push({
      name: 'rgba8',
      png: await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png({ progressive: true }).toBuffer(),
      expect: async (img) => assertSamples(img.data, rgba, `rgba8 ${w}x${h}`),
    });
    const rgb = samples8(w * h * 3, 4);
    const pal2 = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png({ progressive: true, colours: 4, dither: 0 }).toBuffer();
    cases.push({
      name: 'palette2',
      png: pal2,
      expect: async (img) => {
        assert.equal(img.bitDepth, 2);
        assertSamples(expandPalette(img, false), (await sharpRaw(pal2)).samples, `palette2 ${w}x${h}`);
      },
    });
    for (const c of cases) {
      assert.equal(c.png[28], 1, `${c.name}: sharp wrote an interlaced file`);
      const img = decodePng(c.png);
      assert.deepEqual([img.width, img.height], [w, h]);
      await c.expect(img);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Hand-made files: sub-byte depths, several IDAT chunks, ancillary chunks

test('decodes hand-made 1/2/4-bit grayscale and palette PNGs, plain and interlaced, as sharp does', async () => {
  let checked = 0;
  for (const depth of [1, 2, 4]) {
    const max = (1 << depth) - 1;
    for (const colorType of [0, 3]) {
      for (const interlace of [0, 1]) {
        for (const filter of [0, 1, 2] as const) {
          for (const [w, h] of [
            [1, 1],
            [3, 2],
            [5, 9],
            [13, 7],
            [31, 4],
          ]) {
            const values = Uint8Array.from(randomInts(w * h, max + 1, w * 31 + h + depth));
            const raw = interlace
              ? adam7Scanlines(values, w, h, depth, filter)
              : packScanlines(values, w, h, depth, filter);
            const palette =
              colorType === 3 ? Uint8Array.from(randomInts((max + 1) * 3, 256, depth * 7 + w)) : undefined;
            const png = handmadePng({ width: w, height: h, bitDepth: depth, colorType, interlace, raw, palette });
            const what = `${depth}-bit ${colorType === 3 ? 'palette' : 'gray'} ${w}x${h} interlace ${interlace} filter ${filter}`;
            const img = decodePng(png);
            assert.deepEqual([img.colorType, img.bitDepth, img.channels], [colorType, depth, 1], what);
            assert.ok(img.data instanceof Uint8Array);
            assertSamples(img.data, values, what);
            const ref = await sharpRaw(png);
            if (colorType === 3) {
              assertSamples(expandPalette(img, false), ref.samples, `${what} vs sharp`);
            } else {
              // libpng scales sub-byte gray to 8 bits; the codec keeps the raw values.
              assertSamples(
                Array.from(img.data, (v) => (v * 255) / max),
                ref.samples,
                `${what} vs sharp`,
              );
            }
            checked++;
          }
        }
      }
    }
  }
  assert.equal(checked, 3 * 2 * 2 * 3 * 5);
});

test('decodes a zlib stream split over many IDAT chunks with ancillary chunks around them', () => {
  const [w, h] = [23, 19];
  const values = samples8(w * h * 3, 9);
  const rows: Uint8Array[] = [];
  for (let y = 0; y < h; y++) rows.push(Uint8Array.of(0), values.subarray(y * w * 3, (y + 1) * w * 3));
  const png = handmadePng({
    width: w,
    height: h,
    bitDepth: 8,
    colorType: 2,
    raw: concat(rows),
    idatSize: 7,
    palette: Uint8Array.of(1, 2, 3, 4, 5, 6), // a suggested palette, legal in RGB files
    before: [chunk('tEXt', Buffer.from('Comment\0hello')), chunk('gAMA', Uint8Array.of(0, 0, 177, 143))],
    after: [chunk('tIME', Uint8Array.of(7, 233, 1, 2, 3, 4, 5)), chunk('zzZz', Uint8Array.of(1, 2, 3))],
  });
  assert.ok(chunksOf(png).filter((c) => c.type === 'IDAT').length > 10);
  const img = decodePng(png);
  assertSamples(img.data, values, 'rgb');
  assert.equal(img.palette, undefined, 'the palette only describes palette images');
});

// ---------------------------------------------------------------------------------------------
// Encoding

const ENCODE_CASES: { colorType: PngColorType; bitDepth: 8 | 16; channels: number }[] = [
  { colorType: 0, bitDepth: 8, channels: 1 },
  { colorType: 0, bitDepth: 16, channels: 1 },
  { colorType: 2, bitDepth: 8, channels: 3 },
  { colorType: 2, bitDepth: 16, channels: 3 },
  { colorType: 4, bitDepth: 8, channels: 2 },
  { colorType: 4, bitDepth: 16, channels: 2 },
  { colorType: 6, bitDepth: 8, channels: 4 },
  { colorType: 6, bitDepth: 16, channels: 4 },
];

test('PNGs written by encodePng read back identically with sharp (libpng)', async () => {
  for (const c of ENCODE_CASES) {
    for (const [w, h] of SIZES) {
      const n = w * h * c.channels;
      const data = c.bitDepth === 16 ? samples16(n, w + h) : samples8(n, w + h);
      const png = encodePng({ width: w, height: h, colorType: c.colorType, bitDepth: c.bitDepth, data });
      const ref = await sharpRaw(png, c.bitDepth === 16);
      const what = `colour type ${c.colorType} ${c.bitDepth}-bit ${w}x${h}`;
      assert.deepEqual([ref.width, ref.height, ref.channels], [w, h, c.channels], what);
      assertSamples(ref.samples, data, what);
    }
  }
});

test('palette PNGs written by encodePng (with and without tRNS) read back with sharp', async () => {
  const [w, h] = [41, 13];
  const palette = Uint8Array.from(randomInts(200 * 3, 256, 5));
  const data = Uint8Array.from(randomInts(w * h, 200, 6));
  for (const paletteAlpha of [undefined, Uint8Array.from(randomInts(150, 256, 8))]) {
    const png = encodePng({ width: w, height: h, colorType: 3, bitDepth: 8, data, palette, paletteAlpha });
    const img = decodePng(png);
    assertSamples(img.data, data, 'indices');
    assertSamples(img.palette!, palette, 'palette');
    if (paletteAlpha) assertSamples(img.paletteAlpha!, paletteAlpha, 'tRNS');
    else assert.equal(img.paletteAlpha, undefined);
    const ref = await sharpRaw(png);
    assert.equal(ref.channels, paletteAlpha ? 4 : 3);
    assertSamples(ref.samples, expandPalette(img, !!paletteAlpha), 'sharp expansion');
  }
});

test('every filter type round-trips through encodePng, decodePng and sharp, for odd widths, 1x1 and one row', async () => {
  const shapes: [number, number][] = [[1, 1], [17, 1], [1, 9], [3, 3], [37, 23], [64, 8]];
  for (const filter of [0, 1, 2, 3, 4] as const) {
    for (const c of ENCODE_CASES) {
      for (const [w, h] of shapes) {
        const n = w * h * c.channels;
        const data = c.bitDepth === 16 ? samples16(n, filter * 13 + w) : samples8(n, filter * 13 + w);
        const png = encodePng({ width: w, height: h, colorType: c.colorType, bitDepth: c.bitDepth, data }, { filter });
        const what = `filter ${filter} colour type ${c.colorType} ${c.bitDepth}-bit ${w}x${h}`;
        const rowBytes = (w * c.channels * c.bitDepth) / 8;
        assert.deepEqual(filterBytes(png, rowBytes), new Array(h).fill(filter), `${what}: filter bytes`);
        const img = decodePng(png);
        assert.deepEqual([img.width, img.height, img.colorType, img.bitDepth], [w, h, c.colorType, c.bitDepth]);
        assertSamples(img.data, data, what);
        assertSamples((await sharpRaw(png, c.bitDepth === 16)).samples, data, `${what} via sharp`);
      }
    }
  }
});

test('adaptive filtering picks different filters per row and stays lossless', async () => {
  const [w, h] = [96, 48];
  const data = new Uint8Array(w * h * 3);
  const r = rng(3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w * 3; x++) {
      // Horizontal ramps, vertical ramps, noise and flat bands favour different filters.
      const band = (y >> 3) % 4;
      data[y * w * 3 + x] = band === 0 ? x : band === 1 ? y * 5 : band === 2 ? Math.floor(r() * 256) : 77;
    }
  }
  const png = encodePng({ width: w, height: h, colorType: 2, bitDepth: 8, data }, { filter: 'adaptive' });
  const used = new Set(filterBytes(png, w * 3));
  assert.ok(used.size >= 3, `filters used: ${[...used]}`);
  assertSamples(decodePng(png).data, data, 'decodePng');
  assertSamples((await sharpRaw(png)).samples, data, 'sharp');
  // The default for non-palette images is the same heuristic.
  assert.deepEqual(encodePng({ width: w, height: h, colorType: 2, bitDepth: 8, data }), png);
});

test('palette images default to the up filter', () => {
  const [w, h] = [10, 6];
  const png = encodePng({
    width: w,
    height: h,
    colorType: 3,
    bitDepth: 8,
    data: Uint8Array.from(randomInts(w * h, 3, 1)),
    palette: new Uint8Array(9),
  });
  assert.deepEqual(filterBytes(png, w), new Array(h).fill(2));
});

test('compression level changes the output but not the pixels', () => {
  const [w, h] = [64, 64];
  const data = samples8(w * h, 4);
  const fast = encodePng({ width: w, height: h, colorType: 0, bitDepth: 8, data }, { level: 0 });
  const best = encodePng({ width: w, height: h, colorType: 0, bitDepth: 8, data }, { level: 9 });
  assert.ok(fast.length > best.length, `level 0 ${fast.length} bytes vs level 9 ${best.length}`);
  assertSamples(decodePng(fast).data, data, 'level 0');
  assertSamples(decodePng(best).data, data, 'level 9');
});

test('encodePng rejects inconsistent input', () => {
  const base = { width: 3, height: 2, colorType: 0 as const, bitDepth: 8 as const, data: new Uint8Array(6) };
  throwsPng(() => encodePng({ ...base, data: new Uint8Array(5) }), 'cannot encode PNG: data has 5 samples, expected 3x2x1 = 6');
  throwsPng(() => encodePng({ ...base, width: 0 }), 'cannot encode PNG: invalid image size 0x2');
  throwsPng(() => encodePng({ ...base, colorType: 3, palette: new Uint8Array(6), data: Uint8Array.of(0, 1, 0, 2, 0, 0) }),
    'cannot encode PNG: palette index 2 at (0, 1) has no palette entry (2 entries)');
  throwsPng(() => encodePng({ ...base, colorType: 3 }), 'cannot encode PNG: a palette image needs 1..256 RGB palette entries');
  throwsPng(() => encodePng({ ...base, colorType: 3, bitDepth: 16, palette: new Uint8Array(3) }), /unsupported bit depth 16 for colour type 3/);
  throwsPng(() => encodePng({ ...base, data: new Uint16Array(6) }), 'cannot encode PNG: 8-bit data must be a Uint8Array');
  throwsPng(() => encodePng(base, { level: 11 }), 'cannot encode PNG: compression level 11 is not 0..9');
});

// ---------------------------------------------------------------------------------------------
// Headers and corrupt files

test('readPngHeader reads IHDR only', async () => {
  const png = await sharp(samples16(7 * 5, 1), { raw: { width: 7, height: 5, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  assert.deepEqual(readPngHeader(png), { width: 7, height: 5, colorType: 0, bitDepth: 16 });
  assert.deepEqual(readPngHeader(png.subarray(0, 33)), { width: 7, height: 5, colorType: 0, bitDepth: 16 });
  throwsPng(() => readPngHeader(png.subarray(0, 30)), 'truncated PNG: chunk IHDR runs past the end of the file');
  throwsPng(() => readPngHeader(Buffer.from('GIF89a.............................')), 'not a PNG file (bad signature)');
  const bad = Buffer.from(png);
  bad[20] ^= 1;
  throwsPng(() => readPngHeader(bad), 'CRC mismatch in chunk IHDR');
});

async function samplePng(): Promise<Buffer> {
  return sharp(samples8(40 * 30 * 3, 2), { raw: { width: 40, height: 30, channels: 3 } }).png().toBuffer();
}

test('rejects a file that is not a PNG', () => {
  throwsPng(() => decodePng(new Uint8Array(0)), 'not a PNG file (bad signature)');
  throwsPng(() => decodePng(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0)), 'not a PNG file (bad signature)');
  throwsPng(() => decodePng(SIG.subarray(0, 7)), 'not a PNG file (bad signature)');
});

test('rejects truncated files, naming the chunk', async () => {
  const png = await samplePng();
  const idat = chunksOf(png).find((c) => c.type === 'IDAT')!;
  throwsPng(() => decodePng(png.subarray(0, idat.start + 8 + Math.floor(idat.length / 2))), 'truncated PNG: chunk IDAT runs past the end of the file');
  throwsPng(() => decodePng(png.subarray(0, 20)), 'truncated PNG: chunk IHDR runs past the end of the file');
  throwsPng(() => decodePng(png.subarray(0, idat.start + 3)), `truncated PNG: chunk header at byte ${idat.start} runs past the end of the file`);
  const iend = chunksOf(png).find((c) => c.type === 'IEND')!;
  throwsPng(() => decodePng(png.subarray(0, iend.start)), /^truncated PNG: no IEND chunk/);
  throwsPng(() => decodePng(SIG), 'truncated PNG: chunk IHDR runs past the end of the file');
});

test('rejects CRC mismatches, naming the chunk', async () => {
  const png = await samplePng();
  const idat = chunksOf(png).find((c) => c.type === 'IDAT')!;
  const bad = Buffer.from(png);
  bad[idat.start + 8 + 5] ^= 0x10;
  throwsPng(() => decodePng(bad), 'CRC mismatch in chunk IDAT');
  const badHeader = Buffer.from(png);
  badHeader[17] ^= 1;
  throwsPng(() => decodePng(badHeader), 'CRC mismatch in chunk IHDR');
  // The untouched file decodes, so the failures above come from the flipped bits.
  assert.equal(decodePng(png).width, 40);
});

test('rejects malformed content with valid CRCs', () => {
  const row = (filter: number) => Uint8Array.of(filter, 1, 2, 3);
  const gray3x1 = (raw: Uint8Array, extra: Partial<HandmadeOptions> = {}) =>
    handmadePng({ width: 3, height: 1, bitDepth: 8, colorType: 0, raw, ...extra });
  assert.deepEqual(Array.from(decodePng(gray3x1(row(0))).data), [1, 2, 3]);
  throwsPng(() => decodePng(gray3x1(row(7))), 'corrupt PNG: invalid filter type 7 in row 0');
  throwsPng(() => decodePng(gray3x1(Uint8Array.of(0, 1))), 'corrupt PNG: image data holds 2 bytes, expected 4');
  throwsPng(() => decodePng(handmadePng({ width: 3, height: 1, bitDepth: 4, colorType: 2, raw: row(0) })),
    'unsupported PNG: bit depth 4 with colour type 2 (RGB)');
  throwsPng(() => decodePng(handmadePng({ width: 3, height: 1, bitDepth: 8, colorType: 5, raw: row(0) })), 'unsupported PNG: colour type 5');
  throwsPng(() => decodePng(handmadePng({ width: 3, height: 1, bitDepth: 8, colorType: 0, interlace: 2, raw: row(0) })),
    'unsupported PNG: interlace method 2');
  throwsPng(() => decodePng(handmadePng({ width: 0, height: 1, bitDepth: 8, colorType: 0, raw: row(0) })),
    'corrupt PNG: invalid image size 0x1 in IHDR');
  throwsPng(() => decodePng(handmadePng({ width: 3, height: 1, bitDepth: 8, colorType: 3, raw: row(0) })),
    'corrupt PNG: palette image without PLTE chunk');
  throwsPng(() => decodePng(gray3x1(row(0), { before: [chunk('ABCD', new Uint8Array(2))] })), 'unsupported critical chunk ABCD');
  // An IDAT whose CRC is right but whose content is not a zlib stream.
  const garbage = concat([SIG, ihdr(3, 1, 8, 0), chunk('IDAT', Uint8Array.of(0x78, 0x9c, 0xff, 0xff, 0xff, 0xff)), chunk('IEND', new Uint8Array(0))]);
  throwsPng(() => decodePng(garbage), 'corrupt PNG: image data does not decompress (empty zlib stream)');
  const badBlock = concat([SIG, ihdr(3, 1, 8, 0), chunk('IDAT', Uint8Array.of(0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)), chunk('IEND', new Uint8Array(0))]);
  throwsPng(() => decodePng(badBlock), /^corrupt PNG: image data does not decompress \(.+\)$/);
  const notZlib = concat([SIG, ihdr(3, 1, 8, 0), chunk('IDAT', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9)), chunk('IEND', new Uint8Array(0))]);
  throwsPng(() => decodePng(notZlib), /^corrupt PNG: image data does not decompress \(.+\)$/);
  const noIhdr = concat([SIG, chunk('IDAT', deflateSync(row(0))), chunk('IEND', new Uint8Array(0))]);
  throwsPng(() => decodePng(noIhdr), 'corrupt PNG: first chunk is IDAT, expected IHDR');
  const noIdat = concat([SIG, ihdr(3, 1, 8, 0), chunk('IEND', new Uint8Array(0))]);
  throwsPng(() => decodePng(noIdat), 'corrupt PNG: no IDAT chunk');
});

// ---------------------------------------------------------------------------------------------
// Speed (logged, not asserted)

test('encodes and decodes a 4096x4096 8-bit mask', (t) => {
  const W = 4096;
  const H = 4096;
  const ids = new Uint8Array(W * H);
  const r = rng(11);
  for (let k = 0; k < 300; k++) {
    const cx = r() * W;
    const cy = r() * H;
    const rad = 20 + r() * 300;
    const id = 1 + (k % 20);
    for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(H, cy + rad); y++) {
      const dx = Math.sqrt(Math.max(0, rad * rad - (y - cy) ** 2));
      ids.fill(id, y * W + Math.max(0, Math.floor(cx - dx)), y * W + Math.min(W, Math.ceil(cx + dx)));
    }
  }
  const palette = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i * 37) & 255);
  const image = { width: W, height: H, colorType: 3 as const, bitDepth: 8 as const, data: ids, palette };
  for (const filter of ['auto', 0, 'adaptive'] as const) {
    let t0 = performance.now();
    const png = encodePng(image, { filter });
    const encodeMs = performance.now() - t0;
    t0 = performance.now();
    const img = decodePng(png);
    const decodeMs = performance.now() - t0;
    assert.ok(Buffer.from(img.data).equals(ids), `filter ${filter}: pixels differ`);
    t.diagnostic(
      `4096x4096 palette mask, filter ${filter}: encode ${encodeMs.toFixed(0)} ms, decode ${decodeMs.toFixed(0)} ms, ${png.length} bytes`,
    );
  }
});
