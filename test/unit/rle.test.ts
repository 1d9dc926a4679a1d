import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRle, decodeRle, encodeRle, paintRle, rleArea, rleBbox, RleError, rleFromString, rleToString } from '../../src/core/rle';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Row-major mask from rows of 0/1. */
function mask(rows: number[][]): { m: Uint8Array; w: number; h: number } {
  return { m: Uint8Array.from(rows.flat()), w: rows[0].length, h: rows.length };
}

// Expected strings, boxes and areas were produced by pycocotools 2.0.11 (mask.encode / toBbox / area)
// on the same arrays; they pin the column-major order, the leading background run and the string form.
test('encodes like pycocotools: column-major runs starting with background', () => {
  const { m, w, h } = mask([[0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]]);
  const counts = encodeRle(m, w, h);
  // Columns top to bottom: col0 000, col1 010, col2 010, col3 001 -> runs 4 bg, 1 fg, 2 bg, 1 fg, 3 bg, 1 fg.
  assert.deepEqual(counts, [4, 1, 2, 1, 3, 1]);
  assert.equal(rleToString(counts), '412010');
});

test('a mask whose first pixel is foreground starts with an empty background run', () => {
  const counts = encodeRle(Uint8Array.from([1, 1, 0, 0]), 2, 2);
  assert.deepEqual(counts, [0, 1, 1, 1, 1]); // columns (1,0) and (1,0)
  assert.deepEqual(decodeRle({ size: [2, 2], counts }), Uint8Array.from([1, 1, 0, 0]));
  assert.equal(rleToString(encodeRle(new Uint8Array(35).fill(1), 5, 7)), '0S1');
});

test('large counts and differences use several 5-bit groups, as pycocotools writes them', () => {
  const w = 200, h = 300;
  const m = new Uint8Array(w * h);
  m[299 * w + 199] = 1;
  assert.equal(rleToString(encodeRle(m, w, h)), 'obj11');
  // pycocotools: m[0,0]=1; m[5:250,20:180]=1; m[100:120,50:60]=0
  m.fill(0);
  m[0] = 1;
  for (let y = 5; y < 250; y++) for (let x = 20; x < 180; x++) m[y * w + x] = 1;
  for (let y = 100; y < 120; y++) for (let x = 50; x < 60; x++) m[y * w + x] = 0;
  const counts = encodeRle(m, w, h);
  const expected = '01dk5d7SVJ' + '0'.repeat(58) + 'ZKmNS1S1' + 'mNmNS1S1'.repeat(9) + 'c3' + '0'.repeat(238) + '[k5';
  assert.equal(rleToString(counts), expected);
  assert.deepEqual(rleFromString(expected), counts);
  assert.deepEqual(rleBbox(counts, h), [0, 0, 180, 250]);
  assert.equal(rleArea(counts), 39001);
});

test('string form round-trips and decodes to the same mask for random masks', () => {
  const r = rng(7);
  for (let c = 0; c < 300; c++) {
    const w = 1 + Math.floor(r() * 40), h = 1 + Math.floor(r() * 40);
    const p = r();
    const m = Uint8Array.from({ length: w * h }, () => (r() < p ? 1 : 0));
    const counts = encodeRle(m, w, h);
    assert.equal(counts.reduce((a, b) => a + b, 0), w * h);
    assert.deepEqual(rleFromString(rleToString(counts)), counts);
    assert.deepEqual(decodeRle({ size: [h, w], counts }), m);
    assert.equal(rleArea(counts), m.reduce((a, b) => a + b, 0));
  }
});

test('select and column bounds encode one label of a label map', () => {
  const r = rng(3);
  const w = 23, h = 17;
  const labels = Uint8Array.from({ length: w * h }, () => Math.floor(r() * 4));
  for (let label = 1; label < 4; label++) {
    const bin = labels.map((v) => (v === label ? 1 : 0));
    let x0 = w, x1 = -1;
    for (let k = 0; k < bin.length; k++) if (bin[k]) (x0 = Math.min(x0, k % w)), (x1 = Math.max(x1, k % w));
    assert.deepEqual(encodeRle(labels, w, h, label, [x0, x1]), encodeRle(bin, w, h));
  }
  const out = new Uint8Array(w * h);
  paintRle(encodeRle(labels, w, h, 2), w, h, out, 9);
  assert.deepEqual(out, labels.map((v) => (v === 2 ? 9 : 0)));
});

test('bad counts and strings are refused with a reason', () => {
  assert.throws(() => checkRle({ size: [2, 2], counts: [1, 2] }), (e: Error) => e instanceof RleError && /sum to 3 pixels but size 2x2/.test(e.message));
  assert.throws(() => checkRle({ size: [1, 2], counts: [1, -1, 2] }), /counts\[1\] is -1/);
  assert.throws(() => rleFromString('4~'), /character '~' at 1/);
  assert.throws(() => rleFromString('4a'), /end inside a number/);
});
