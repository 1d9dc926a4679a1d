/**
 * The training engine's pure parts: augmentation warps, tiling, the learning-rate schedule, class
 * weights, checkpoints, the dataset split, and the loss (ignore index, class weights, Dice) against
 * sums computed by hand (on tfjs's cpu backend: tiny tensors, no training).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import { tf } from '../../src/engine/training/tf';
import { cropGeometry, IGNORE, randomGeometry, warpImage, warpLabels, outsideMask, randomBox, pasteBox, DEFAULT_GEOMETRY } from '../../src/engine/training/augment';
import { tileStarts } from '../../src/engine/training/predict';
import { learningRate } from '../../src/engine/training/optimizer';
import { classWeightsFrom, segmentationLoss } from '../../src/engine/training/loss';
import { readCheckpoint, writeCheckpoint } from '../../src/engine/training/checkpoint';
import { labelLut, splitDataset, DecodedCache } from '../../src/engine/training/data';
import { Random } from '../../src/engine/synthetic/random';
import { Dataset } from '../../src/engine/dataset';
import { DEFAULT_FOLDERS } from '../../src/core/segmentConfig';
import { DatasetError } from '../../src/core/problems';

before(async () => {
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
  await tf.setBackend('cpu');
});

test('an identity crop copies pixels and labels exactly; outside the image is fill and ignore', () => {
  const w = 5;
  const h = 4;
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => i % 251);
  const labels = Uint8Array.from({ length: w * h }, (_, i) => (i % 7 === 0 ? 255 : i % 3));
  const size = 6;
  const out = new Float32Array(size * size * 3);
  const lab = new Int32Array(size * size);
  warpImage(rgb, w, h, cropGeometry(0, 0), size, out, [9, 9, 9]);
  warpLabels(labels, w, h, cropGeometry(0, 0), size, lab, 0);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = x < w && y < h;
      for (let k = 0; k < 3; k++) assert.equal(out[(y * size + x) * 3 + k], inside ? rgb[(y * w + x) * 3 + k] : 9, `pixel ${x},${y}`);
      const l = labels[y * w + x];
      assert.equal(lab[y * size + x], inside ? (l === 255 ? IGNORE : l) : IGNORE);
    }
  }
  const outside = new Uint8Array(size * size);
  outsideMask(cropGeometry(0, 0), w, h, size, outside, 0);
  for (let i = 0; i < size * size; i++) assert.equal(outside[i], lab[i] === IGNORE && labels[(Math.floor(i / size)) * w + (i % size)] !== 255 ? 1 : outside[i]);
  assert.equal(outside[size * size - 1], 1);
  assert.equal(outside[0], 0);
});

test('random geometry keeps labels consistent with the image: a warped label map equals the label of the warped image', () => {
  // Image pixel value encodes its label: the nearest-warped labels must equal the rounded warped value where both are interior.
  const w = 80;
  const h = 60;
  const labels = Uint8Array.from({ length: w * h }, (_, i) => ((Math.floor((i % w) / 20) + Math.floor(i / w / 20)) % 3));
  const rgb = new Uint8Array(w * h * 3);
  labels.forEach((l, i) => rgb.fill(l * 100, i * 3, i * 3 + 3));
  const rng = new Random(5);
  const size = 24;
  for (let trial = 0; trial < 20; trial++) {
    const t = randomGeometry(rng, w, h, { ...DEFAULT_GEOMETRY, size, rotate: 30, vflip: true });
    const img = new Float32Array(size * size * 3);
    const lab = new Int32Array(size * size);
    warpImage(rgb, w, h, t, size, img, [0, 0, 0]);
    warpLabels(labels, w, h, t, size, lab, 0);
    let agree = 0;
    let counted = 0;
    for (let p = 0; p < size * size; p++) {
      if (lab[p] === IGNORE) continue;
      counted++;
      if (Math.abs(img[p * 3] - lab[p] * 100) < 1) agree++;
    }
    // Bilinear blends at region edges; away from them image and labels agree.
    assert.ok(counted === 0 || agree / counted > 0.85, `trial ${trial}: ${agree}/${counted}`);
  }
});

test('CutMix boxes stay inside the image and paste only the box', () => {
  const rng = new Random(1);
  const size = 8;
  const a = new Int32Array(2 * size * size);
  a.fill(1, 0, size * size);
  a.fill(2, size * size);
  const target = a.slice();
  const box = randomBox(rng, size);
  assert.ok(box.x0 >= 0 && box.y0 >= 0 && box.x1 <= size && box.y1 <= size && box.x1 > box.x0 && box.y1 > box.y0);
  pasteBox(a, target, size, 1, 1, 0, box);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inBox = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
      assert.equal(target[y * size + x], inBox ? 2 : 1);
    }
  }
  assert.deepEqual([...target.subarray(size * size)], [...a.subarray(size * size)]);
});

test('tiles cover every pixel, overlap, and stay inside', () => {
  for (const [n, tile, overlap] of [[100, 256, 32], [256, 256, 32], [1000, 256, 32], [513, 512, 32]]) {
    const starts = tileStarts(n, tile, overlap);
    assert.equal(starts[0], 0);
    assert.ok(starts.every((s) => s >= 0 && (s + tile <= n || n <= tile)));
    assert.ok(n <= tile || starts[starts.length - 1] + tile === n);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] <= tile - 2 * overlap);
  }
});

test('the learning rate warms up, peaks, and decays to 1% of the peak', () => {
  const total = 1000;
  assert.ok(learningRate(0, total, 1) < 0.05);
  assert.ok(Math.abs(learningRate(50, total, 1) - 1) < 1e-9);
  assert.ok(learningRate(500, total, 1) < 1 && learningRate(500, total, 1) > 0.4);
  assert.ok(Math.abs(learningRate(total, total, 1) - 0.01) < 1e-9);
});

test('class weights: median frequency and inverse, normalised and clipped; unseen classes weigh 1', () => {
  assert.equal(classWeightsFrom([10, 20], 'none'), undefined);
  const median = classWeightsFrom([900, 90, 10, 0], 'median')!;
  // frequencies .9 .09 .01: median .09 -> raw .1, 1, 9 -> mean 3.367 -> .0297 (clipped to .1), .297, 2.673
  assert.deepEqual(median.map((w) => Math.round(w * 1000) / 1000), [0.1, 0.297, 2.673, 1]);
  const inverse = classWeightsFrom([500, 500], 'inverse')!;
  assert.deepEqual(inverse, [1, 1]);
});

test('cross-entropy skips ignored pixels and weighs classes like PyTorch (weight + ignore_index, mean)', () => {
  const logits = [[2, 0, -1], [0.5, 0.5, 0], [-1, 3, 0], [0, 0, 4]];
  const labels = [0, IGNORE, 1, 2];
  const weights = [1, 2, 0.5];
  const logSoftmax = (row: number[]) => {
    const m = Math.max(...row);
    const z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
    return row.map((v) => v - z);
  };
  let num = 0;
  let den = 0;
  labels.forEach((l, i) => {
    if (l === IGNORE) return;
    num -= weights[l] * logSoftmax(logits[i])[l];
    den += weights[l];
  });
  const got = tf.tidy(() =>
    segmentationLoss(tf.tensor4d(logits.flat(), [1, 2, 2, 3]), tf.tensor3d(labels, [1, 2, 2], 'int32'), { classes: 3, classWeights: weights }).dataSync()[0],
  );
  assert.ok(Math.abs(got - num / den) < 1e-5, `${got} vs ${num / den}`);
  // The pseudo-label loss is averaged over a given number of pixels instead.
  const perPixel = tf.tidy(() =>
    segmentationLoss(tf.tensor4d(logits.flat(), [1, 2, 2, 3]), tf.tensor3d(labels, [1, 2, 2], 'int32'), { classes: 3, classWeights: weights, pixels: 4 }).dataSync()[0],
  );
  assert.ok(Math.abs(perPixel - num / 4) < 1e-5, `${perPixel} vs ${num / 4}`);
  // All pixels ignored: zero, not NaN.
  const none = tf.tidy(() => segmentationLoss(tf.zeros([1, 2, 2, 3]) as never, tf.fill([1, 2, 2], IGNORE, 'int32') as never, { classes: 3 }).dataSync()[0]);
  assert.ok(none === 0, String(none));
});

test('the Dice term is zero for a perfect prediction and grows with errors, on labelled pixels only', () => {
  const labels = [0, 1, IGNORE, 1];
  const perfect = labels.map((l) => [0, 1].map((k) => (k === l ? 30 : -30)));
  const wrong = labels.map((l) => [0, 1].map((k) => (k === l ? -30 : 30)));
  const loss = (logits: number[][], dice: boolean) =>
    tf.tidy(() => segmentationLoss(tf.tensor4d(logits.flat(), [1, 2, 2, 2]), tf.tensor3d(labels, [1, 2, 2], 'int32'), { classes: 2, dice }).dataSync()[0]);
  assert.ok(loss(perfect, true) < 1e-6);
  // Fully wrong: no overlap, so each class's Dice is the smoothing term 1 / (|P| + |T| + 1) = 1/4, and the loss 3/4.
  assert.ok(Math.abs(loss(wrong, true) - loss(wrong, false) - 0.75) < 1e-3, String(loss(wrong, true) - loss(wrong, false)));
});

test('checkpoints round-trip their run state and tensors, written atomically', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-ckpt-'));
  try {
    const file = path.join(dir, 'x.ckpt');
    const tensors = new Map([
      ['p:a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['s:b', { shape: [1], data: Float32Array.from([-0.5]) }],
    ]);
    await writeCheckpoint(file, { step: 7, name: 'é' }, tensors);
    const back = await readCheckpoint<{ step: number; name: string }>(file);
    assert.deepEqual(back.meta, { step: 7, name: 'é' });
    assert.deepEqual([...back.tensors.keys()], ['p:a', 's:b']);
    assert.deepEqual([...back.tensors.get('p:a')!.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(back.tensors.get('s:b')!.shape, [1]);
    await assert.rejects(readCheckpoint(path.join(__dirname, 'training.test.ts')), /not a Segment Studio checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeDataset(items: Dataset['items']): Dataset {
  return {
    root: '/data', config: { classes: [], ignoreIndex: 255, folders: DEFAULT_FOLDERS }, configSource: 'file',
    layout: { kind: 'segment.json', groups: [{ images: 'images', masks: 'masks', keyPrefix: '' }], prelabels: 'prelabels', splits: 'splits' },
    items, problems: [],
  };
}

test('the split: lists win, test images never train, the labelled fraction moves masks to the unlabelled pool', () => {
  const items = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, image: `images/k${i}.png`, ...(i < 16 ? { mask: `masks/k${i}.png` } : {}) }));
  const auto = splitDataset(fakeDataset(items), { seed: 0 });
  assert.equal(auto.train.length + auto.val.length, 16);
  assert.ok(auto.val.length >= 1 && auto.val.length <= 8);
  assert.equal(auto.unlabelled.length, 4);
  // The same keys always validate, whatever the seed.
  assert.deepEqual(splitDataset(fakeDataset(items), { seed: 9 }).val.map((i) => i.key), auto.val.map((i) => i.key));

  const listed = items.map((i, n) => ({ ...i, split: (n < 10 ? 'train' : n < 13 ? 'val' : 'test') as 'train' | 'val' | 'test' }));
  const s = splitDataset(fakeDataset(listed), { seed: 0, labelledFraction: 0.3 });
  assert.deepEqual(s.val.map((i) => i.key), ['k10', 'k11', 'k12']);
  assert.equal(s.train.length, 3);
  assert.equal(s.unlabelled.length, 7, 'the 7 hidden training masks; the test images stay out');
  assert.ok(s.unlabelled.every((i) => Number(i.key.slice(1)) < 10));
  assert.throws(() => splitDataset(fakeDataset(items.map((i) => ({ key: i.key, image: i.image }))), { seed: 0 }), DatasetError);
});

test('labels map class ids to channels; the ignore index and unknown ids to 255', () => {
  const lut = labelLut([{ id: 0, name: 'bg', color: '#000000' }, { id: 5, name: 'x', color: '#ffffff' }], 255);
  assert.equal(lut[0], 0);
  assert.equal(lut[5], 1);
  assert.equal(lut[255], 255);
  assert.equal(lut[3], 255);
});

test('the decoded-image cache evicts the least recently used beyond its budget', () => {
  const cache = new DecodedCache(100);
  const entry = (n: number) => ({ rgb: new Uint8Array(n), width: 1, height: 1 });
  cache.set('a', entry(40));
  cache.set('b', entry(40));
  assert.ok(cache.get('a'));
  cache.set('c', entry(40)); // evicts b, the least recently used
  assert.ok(cache.get('a') && cache.get('c'));
  assert.equal(cache.get('b'), undefined);
  cache.set('huge', entry(200)); // larger than the budget: not kept
  assert.equal(cache.get('huge'), undefined);
  assert.ok(cache.peakBytes <= 100);
});
