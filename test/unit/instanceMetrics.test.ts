import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, InstanceQuality } from '../../src/core/instanceMetrics';

/** Builds maps from a picture: each char is a pixel; letters are instances, '.' none, '#' ignore. */
function maps(rows: string[], classOf: (ch: string) => number) {
  const chars = rows.join('');
  const ids = new Map<string, number>();
  const inst = new Uint16Array(chars.length);
  const cls = new Uint8Array(chars.length);
  [...chars].forEach((ch, k) => {
    if (ch === '.') return;
    if (ch === '#') return void (cls[k] = 255);
    if (!ids.has(ch)) ids.set(ch, ids.size + 1);
    inst[k] = ids.get(ch)!;
    cls[k] = classOf(ch);
  });
  return { inst, cls, ids };
}

test('PQ, SQ and RQ match a hand-computed example', () => {
  // Truth: A (4 px), B (4 px), C (2 px). Prediction: a = A exactly (IoU 1); b (5 px) overlaps B on 3
  // (IoU 3/6 = 0.5: not above 0.5, no match); c (1 px of C's 2) has IoU 0.5: no match either. Class 1 for all.
  const truth = maps(['AA..BB', 'AA..BB', '......', 'CC....'], () => 1);
  const pred = maps(['aa..b.', 'aa..bb', '....bb', 'c.....'], () => 1);
  const q = new InstanceQuality([1], 255);
  q.add({ truthInstances: truth.inst, truthClasses: truth.cls, predInstances: pred.inst, predClasses: pred.cls });
  const r = q.result();
  const c = r.perClass[0];
  // TP = {A-a}; FN = {B, C}; FP = {b, c}. PQ = 1 / (1 + 1 + 1) = 1/3, SQ = 1, RQ = 1/3.
  assert.deepEqual([c.tp, c.fp, c.fn], [1, 2, 2]);
  assert.ok(Math.abs(c.pq! - 1 / 3) < 1e-12);
  assert.equal(c.sq, 1);
  assert.ok(Math.abs(c.rq! - 1 / 3) < 1e-12);
});

test('a partial match above 0.5 contributes its IoU; segments of another class never match', () => {
  const truth = maps(['AAAA', 'AAAA', 'BB..'], (ch) => (ch === 'B' ? 2 : 1));
  const pred = maps(['aaa.', 'aaa.', 'bb..'], (ch) => (ch === 'b' ? 1 : 1)); // b predicted as class 1, truth B is class 2
  const q = new InstanceQuality([1, 2], 255);
  q.add({ truthInstances: truth.inst, truthClasses: truth.cls, predInstances: pred.inst, predClasses: pred.cls });
  const [c1, c2] = q.result().perClass;
  // class 1: A-a IoU 6/8 = 0.75 match; b (class 1) is FP. class 2: B is FN.
  assert.deepEqual([c1.tp, c1.fp, c1.fn], [1, 1, 0]);
  assert.ok(Math.abs(c1.pq! - 0.75 / 1.5) < 1e-12);
  assert.ok(Math.abs(c1.sq! - 0.75) < 1e-12);
  assert.deepEqual([c2.tp, c2.fp, c2.fn], [0, 0, 1]);
  assert.equal(c2.pq, 0);
});

test('a prediction lying mostly on ignore pixels is not a false positive', () => {
  const truth = maps(['AA##', 'AA##'], () => 1);
  const pred = maps(['aabb', 'aabb'], () => 1);
  const q = new InstanceQuality([1], 255);
  q.add({ truthInstances: truth.inst, truthClasses: truth.cls, predInstances: pred.inst, predClasses: pred.cls });
  const c = q.result().perClass[0];
  assert.deepEqual([c.tp, c.fp, c.fn], [1, 0, 0]);
  assert.equal(c.pq, 1);
});

test('AP at 0.5 ranks by score: a confident false positive costs more than a doubtful one', () => {
  // 2 truths; predictions: hit (0.9), miss (0.8), hit (0.7) -> precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
  // Monotone precision: 1 for recall <= 0.5, 2/3 above. 101 points: 51 at 1, 50 at 2/3.
  const ap = averagePrecision([[0.9, true], [0.8, false], [0.7, true]], 2);
  assert.ok(Math.abs(ap - (51 + 50 * (2 / 3)) / 101) < 1e-12);
  const better = averagePrecision([[0.9, true], [0.8, true], [0.7, false]], 2);
  assert.equal(better, 1);
  assert.equal(averagePrecision([], 3), 0);
});

test('results accumulate over images', () => {
  const q = new InstanceQuality([1], 255);
  const truth = maps(['AA', 'AA'], () => 1);
  q.add({ truthInstances: truth.inst, truthClasses: truth.cls, predInstances: truth.inst, predClasses: truth.cls });
  const empty = maps(['..', '..'], () => 1);
  q.add({ truthInstances: truth.inst, truthClasses: truth.cls, predInstances: empty.inst, predClasses: empty.cls });
  const c = q.result().perClass[0];
  assert.deepEqual([c.tp, c.fp, c.fn], [1, 0, 1]);
  assert.ok(Math.abs(c.pq! - 1 / 1.5) < 1e-12);
});

test('AP at 0.5: equal scores are one threshold, so the order of unscored predictions does not matter', () => {
  // 2 truths, 3 predictions of score 1 (2 hits): one point, precision 2/3 at recall 1 -> AP 2/3 in any order.
  const orders: [number, boolean][][] = [[[1, true], [1, true], [1, false]], [[1, false], [1, true], [1, true]], [[1, true], [1, false], [1, true]]];
  for (const order of orders) assert.ok(Math.abs(averagePrecision(order, 2) - 2 / 3) < 1e-12, JSON.stringify(order));
  // Recall 1/2 at precision 1/2 (one hit, one miss, 2 truths): 51 of 101 points at 1/2.
  assert.ok(Math.abs(averagePrecision([[1, false], [1, true]], 2) - (51 * 0.5) / 101) < 1e-12);
});

test('predicted ids beyond 16 bits (components of a large image) match their truth', () => {
  const n = 8;
  const truthInstances = new Uint16Array(n).fill(1, 0, 4).fill(2, 4, 8);
  const cls = new Uint8Array(n).fill(1);
  const predInstances = new Int32Array(n).fill(70_000, 0, 4).fill(70_001 + 65_536, 4, 8);
  const q = new InstanceQuality([1], 255);
  q.add({ truthInstances, truthClasses: cls, predInstances, predClasses: cls });
  const c = q.result().perClass[0];
  assert.deepEqual([c.tp, c.fp, c.fn], [2, 0, 0]);
  assert.equal(c.pq, 1);
});
