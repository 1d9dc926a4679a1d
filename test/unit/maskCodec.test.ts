import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { ClassDef } from '../../src/core/classes';
import { IGNORE_COLOR, parseHexColor } from '../../src/core/color';
import {
  decodeInstancePng,
  decodeMaskPng,
  encodeInstancePng,
  encodeMaskPng,
  findUnknownIds,
  MaskFormatError,
  type MaskOptions,
} from '../../src/core/maskCodec';
import { decodePng, encodePng, readPngHeader } from '../../src/core/png';

// Ids 3, 4 and 6 are deliberately unused: their palette entries must stay black.
const CLASSES: ClassDef[] = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 1, name: 'road', color: '#804080' },
  { id: 2, name: 'car', color: '#00008e' },
  { id: 5, name: 'person', color: '#dc143c' },
  { id: 7, name: 'tree', color: '#6b8e23' },
];
const OPTIONS: MaskOptions = { classes: CLASSES, ignoreIndex: 255 };
const LABELS = [0, 1, 2, 5, 7, 255];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomIds(n: number, choices: readonly number[], seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => choices[Math.floor(r() * choices.length)]);
}

function rgbOf(hex: string): [number, number, number] {
  const rgb = parseHexColor(hex);
  assert.ok(rgb, hex);
  return [rgb[0], rgb[1], rgb[2]];
}

function colourOfId(id: number): [number, number, number] {
  if (id === OPTIONS.ignoreIndex) return rgbOf(IGNORE_COLOR);
  return rgbOf(CLASSES.find((c) => c.id === id)!.color);
}

async function sharpRgb(png: Uint8Array): Promise<{ data: Buffer; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, channels: info.channels };
}

function throwsMask(fn: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MaskFormatError, `expected MaskFormatError, got ${String(e)}`);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `'${e.message}' should mention '${p}'`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

function assertIds(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: pixel count`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: pixel ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

test('encodeMaskPng -> decodeMaskPng returns the same ids', () => {
  for (const [w, h] of [
    [1, 1],
    [1, 9],
    [17, 1],
    [37, 23],
    [200, 111],
  ]) {
    const ids = randomIds(w * h, LABELS, w * h);
    const decoded = decodeMaskPng(encodeMaskPng(ids, w, h, OPTIONS), OPTIONS);
    assert.deepEqual([decoded.width, decoded.height, decoded.encoding], [w, h, 'palette']);
    assertIds(decoded.ids, ids, `${w}x${h}`);
  }
});

test('written masks are 8-bit palette PNGs: indices are the ids, the palette holds class colours', async () => {
  const [w, h] = [45, 29];
  const ids = randomIds(w * h, LABELS, 3);
  const png = encodeMaskPng(ids, w, h, OPTIONS);
  assert.deepEqual(readPngHeader(png), { width: w, height: h, colorType: 3, bitDepth: 8 });
  const img = decodePng(png);
  assertIds(img.data, ids, 'palette indices');
  assert.equal(img.palette!.length, 256 * 3, 'ignore pixels need the palette up to 255');
  for (const c of CLASSES) assert.deepEqual(Array.from(img.palette!.subarray(c.id * 3, c.id * 3 + 3)), rgbOf(c.color), c.name);
  assert.deepEqual(Array.from(img.palette!.subarray(255 * 3)), rgbOf(IGNORE_COLOR));
  for (const unused of [3, 4, 6, 8, 100, 254]) {
    assert.deepEqual(Array.from(img.palette!.subarray(unused * 3, unused * 3 + 3)), [0, 0, 0], `entry ${unused}`);
  }
  // Any viewer (here libpng through sharp) shows the class colours.
  const { data, channels } = await sharpRgb(png);
  assert.equal(channels, 3);
  for (let i = 0; i < w * h; i++) {
    assert.deepEqual(Array.from(data.subarray(i * 3, i * 3 + 3)), colourOfId(ids[i]), `pixel ${i} (id ${ids[i]})`);
  }
});

test('the palette is as long as the highest class id, ignore index or id present needs', () => {
  const [w, h] = [8, 4];
  const paletteLength = (ids: Uint8Array, options = OPTIONS) => decodePng(encodeMaskPng(ids, w, h, options)).palette!.length / 3;
  assert.equal(paletteLength(randomIds(w * h, [0, 1, 2], 1)), 8, 'highest class id 7');
  assert.equal(paletteLength(randomIds(w * h, [0, 1, 255], 1)), 256, 'ignore pixels present');
  const unknown = randomIds(w * h, [0, 1], 2);
  unknown[5] = 12;
  assert.equal(paletteLength(unknown), 13, 'an id without a class still gets an entry');
  assert.deepEqual(Array.from(decodePng(encodeMaskPng(unknown, w, h, OPTIONS)).palette!.subarray(36)), [0, 0, 0]);
  // A different ignore index gets the ignore colour.
  const custom: MaskOptions = { classes: CLASSES, ignoreIndex: 100 };
  const ids = randomIds(w * h, [0, 100], 3);
  const img = decodePng(encodeMaskPng(ids, w, h, custom));
  assert.equal(img.palette!.length / 3, 101);
  assert.deepEqual(Array.from(img.palette!.subarray(300, 303)), rgbOf(IGNORE_COLOR));
  assertIds(decodeMaskPng(encodeMaskPng(ids, w, h, custom), custom).ids, ids, 'ignore 100');
  throwsMask(() => encodeMaskPng(new Uint8Array(5), 2, 2, OPTIONS), 'mask has 5 pixels, expected 2x2 = 4');
  throwsMask(
    () => encodeMaskPng(new Uint8Array(4), 2, 2, { classes: [{ id: 300, name: 'big', color: '#ffffff' }], ignoreIndex: 255 }),
    "the id of class 'big' must be an integer in 0..255, not 300",
  );
});

test('reads 8-bit grayscale id masks and gray+alpha masks written by sharp', async () => {
  const [w, h] = [33, 21];
  const ids = randomIds(w * h, [0, 1, 2, 5, 7, 3, 255], 4);
  const gray = await sharp(ids, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.equal(readPngHeader(gray).colorType, 0);
  const decoded = decodeMaskPng(gray, OPTIONS);
  assert.equal(decoded.encoding, 'grayscale');
  assertIds(decoded.ids, ids, 'gray');

  const withAlpha = new Uint8Array(w * h * 2);
  for (let i = 0; i < w * h; i++) {
    withAlpha[i * 2] = ids[i];
    withAlpha[i * 2 + 1] = (i * 7) & 255;
  }
  const ga = await sharp(withAlpha, { raw: { width: w, height: h, channels: 2 } }).toColourspace('b-w').png().toBuffer();
  assert.equal(readPngHeader(ga).colorType, 4);
  const decodedGa = decodeMaskPng(ga, OPTIONS);
  assert.equal(decodedGa.encoding, 'grayscale');
  assertIds(decodedGa.ids, ids, 'gray+alpha');
});

test('reads 16-bit grayscale masks with small values, rejects instance-like ones', async () => {
  const [w, h] = [19, 7];
  const values = Uint16Array.from(randomIds(w * h, LABELS, 5));
  const png = await sharp(values, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  assert.equal(readPngHeader(png).bitDepth, 16);
  assertIds(decodeMaskPng(png, OPTIONS).ids, values, '16-bit ids');
  values[3 * w + 4] = 1000;
  const instances = encodePng({ width: w, height: h, colorType: 0, bitDepth: 16, data: values });
  throwsMask(() => decodeMaskPng(instances, OPTIONS), 'value 1000 at (4, 3)', 'instance map');
});

test('reads VOC-style palette masks: the palette index is the id, whatever the colours', async () => {
  // Pascal VOC colour map for the first entries, and 255 = void.
  const voc = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let bit = 0, c = i; bit < 8; bit++, c >>= 3) {
      r |= ((c >> 0) & 1) << (7 - bit);
      g |= ((c >> 1) & 1) << (7 - bit);
      b |= ((c >> 2) & 1) << (7 - bit);
    }
    voc.set([r, g, b], i * 3);
  }
  assert.deepEqual(Array.from(voc.subarray(3, 6)), [128, 0, 0]);
  const [w, h] = [30, 20];
  const ids = randomIds(w * h, [0, 1, 2, 5, 7, 15, 255], 6);
  const png = encodePng({ width: w, height: h, colorType: 3, bitDepth: 8, data: ids, palette: voc });
  const decoded = decodeMaskPng(png, OPTIONS);
  assert.equal(decoded.encoding, 'palette');
  assertIds(decoded.ids, ids, 'VOC ids');
});

test('reads low-bit-depth palette masks written by sharp', async () => {
  const [w, h] = [25, 13];
  const ids = randomIds(w * h, [0, 1, 2, 5], 7);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) rgb.set(colourOfId(ids[i]), i * 3);
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png({ colours: 4, dither: 0 }).toBuffer();
  assert.deepEqual([readPngHeader(png).colorType, readPngHeader(png).bitDepth], [3, 2]);
  const decoded = decodeMaskPng(png, OPTIONS);
  assert.equal(decoded.encoding, 'palette');
  // libimagequant numbers the entries its own way; each index must still map to one class colour.
  const palette = decodePng(png).palette!;
  for (let i = 0; i < w * h; i++) {
    const id = decoded.ids[i];
    assert.ok(id < 4, `2-bit index ${id}`);
    assert.deepEqual(Array.from(palette.subarray(id * 3, id * 3 + 3)), colourOfId(ids[i]), `pixel ${i}`);
  }
});

function colourMask(ids: Uint8Array, channels: 3 | 4): Uint8Array {
  const out = new Uint8Array(ids.length * channels);
  const colours = new Map<number, [number, number, number]>();
  for (let i = 0; i < ids.length; i++) {
    let c = colours.get(ids[i]);
    if (!c) colours.set(ids[i], (c = colourOfId(ids[i])));
    out[i * channels] = c[0];
    out[i * channels + 1] = c[1];
    out[i * channels + 2] = c[2];
    if (channels === 4) out[i * channels + 3] = (i * 13) & 255;
  }
  return out;
}

test('reads RGB and RGBA colour masks through the class colours', async () => {
  const [w, h] = [41, 27];
  const ids = randomIds(w * h, LABELS, 8);
  for (const channels of [3, 4] as const) {
    const png = await sharp(colourMask(ids, channels), { raw: { width: w, height: h, channels } }).png().toBuffer();
    assert.equal(readPngHeader(png).colorType, channels === 3 ? 2 : 6);
    const decoded = decodeMaskPng(png, OPTIONS);
    assert.equal(decoded.encoding, 'rgb');
    assertIds(decoded.ids, ids, `${channels} channels`);
  }
});

test('white means ignore in colour masks unless a class is white', () => {
  const [w, h] = [4, 1];
  const rgb = Uint8Array.of(255, 255, 255, 0, 0, 0, 0x80, 0x40, 0x80, 255, 255, 255);
  const png = encodePng({ width: w, height: h, colorType: 2, bitDepth: 8, data: rgb });
  assert.deepEqual(Array.from(decodeMaskPng(png, OPTIONS).ids), [255, 0, 1, 255]);
  const withWhite: MaskOptions = { classes: [...CLASSES, { id: 9, name: 'snow', color: '#FFFFFF' }], ignoreIndex: 255 };
  assert.deepEqual(Array.from(decodeMaskPng(png, withWhite).ids), [9, 0, 1, 9]);
});

test('16-bit colour masks decode when their colours are exact 8-bit colours', () => {
  const ids = randomIds(6 * 5, LABELS, 9);
  const rgb16 = Uint16Array.from(colourMask(ids, 3), (v) => v * 257);
  const png = encodePng({ width: 6, height: 5, colorType: 2, bitDepth: 16, data: rgb16 });
  assertIds(decodeMaskPng(png, OPTIONS).ids, ids, 'rgb16');
  rgb16[7 * 3 + 1] += 1;
  throwsMask(() => decodeMaskPng(encodePng({ width: 6, height: 5, colorType: 2, bitDepth: 16, data: rgb16 }), OPTIONS), 'at (1, 1)');
});

test('an unknown colour throws, naming the colour, its first pixel and its pixel count', async () => {
  const [w, h] = [20, 10];
  const ids = randomIds(w * h, [0, 1, 2], 10);
  const rgb = colourMask(ids, 3);
  const put = (x: number, y: number, c: number[]) => rgb.set(c, (y * w + x) * 3);
  put(5, 3, [0x12, 0x34, 0x56]);
  put(7, 4, [0x12, 0x34, 0x56]);
  put(0, 9, [0x12, 0x34, 0x56]);
  put(19, 8, [1, 2, 3]);
  const png = await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  throwsMask(
    () => decodeMaskPng(png, OPTIONS),
    'colour #123456 is not a class colour: first at (5, 3), 3 pixels; 1 other unknown colour too',
  );
  // One unknown pixel: singular, no "other colours" clause.
  put(5, 3, colourOfId(0));
  put(7, 4, colourOfId(0));
  put(0, 9, colourOfId(0));
  const one = encodePng({ width: w, height: h, colorType: 2, bitDepth: 8, data: rgb });
  assert.throws(() => decodeMaskPng(one, OPTIONS), {
    name: 'MaskFormatError',
    message: 'colour #010203 is not a class colour: first at (19, 8), 1 pixel',
  });
});

test('a colour shared by two classes is reported as ambiguous when a pixel uses it', () => {
  const classes: ClassDef[] = [...CLASSES, { id: 9, name: 'lane', color: '#804080' }];
  const rgb = Uint8Array.of(0, 0, 0, 0x80, 0x40, 0x80);
  const png = encodePng({ width: 2, height: 1, colorType: 2, bitDepth: 8, data: rgb });
  throwsMask(() => decodeMaskPng(png, { classes, ignoreIndex: 255 }), '#804080 at (1, 0) is ambiguous', "'road' (1)", "'lane' (9)");
  const black = encodePng({ width: 2, height: 1, colorType: 2, bitDepth: 8, data: new Uint8Array(6) });
  assert.deepEqual(Array.from(decodeMaskPng(black, { classes, ignoreIndex: 255 }).ids), [0, 0]);
});

test('findUnknownIds reports ids without a class, with count and first position', () => {
  const w = 8;
  const ids = randomIds(w * 6, LABELS, 11);
  assert.deepEqual(findUnknownIds(ids, w, OPTIONS), []);
  ids[1 * w + 3] = 9;
  ids[2 * w + 0] = 9;
  ids[4 * w + 4] = 9;
  ids[0 * w + 6] = 200;
  assert.deepEqual(findUnknownIds(ids, w, OPTIONS), [
    { id: 9, count: 3, firstX: 3, firstY: 1 },
    { id: 200, count: 1, firstX: 6, firstY: 0 },
  ]);
  // 255 is only "known" while it is the ignore index.
  const noIgnore: MaskOptions = { classes: CLASSES, ignoreIndex: 254 };
  const n255 = Array.from(ids).filter((v) => v === 255).length;
  assert.ok(n255 > 0);
  const first255 = ids.indexOf(255);
  assert.deepEqual(findUnknownIds(ids, w, noIgnore).at(-1), {
    id: 255,
    count: n255,
    firstX: first255 % w,
    firstY: Math.floor(first255 / w),
  });
});

test('instance maps round-trip as 16-bit grayscale, including ids above 255', async () => {
  const [w, h] = [53, 31];
  const r = rng(12);
  const ids = Uint16Array.from({ length: w * h }, () => (r() < 0.3 ? 0 : Math.floor(r() * 65536)));
  ids[0] = 65535;
  ids[1] = 256;
  const png = encodeInstancePng(ids, w, h);
  assert.deepEqual(readPngHeader(png), { width: w, height: h, colorType: 0, bitDepth: 16 });
  const decoded = decodeInstancePng(png);
  assert.deepEqual([decoded.width, decoded.height], [w, h]);
  assert.ok(decoded.ids instanceof Uint16Array);
  assertIds(decoded.ids, ids, 'instances');
  const { data } = await sharp(png).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  assertIds(new Uint16Array(data.buffer, data.byteOffset, data.length / 2), ids, 'instances via sharp');
  throwsMask(() => encodeInstancePng(ids, w, h + 1), 'instance map has');
});

test('instance maps also read from 8-bit grayscale and palette PNGs, not from RGB', async () => {
  const [w, h] = [15, 9];
  const ids8 = randomIds(w * h, [0, 1, 2, 3, 40, 255], 13);
  const gray = await sharp(ids8, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  const fromGray = decodeInstancePng(gray);
  assert.ok(fromGray.ids instanceof Uint16Array);
  assertIds(fromGray.ids, ids8, '8-bit gray');
  const palette = encodePng({ width: w, height: h, colorType: 3, bitDepth: 8, data: ids8, palette: new Uint8Array(256 * 3) });
  assertIds(decodeInstancePng(palette).ids, ids8, 'palette');
  const rgb = await sharp(colourMask(randomIds(w * h, [0, 1], 1), 3), { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  throwsMask(() => decodeInstancePng(rgb), 'not RGB');
});

test('encodes and decodes a 4096x4096 mask', (t) => {
  const W = 4096;
  const H = 4096;
  const ids = new Uint8Array(W * H);
  const r = rng(21);
  const labels = [1, 2, 5, 7];
  for (let k = 0; k < 400; k++) {
    const cx = r() * W;
    const cy = r() * H;
    const rad = 10 + r() * 300;
    const id = k % 37 === 0 ? 255 : labels[k % labels.length];
    for (let y = Math.max(0, Math.floor(cy - rad)); y < Math.min(H, cy + rad); y++) {
      const dx = Math.sqrt(Math.max(0, rad * rad - (y - cy) ** 2));
      ids.fill(id, y * W + Math.max(0, Math.floor(cx - dx)), y * W + Math.min(W, Math.ceil(cx + dx)));
    }
  }
  for (let run = 1; run <= 3; run++) {
    let t0 = performance.now();
    const png = encodeMaskPng(ids, W, H, OPTIONS);
    const encodeMs = performance.now() - t0;
    t0 = performance.now();
    const decoded = decodeMaskPng(png, OPTIONS);
    const decodeMs = performance.now() - t0;
    assert.ok(Buffer.from(decoded.ids).equals(ids), 'pixels differ');
    t0 = performance.now();
    const unknown = findUnknownIds(decoded.ids, W, OPTIONS);
    const checkMs = performance.now() - t0;
    assert.deepEqual(unknown, []);
    t.diagnostic(
      `4096x4096 mask run ${run}: encodeMaskPng ${encodeMs.toFixed(0)} ms, decodeMaskPng ${decodeMs.toFixed(0)} ms, ` +
        `findUnknownIds ${checkMs.toFixed(0)} ms, ${png.length} bytes`,
    );
  }
  // The colour lookup path on the same mask as RGB.
  const rgb = colourMask(ids, 3);
  const rgbPng = encodePng({ width: W, height: H, colorType: 2, bitDepth: 8, data: rgb }, { level: 1 });
  const t0 = performance.now();
  const fromRgb = decodeMaskPng(rgbPng, OPTIONS);
  t.diagnostic(`4096x4096 RGB colour mask: decodeMaskPng ${(performance.now() - t0).toFixed(0)} ms`);
  assert.ok(Buffer.from(fromRgb.ids).equals(ids), 'RGB pixels differ');
});

test('an RGB mask of grey ids (as OpenCV writes them) reads as ids; a grey class colour still reads as its class', async () => {
  const classes = [
    { id: 0, name: 'background', color: '#000000' },
    { id: 1, name: 'a', color: '#e6194b' },
    { id: 2, name: 'b', color: '#3cb44b' },
  ];
  const opts = { classes, ignoreIndex: 255 };
  const ids = Uint8Array.from([0, 1, 2, 2, 1, 0]);
  const rgb = new Uint8Array(ids.length * 3);
  ids.forEach((v, i) => rgb.set([v, v, v], i * 3));
  const png = encodePng({ width: 3, height: 2, colorType: 2, bitDepth: 8, data: rgb });
  const decoded = decodeMaskPng(png, opts);
  assert.equal(decoded.encoding, 'grayscale');
  assert.deepEqual(Array.from(decoded.ids), [0, 1, 2, 2, 1, 0]);
  // All black and white: both are class/ignore colours, so it stays a colour mask.
  const bw = encodePng({ width: 2, height: 1, colorType: 2, bitDepth: 8, data: Uint8Array.from([0, 0, 0, 255, 255, 255]) });
  const bwDecoded = decodeMaskPng(bw, opts);
  assert.equal(bwDecoded.encoding, 'rgb');
  assert.deepEqual(Array.from(bwDecoded.ids), [0, 255]);
});
