import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../src/core/metrics';

const classes = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 1, name: 'cell', color: '#e6194b' },
  { id: 2, name: 'bacterium', color: '#3cb44b' },
  { id: 3, name: 'absent', color: '#ffe119' },
];

test('metrics match a hand-computed example, ignore pixels excluded', () => {
  // truth:      0 0 1 1 2 255 ; prediction: 0 1 1 1 0 2
  // n00=1 n01=1 n11=2 n20=1 ; t=(2,2,1) ; p=(2,3,0)
  const cm = ConfusionMatrix.forClasses(classes);
  cm.add(Uint8Array.from([0, 0, 1, 1, 2, 255]), Uint8Array.from([0, 1, 1, 1, 0, 2]), 255);
  assert.equal(cm.get(0, 0), 1);
  assert.equal(cm.get(0, 1), 1);
  assert.equal(cm.get(1, 1), 2);
  assert.equal(cm.get(2, 0), 1);
  const m = cm.metrics(classes);
  assert.equal(m.pixels, 5);
  assert.ok(Math.abs(m.pixelAccuracy - 3 / 5) < 1e-12);
  assert.ok(Math.abs(m.meanPixelAccuracy - (1 / 2 + 1 + 0) / 3) < 1e-12);
  assert.ok(Math.abs(m.perClass[0].iou! - 1 / 3) < 1e-12);
  assert.ok(Math.abs(m.perClass[1].iou! - 2 / 3) < 1e-12);
  assert.equal(m.perClass[2].iou, 0);
  assert.equal(m.perClass[3].iou, null, 'a class in neither truth nor prediction has no IoU');
  assert.equal(m.perClass[3].accuracy, null);
  assert.ok(Math.abs(m.mIoU - 1 / 3) < 1e-12, 'mean over the three present classes');
});

test('a class only in the prediction counts in mIoU with IoU 0 but not in mean accuracy', () => {
  const cm = ConfusionMatrix.forClasses(classes);
  cm.add(Uint8Array.from([0, 0, 0, 0]), Uint8Array.from([0, 0, 0, 3]), 255);
  const m = cm.metrics(classes);
  assert.equal(m.perClass[3].iou, 0);
  assert.equal(m.perClass[3].accuracy, null);
  assert.ok(Math.abs(m.mIoU - (3 / 4 + 0) / 2) < 1e-12);
  assert.ok(Math.abs(m.meanPixelAccuracy - 3 / 4) < 1e-12);
});

test('a prediction value that is no class counts against the truth class only', () => {
  const cm = ConfusionMatrix.forClasses(classes);
  cm.add(Uint8Array.from([1, 1]), Uint8Array.from([1, 255]), 255);
  const m = cm.metrics(classes);
  assert.equal(m.perClass[1].truePixels, 2);
  assert.equal(m.perClass[1].accuracy, 0.5);
  assert.equal(m.perClass[1].iou, 0.5);
  assert.equal(m.pixelAccuracy, 0.5);
});

test('merging per-image matrices equals one matrix over all pixels', () => {
  const truth = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 3);
  const pred = Uint8Array.from({ length: 1000 }, (_, i) => (i * 11) % 4);
  const whole = ConfusionMatrix.forClasses(classes);
  whole.add(truth, pred, 255);
  const merged = ConfusionMatrix.forClasses(classes);
  for (let k = 0; k < 1000; k += 100) {
    const part = ConfusionMatrix.forClasses(classes);
    part.add(truth.subarray(k, k + 100), pred.subarray(k, k + 100), 255);
    merged.merge(part);
  }
  assert.deepEqual(Array.from(merged.counts), Array.from(whole.counts));
  assert.deepEqual(merged.metrics(classes), whole.metrics(classes));
});

test('truth and prediction of different lengths are refused', () => {
  const cm = new ConfusionMatrix(2);
  assert.throws(() => cm.add(new Uint8Array(3), new Uint8Array(4), 255), /3 pixels but prediction has 4/);
});
