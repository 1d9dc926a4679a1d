import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { encodeLabelPng, huffmanLengths } from '../../src/core/labelPng';
import { decodeMaskPng, maskPalette } from '../../src/core/maskCodec';
import { decodePng } from '../../src/core/png';

const options = { classes: [{ id: 0, name: 'bg', color: '#000000' }, { id: 1, name: 'a', color: '#e6194b' }, { id: 2, name: 'b', color: '#3cb44b' }], ignoreIndex: 255 };

function blobs(width: number, height: number, seed = 1): Uint8Array {
  const ids = new Uint8Array(width * height);
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 30; k++) {
    const cx = rnd() * width, cy = rnd() * height, r = 3 + rnd() * 20, c = k % 5 === 4 ? 255 : 1 + (k % 2);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) ids[y * width + x] = c;
  }
  return ids;
}

/** The IDAT stream inflated by Node's zlib, which rejects any malformed deflate data. */
function strictInflate(png: Uint8Array): Buffer {
  const b = Buffer.from(png);
  const parts: Buffer[] = [];
  for (let p = 8; p < b.length; ) {
    const len = b.readUInt32BE(p);
    if (b.toString('latin1', p + 4, p + 8) === 'IDAT') parts.push(b.subarray(p + 8, p + 8 + len));
    p += 12 + len;
  }
  return inflateSync(Buffer.concat(parts));
}

test('class masks round-trip through the project decoder, zlib and libvips', async () => {
  for (const [w, h] of [[1, 1], [3, 5], [97, 61], [256, 200]]) {
    const ids = blobs(w, h, w * 31 + h);
    const png = encodeLabelPng({ width: w, height: h, samples: ids, palette: (max) => maskPalette(max, options) });
    assert.deepEqual(decodeMaskPng(png, options).ids, ids, `${w}x${h} via the project decoder`);
    assert.equal(strictInflate(png).length, h * (w + 1));
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.width, w);
    for (let i = 0; i < ids.length; i++) {
      const want = ids[i] === 255 ? [0xe0, 0xe0, 0xc0] : ids[i] === 1 ? [0xe6, 0x19, 0x4b] : ids[i] === 2 ? [0x3c, 0xb4, 0x4b] : [0, 0, 0];
      assert.deepEqual(Array.from(data.subarray(i * info.channels, i * info.channels + 3)), want, `libvips pixel ${i} of ${w}x${h}`);
    }
  }
});

test('16-bit instance maps and views into larger buffers round-trip', () => {
  const w = 130, h = 40;
  const inst = new Uint16Array(w * h);
  for (let i = 0; i < inst.length; i++) inst[i] = (Math.floor(i / 97) * 613) % 65536;
  const png = encodeLabelPng({ width: w, height: h, samples: inst });
  const back = decodePng(png);
  assert.equal(back.bitDepth, 16);
  assert.deepEqual(back.data, inst);
  strictInflate(png);
  // An unaligned view (byteOffset 1) takes the byte-by-byte path and must give the same file.
  const buffer = new Uint8Array(w * 3 + 1);
  const view = buffer.subarray(1);
  view.set(blobs(w, 3));
  assert.deepEqual(encodeLabelPng({ width: w, height: 3, samples: view }), encodeLabelPng({ width: w, height: 3, samples: view.slice() }));
});

test('noise, a single value and wrong input', () => {
  const noise = Uint8Array.from({ length: 64 * 64 }, (_, i) => (i * 2654435761) % 7);
  assert.deepEqual(decodePng(encodeLabelPng({ width: 64, height: 64, samples: noise })).data, noise);
  const flat = encodeLabelPng({ width: 1000, height: 1000, samples: new Uint8Array(1e6).fill(4) });
  assert.ok(flat.length < 1e6 / 200, `a flat 1000x1000 mask compresses to ${flat.length} bytes`);
  assert.throws(() => encodeLabelPng({ width: 2, height: 2, samples: Uint8Array.of(0, 1, 2, 9), palette: (max) => maskPalette(Math.min(max, 2), options) }), /id 9 has no palette entry/);
  assert.throws(() => encodeLabelPng({ width: 2, height: 3, samples: new Uint8Array(4) }), /4 samples for 2x3/);
});

test('Huffman code lengths respect the limit and form a complete code', () => {
  const freq = Uint32Array.from({ length: 40 }, (_, i) => 2 ** Math.min(i, 30));
  const lengths = huffmanLengths(freq, 15);
  assert.ok(Math.max(...lengths) <= 15);
  let kraft = 0;
  for (const l of lengths) if (l) kraft += 2 ** -l;
  assert.ok(Math.abs(kraft - 1) < 1e-9, `Kraft sum ${kraft}`);
});
