import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameIdSpans, similarColorSpans } from '../../src/core/floodFill';

function fillOf(run: (emit: (y: number, x0: number, x1: number) => void) => number, width: number, height: number) {
  const got = new Uint8Array(width * height);
  const n = run((y, x0, x1) => {
    for (let x = x0; x < x1; x++) {
      assert.equal(got[y * width + x], 0, `pixel ${x},${y} emitted twice`);
      got[y * width + x] = 1;
    }
  });
  return { got, n };
}

test('fill takes the 4-connected region of the clicked id, and nothing across a diagonal', () => {
  // A ring of 1s around a hole of 0s; a 0 touching the hole only diagonally stays out.
  const rows = ['0000000', '0111110', '0100010', '0100010', '0111110', '0000001', '0000010'];
  const ids = Uint8Array.from(rows.join('').split('').map(Number));
  const { got, n } = fillOf((emit) => sameIdSpans(ids, 7, 7, 2.5, 2.5, emit), 7, 7);
  assert.equal(n, 6);
  for (let i = 0; i < ids.length; i++) {
    const x = i % 7, y = Math.floor(i / 7);
    assert.equal(got[i], x >= 2 && x <= 4 && y >= 2 && y <= 3 ? 1 : 0, `pixel ${x},${y}`);
  }
  const outside = fillOf((emit) => sameIdSpans(ids, 7, 7, 0, 0, emit), 7, 7);
  assert.equal(outside.n, 7 * 7 - 16 - 6 - 1, 'the outer zeros: not the 16 ones, the hole of 6, nor the corner zero cut off diagonally');
  assert.equal(fillOf((emit) => sameIdSpans(ids, 7, 7, -1, 3, emit), 7, 7).n, 0, 'outside the image');
});

test('fill handles a large spiral without recursion', () => {
  const w = 300, h = 300;
  const ids = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 2) for (let x = 0; x < w - 1; x++) ids[y * w + (y % 4 === 0 ? x + 1 : x)] = 1;
  const { n } = fillOf((emit) => sameIdSpans(ids, w, h, 0, 1, emit), w, h);
  let zeros = 0;
  for (const v of ids) if (v === 0) zeros++;
  assert.equal(n, zeros, 'a serpentine corridor of zeros is one region');
});

test('the magic wand grows over colours within the tolerance of the seed area', () => {
  // Row 0..4: a 10-wide image, left 5 columns ~100 grey, right 5 columns 160; the seed area is all left.
  const w = 10, h = 5;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = i % w < 5 ? 100 + ((i * 7) % 5) - 2 : 160;
    rgba.set([v, v, v, 255], i * 4);
  }
  assert.equal(fillOf((emit) => similarColorSpans(rgba, w, h, 2, 2, 10, emit, 1), w, h).n, 20, 'the left half less its border column (whose 3x3 mean mixes in the right half)');
  assert.equal(fillOf((emit) => similarColorSpans(rgba, w, h, 1, 2, 10, emit), w, h).n, 15, 'with the default 5x5 sample, two border columns mix');
  assert.equal(fillOf((emit) => similarColorSpans(rgba, w, h, 2, 2, 80, emit, 1), w, h).n, 50);
  assert.equal(fillOf((emit) => similarColorSpans(rgba, w, h, 8, 2, 0, emit, 1), w, h).n, 20, 'flat colour at tolerance 0: the four columns whose 3x3 mean is 160');
  // Noise of +-40 on every pixel: unsmoothed it stops at once, smoothed it takes the flat region.
  const noisy = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const v = 100 + (i % 2 ? 40 : -40) * (Math.floor(i / w) % 2 ? -1 : 1);
    noisy.set([v, v, v, 255], i * 4);
  }
  assert.ok(fillOf((emit) => similarColorSpans(noisy, w, h, 2, 2, 20, emit, 0), w, h).n < 5);
  assert.ok(fillOf((emit) => similarColorSpans(noisy, w, h, 2, 2, 20, emit, 1), w, h).n > 40);
});
