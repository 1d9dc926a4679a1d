import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, inShard, mostUncertain, parseShard, progressLine, ShardError, skippedSummary } from '../../src/core/prelabel';
import { finishPrediction, FinishJob, rampWeights, tileOrigins } from '../../src/engine/inference/scores';
import { decodeMaskPng } from '../../src/core/maskCodec';

test('--shard i/N, or N with the index from Kubernetes or Slurm', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.equal(parseShard(undefined, { JOB_COMPLETION_INDEX: '1' }), undefined, 'no --shard: no sharding');
  assert.deepEqual(parseShard('4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
  assert.deepEqual(parseShard('4', { SLURM_ARRAY_TASK_ID: '1' }), { index: 1, count: 4 });
  assert.deepEqual(parseShard('4', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1' }), { index: 3, count: 4 }, '1-based arrays');
  assert.deepEqual(parseShard('4', { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '3' }), { index: 0, count: 4 }, 'Kubernetes first');
  assert.throws(() => parseShard('3/3'), /shard index 3 \(--shard 3\/3\) is outside 0\.\.2/);
  assert.throws(() => parseShard('4', { JOB_COMPLETION_INDEX: '4' }), /JOB_COMPLETION_INDEX=4\) is outside 0\.\.3/);
  assert.throws(() => parseShard('4', {}), (e: Error) => e instanceof ShardError && /neither is set; use --shard i\/4/.test(e.message));
  assert.throws(() => parseShard('a/b'), /--shard takes i\/N/);
  assert.throws(() => parseShard('0/0'), /at least 1/);
});

test('shards are disjoint and cover every position', () => {
  for (const count of [1, 2, 3, 7]) {
    const seen = new Array(50).fill(0);
    for (let index = 0; index < count; index++) for (let p = 0; p < 50; p++) if (inShard(p, { index, count })) seen[p]++;
    assert.ok(seen.every((n) => n === 1), `count ${count}: ${seen.join('')}`);
  }
  assert.ok(inShard(5, undefined));
});

test('progress line: done / total, images/s and time left', () => {
  assert.equal(progressLine(0, 32, undefined), '0 / 32');
  assert.equal(progressLine(12, 32, 4), '12 / 32 · 4.0 images/s · 5 s left');
  assert.equal(progressLine(100, 10000, 25), '100 / 10000 · 25 images/s · 7 min left');
  assert.equal(progressLine(32, 32, 4), '32 / 32 · 4.0 images/s');
  assert.equal(formatDuration(7300), '2 h 2 min');
});

test('skip reasons are counted', () => {
  const skipped = [{ path: 'a', reason: 'has a human mask' }, { path: 'b', reason: 'has a human mask' }, { path: 'c', reason: 'already pre-labelled by this model' }];
  assert.equal(skippedSummary(skipped), '2 have a human mask, 1 already pre-labelled by this model');
});

test('the most uncertain candidate has the highest mean entropy; labels-only pre-labels are not ranked', () => {
  const c = [{ k: 'a', meanEntropy: 0.2 }, { k: 'b', meanEntropy: null }, { k: 'c', meanEntropy: 0.7 }, { k: 'd', meanEntropy: 0.5 }];
  assert.equal(mostUncertain(c)?.k, 'c');
  assert.equal(mostUncertain([{ meanEntropy: null }]), undefined);
});

test('tile origins start at 0, end flush and overlap by at least the overlap', () => {
  assert.deepEqual(tileOrigins(100, 128, 16), [0], 'an image smaller than a tile is one padded tile');
  assert.deepEqual(tileOrigins(128, 128, 16), [0]);
  for (const [length, tile, overlap] of [[1000, 256, 32], [300, 64, 8], [129, 128, 0], [5000, 512, 64]]) {
    const o = tileOrigins(length, tile, overlap);
    assert.equal(o[0], 0);
    assert.equal(o[o.length - 1] + tile, length, `${length}/${tile}: last tile flush with the end`);
    for (let i = 1; i < o.length; i++) assert.ok(o[i - 1] + tile - o[i] >= overlap, `${length}/${tile}/${overlap}: tiles ${i - 1}, ${i} overlap by ${o[i - 1] + tile - o[i]}`);
  }
  assert.deepEqual(Array.from(rampWeights(6, 2)).map((v) => +v.toFixed(3)), [0.333, 0.667, 1, 1, 0.667, 0.333]);
});

const CLASSES = [
  { id: 0, name: 'background', color: '#000000' },
  { id: 3, name: 'cell', color: '#e6194b' },
  { id: 7, name: 'germ', color: '#3cb44b' },
];

function job(parts: FinishJob['parts'], extra: Partial<FinishJob> = {}): FinishJob {
  return { width: 4, height: 2, mode: 'resize', kind: 'logits', layout: 'NCHW', channels: 3, overlap: 0, parts, classIds: [0, 3, 7], ignoreIndex: 255, palette: CLASSES, ...extra };
}

function ids(result: { png: Uint8Array }): number[] {
  return Array.from(decodeMaskPng(result.png, { classes: CLASSES, ignoreIndex: 255 }).ids);
}

test('logits become class ids (channel k -> classes[k].id), with confidence and normalised entropy', () => {
  // 2x4 image; channel planes [C][y][x]. Pixels pick channels 0,1,2,0 / 2,2,1,0.
  const winners = [0, 1, 2, 0, 2, 2, 1, 0];
  const data = new Float32Array(3 * 8);
  winners.forEach((k, p) => (data[k * 8 + p] = 50));
  const r = finishPrediction(job([{ data, height: 2, width: 4, x: 0, y: 0 }]));
  assert.deepEqual(ids(r), winners.map((k) => [0, 3, 7][k]));
  assert.deepEqual(r.pixels, [3, 2, 3]);
  assert.ok(Math.abs(r.meanConfidence! - 1) < 1e-9 && r.meanEntropy! < 1e-9, `certain: ${r.meanConfidence}, ${r.meanEntropy}`);

  const flat = finishPrediction(job([{ data: new Float32Array(24), height: 2, width: 4, x: 0, y: 0 }]));
  assert.ok(Math.abs(flat.meanConfidence! - 1 / 3) < 1e-6 && Math.abs(flat.meanEntropy! - 1) < 1e-6, `uniform: ${flat.meanConfidence}, ${flat.meanEntropy}`);
  assert.deepEqual(ids(flat), new Array(8).fill(0), 'ties go to the first channel, as ArgMax');
});

test('NHWC scores and probabilities give the same ids as NCHW logits', () => {
  const winners = [2, 1, 0, 1, 1, 2, 0, 2];
  const nchw = new Float32Array(24);
  const nhwc = new Float32Array(24);
  const probs = new Float32Array(24).fill(0.1);
  winners.forEach((k, p) => {
    nchw[k * 8 + p] = 4;
    nhwc[p * 3 + k] = 4;
    probs[k * 8 + p] = 0.8;
  });
  const a = ids(finishPrediction(job([{ data: nchw, height: 2, width: 4, x: 0, y: 0 }])));
  const b = ids(finishPrediction(job([{ data: nhwc, height: 2, width: 4, x: 0, y: 0 }], { layout: 'NHWC' })));
  const p = finishPrediction(job([{ data: probs, height: 2, width: 4, x: 0, y: 0 }], { kind: 'probabilities' }));
  assert.deepEqual(b, a);
  assert.deepEqual(ids(p), a);
  assert.ok(Math.abs(p.meanConfidence! - 0.8) < 1e-6, `probabilities are not softmaxed again: ${p.meanConfidence}`);
});

test('scores at a lower resolution are resized bilinearly to the image size', () => {
  // 1x2 scores: left column class 1, right column class 2 -> 2x4 image: two columns each.
  const data = Float32Array.from([0, 0, 5, -5, -5, 5]);
  const r = finishPrediction(job([{ data, height: 1, width: 2, x: 0, y: 0 }]));
  assert.deepEqual(ids(r), [3, 3, 7, 7, 3, 3, 7, 7]);
});

test('overlapping tiles of the same scores blend to the scores themselves', () => {
  // A 1-class-per-column image 6 wide, 2 high, seen through two 2x4 tiles at x=0 and x=2.
  const cls = (x: number) => x % 3;
  const tile = (x0: number) => {
    const d = new Float32Array(3 * 8);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) d[cls(x0 + x) * 8 + y * 4 + x] = 3;
    return { data: d, height: 2, width: 4, x: x0, y: 0 };
  };
  const r = finishPrediction(job([tile(0), tile(2)], { width: 6, height: 2, mode: 'tile', overlap: 2 }));
  assert.deepEqual(ids(r), [0, 3, 7, 0, 3, 7, 0, 3, 7, 0, 3, 7]);
  assert.equal(r.width, 6);
});

test('a labels output keeps class ids, maps unknown values to the ignore index, and has no confidence', () => {
  const data = BigInt64Array.from([0n, 3n, 7n, 9n, 3n, 3n, -1n, 0n]);
  const r = finishPrediction(job([{ data, height: 2, width: 4, x: 0, y: 0 }], { kind: 'labels' }));
  assert.deepEqual(ids(r), [0, 3, 7, 255, 3, 3, 255, 0]);
  assert.deepEqual(r.pixels, [2, 3, 1]);
  assert.equal(r.meanConfidence, null);
  assert.equal(r.meanEntropy, null);
});

test('mean confidence and entropy match the exact softmax to 1e-5 (tabulated exp and log)', () => {
  for (const C of [2, 3, 7]) {
    const W = 64;
    const H = 16;
    const n = W * H;
    let seed = 7 * C;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const data = Float32Array.from({ length: C * n }, () => (random() - 0.5) * 12 * random());
    let confidence = 0;
    let entropy = 0;
    for (let p = 0; p < n; p++) {
      const x = Array.from({ length: C }, (_, c) => data[c * n + p]);
      const m = Math.max(...x);
      const e = x.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      confidence += Math.max(...e) / z;
      entropy -= e.reduce((a, v) => a + (v / z) * Math.log(v / z), 0);
    }
    const classes = Array.from({ length: C }, (_, id) => ({ id, name: `c${id}`, color: '#000000' }));
    const r = finishPrediction(job([{ data, height: H, width: W, x: 0, y: 0 }], { width: W, height: H, channels: C, classIds: classes.map((c) => c.id), palette: classes }));
    assert.ok(Math.abs(r.meanConfidence! - confidence / n) < 1e-5, `C=${C}: confidence ${r.meanConfidence} vs ${confidence / n}`);
    assert.ok(Math.abs(r.meanEntropy! - entropy / n / Math.log(C)) < 1e-5, `C=${C}: entropy ${r.meanEntropy} vs ${entropy / n / Math.log(C)}`);
  }
});
