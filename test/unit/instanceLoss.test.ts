/**
 * The discriminative loss of the instance head against a hand-computed example, its gradient against
 * finite differences, and the renumbering of instance ids (tfjs's cpu backend: tiny tensors).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from '../../src/engine/training/tf';
import { discriminativeLoss, instanceTargets, InstanceTargets } from '../../src/engine/training/instanceLoss';

before(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

/** One image of `points` (x, y embeddings) laid out as a 1 x n row, with instance ids per pixel. */
function oneImage(points: [number, number][], ids: number[]): { embedding: TF.Tensor4D; targets: InstanceTargets[] } {
  return {
    embedding: tf.tensor4d(points.flat(), [1, 1, points.length, 2]),
    targets: [instanceTargets(Int32Array.from(ids), ids.length, 0)],
  };
}

test('the discriminative loss equals the hand-computed pull, push and regulariser', () => {
  // Instance A: (0,0) and (2,0), mean (1,0), each pixel 1 away: hinge (1 - 0.5)^2 = 0.25, mean 0.25.
  // Instance B: (3,0) and (3,1), mean (3,0.5), each pixel 0.5 away: inside delta_v, 0.
  // The pixel of no instance, far away, counts nowhere.
  // pull = (0.25 + 0) / 2; push = (3 - |(1,0) - (3,0.5)|)^2 = (3 - sqrt(4.25))^2 (both ordered pairs, over K(K-1) = 2);
  // regulariser = 0.001 * (|(1,0)| + |(3,0.5)|) / 2.
  const { embedding, targets } = oneImage([[0, 0], [2, 0], [3, 0], [3, 1], [100, 100]], [7, 7, 9, 9, 0]);
  const expected = 0.125 + (3 - Math.sqrt(4.25)) ** 2 + 0.001 * (1 + Math.sqrt(9.25)) / 2;
  const loss = discriminativeLoss(embedding, targets).dataSync()[0];
  assert.ok(Math.abs(loss - expected) < 1e-5, `loss ${loss}, expected ${expected}`);
});

test('instances already apart and tight cost only the regulariser; images without instances are left out of the mean', () => {
  const points: [number, number][] = [[0, 0], [0.1, 0], [5, 0], [5, 0.1]];
  const tight = oneImage(points, [1, 1, 2, 2]);
  const expected = 0.001 * (Math.hypot(0.05, 0) + Math.hypot(5, 0.05)) / 2;
  assert.ok(Math.abs(discriminativeLoss(tight.embedding, tight.targets).dataSync()[0] - expected) < 1e-6);
  // The same image twice in a batch, the second without instances: the mean is over the first only.
  const batch = tf.concat([tight.embedding, tight.embedding]) as TF.Tensor4D;
  const none = instanceTargets(new Int32Array(4), 4, 0);
  assert.equal(none.count, 0);
  assert.ok(Math.abs(discriminativeLoss(batch, [tight.targets[0], none]).dataSync()[0] - expected) < 1e-6);
  assert.equal(discriminativeLoss(batch, [none, none]).dataSync()[0], 0);
});

test('the gradient of the discriminative loss matches finite differences', () => {
  const n = 12;
  const values = Array.from({ length: n * 3 }, (_, i) => Math.sin(i * 1.7) * 1.2);
  const ids = Int32Array.from([1, 1, 1, 2, 2, 2, 3, 3, 0, 3, 2, 1]);
  const targets = [instanceTargets(ids, n, 0)];
  const f = (x: TF.Tensor) => discriminativeLoss(x as TF.Tensor4D, targets);
  const x = tf.tensor4d(values, [1, 3, 4, 3]);
  const grad = tf.grad(f)(x).dataSync();
  const h = 1e-3;
  for (let i = 0; i < values.length; i++) {
    const plus = values.slice();
    const minus = values.slice();
    plus[i] += h;
    minus[i] -= h;
    const numeric = (f(tf.tensor4d(plus, [1, 3, 4, 3])).dataSync()[0] - f(tf.tensor4d(minus, [1, 3, 4, 3])).dataSync()[0]) / (2 * h);
    assert.ok(Math.abs(numeric - grad[i]) < 2e-3, `value ${i}: analytic ${grad[i]}, numeric ${numeric}`);
  }
});

test('instance ids are renumbered 0..K-1 in order of appearance; 0 and negative ids are no instance', () => {
  const ids = Int32Array.from([0, 0, 0, 5, 0, 300, -1, 5, 2, 0]);
  const t = instanceTargets(ids, 5, 1); // the second image: 300, -1, 5, 2, 0
  assert.deepEqual([...t.index], [0, -1, 1, 2, -1]);
  assert.equal(t.count, 3);
});
