/** Which teacher predictions become pseudo-labels (class-wise thresholds) and the ramp of their loss. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classThresholds, keepConfident, rampUp } from '../../src/engine/training/pseudoLabels';
import { IGNORE } from '../../src/engine/training/augment';

const o = { classes: 3, ceiling: 0.95 };

test('a class the teacher is sure of keeps the ceiling; a class it is learning gets its mean confidence', () => {
  // class 0: 0.99, 0.97 (mean 0.98 -> ceiling 0.95); class 1: 0.6, 0.8 (mean 0.7); class 2 never predicted.
  const confidence = [0.99, 0.97, 0.6, 0.8];
  const label = [0, 0, 1, 1];
  const t = classThresholds(confidence, label, [0, 0, 0, 0], o);
  assert.equal(t[0], 0.95);
  assert.ok(Math.abs(t[1] - 0.7) < 1e-12);
  assert.equal(t[2], 0.95);
});

test('pixels outside the image neither count towards a threshold nor become pseudo-labels', () => {
  const confidence = [0.6, 0.8, 0.4, 0.99];
  const label = [1, 1, 1, 0];
  const outside = [0, 0, 1, 1];
  const { labels, kept, thresholds } = keepConfident(confidence, label, outside, o);
  assert.ok(Math.abs(thresholds[1] - 0.7) < 1e-12); // 0.4 (outside) left out of the mean
  assert.deepEqual([...labels], [IGNORE, 1, IGNORE, IGNORE]);
  assert.equal(kept, 1);
});

test('a rare class keeps its confident pixels where a single 0.95 threshold would keep none', () => {
  // 90 background pixels at 0.99, 10 pixels of class 2 between 0.5 and 0.95.
  const confidence = [...Array(90).fill(0.99), ...Array.from({ length: 10 }, (_, i) => 0.5 + i * 0.05)];
  const label = [...Array(90).fill(0), ...Array(10).fill(2)];
  const { labels, kept } = keepConfident(confidence, label, new Uint8Array(100), o);
  const rare = [...labels.slice(90)];
  assert.deepEqual(rare, [IGNORE, IGNORE, IGNORE, IGNORE, IGNORE, 2, 2, 2, 2, 2]); // mean 0.725: the upper half
  assert.equal(kept, 95);
  assert.equal([...labels.slice(0, 90)].every((l) => l === 0), true);
});

test('the pseudo-label loss ramps from almost nothing to full weight, then stays', () => {
  assert.ok(rampUp(0, 0.2) < 0.01);
  assert.ok(rampUp(0.1, 0.2) > 0.2 && rampUp(0.1, 0.2) < 0.4); // exp(-5/4)
  assert.equal(rampUp(0.2, 0.2), 1);
  assert.equal(rampUp(0.9, 0.2), 1);
  for (let p = 0; p < 0.2; p += 0.01) assert.ok(rampUp(p + 0.01, 0.2) >= rampUp(p, 0.2));
});

