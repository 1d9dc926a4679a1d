import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelComponents, nextInstanceId, splitInstances } from '../../src/core/instanceSplit';

const grid = (rows: string[]) => Uint16Array.from(rows.join('').split('').map(Number));

test('components are 4-connected by default and 8-connected on request', () => {
  const ids = grid(['1100', '0010', '0001', '2000']);
  const four = labelComponents(4, 4, (i) => ids[i]);
  assert.equal(four.count, 4, 'three 1-blobs touching only diagonally, and the 2');
  assert.deepEqual(Array.from(four.labels.subarray(0, 4)), [1, 1, 0, 0], 'labels in order of first pixel');
  const eight = labelComponents(4, 4, (i) => ids[i], 8);
  assert.equal(eight.count, 2, 'diagonals join the 1s');
  assert.equal(eight.labels[0], eight.labels[11], 'pixel (0,0) and (3,2) share a label when 8-connected');
  assert.notEqual(eight.labels[12], eight.labels[0], 'a different id is a different component');
});

test('splitting gives each piece of an instance its own id; the largest piece keeps the id', () => {
  const inst = grid(['3300', '3000', '0003', '0000']);
  const mask = new Uint8Array(16).fill(1);
  const out = splitInstances(inst, mask, 4, 4, { background: 0, ignore: 255 });
  assert.deepEqual([out[0], out[1], out[4]], [3, 3, 3]);
  assert.equal(out[11], 4, 'the single pixel gets the next free id');
  assert.equal(out[2], 0);
});

test('with no instances yet, instances come from the blobs of each class', () => {
  const mask = Uint8Array.from([1, 1, 0, 2, 1, 0, 0, 2, 0, 255, 255, 0, 1, 0, 0, 0]);
  const out = splitInstances(new Uint16Array(16), mask, 4, 4, { background: 0, ignore: 255 });
  assert.deepEqual(Array.from(out), [1, 1, 0, 2, 1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0]);
  assert.equal(nextInstanceId(out), 4);
  assert.equal(nextInstanceId(undefined), 1);
});
