import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCounts, comparePixel, Outcome } from '../../src/core/comparison';

const o = { background: 0, ignoreIndex: 255 };

test('each pixel pair has one outcome over all classes', () => {
  assert.equal(comparePixel(1, 1, o), Outcome.TruePositive);
  assert.equal(comparePixel(0, 1, o), Outcome.FalsePositive);
  assert.equal(comparePixel(1, 0, o), Outcome.FalseNegative);
  assert.equal(comparePixel(1, 255, o), Outcome.FalseNegative, 'an ignore prediction predicts nothing');
  assert.equal(comparePixel(1, 2, o), Outcome.WrongClass);
  assert.equal(comparePixel(0, 0, o), Outcome.None);
  assert.equal(comparePixel(255, 1, o), Outcome.None, 'ignore truth is never compared');
});

test('one class at a time is a binary comparison', () => {
  const c = { ...o, classId: 2 };
  assert.equal(comparePixel(2, 2, c), Outcome.TruePositive);
  assert.equal(comparePixel(1, 2, c), Outcome.FalsePositive);
  assert.equal(comparePixel(2, 1, c), Outcome.FalseNegative);
  assert.equal(comparePixel(1, 1, c), Outcome.None);
});

test('counts add up over an image', () => {
  const truth = Uint8Array.from([0, 1, 1, 2, 255, 0]);
  const pred = Uint8Array.from([0, 1, 0, 1, 2, 2]);
  assert.deepEqual(compareCounts(truth, pred, o), { truePositive: 1, falsePositive: 1, falseNegative: 1, wrongClass: 1 });
  assert.throws(() => compareCounts(truth, pred.subarray(1), o), /cannot compare/);
});
