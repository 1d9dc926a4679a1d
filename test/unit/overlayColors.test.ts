import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countIds, overlayLut, paintOverlay } from '../../src/core/overlayColors';

const classes = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 1, name: 'cell', color: '#e6194b' },
  { id: 2, name: 'bacterium', color: '#3cb44b' },
];

test('the overlay paints class colours as RGBA bytes, background transparent, ignore faint', () => {
  const ids = Uint8Array.from([0, 1, 2, 255, 7]);
  const out = new Uint32Array(ids.length);
  paintOverlay(ids, overlayLut(classes, 255), out);
  const bytes = new Uint8Array(out.buffer);
  assert.deepEqual(Array.from(bytes.subarray(0, 4)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(bytes.subarray(4, 8)), [0xe6, 0x19, 0x4b, 255]);
  assert.deepEqual(Array.from(bytes.subarray(8, 12)), [0x3c, 0xb4, 0x4b, 255]);
  assert.deepEqual(Array.from(bytes.subarray(12, 16)), [0xe0, 0xe0, 0xc0, 96]);
  assert.deepEqual(Array.from(bytes.subarray(16, 20)), [0, 0, 0, 0], 'an id with no class is not drawn');
});

test('hidden classes and the ignore alpha follow the style', () => {
  const lut = overlayLut(classes, 255, { hidden: new Set([1]), ignoreAlpha: 10 });
  const bytes = new Uint8Array(lut.buffer);
  assert.equal(bytes[0 * 4 + 3], 255, 'background drawn when not hidden');
  assert.equal(bytes[1 * 4 + 3], 0);
  assert.equal(bytes[255 * 4 + 3], 10);
});

test('countIds counts pixels per id', () => {
  const counts = countIds(Uint8Array.from([1, 1, 2, 255]));
  assert.equal(counts[1], 2);
  assert.equal(counts[2], 1);
  assert.equal(counts[255], 1);
  assert.equal(counts[0], 0);
});
