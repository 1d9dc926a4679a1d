// `segment eval` instance quality on a generated dataset: real PNG files (masks through sharp, 16-bit
// instance maps through the project's encoder), figures checked against a simple independent
// matching written here, and the connected-components baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeInstancePng } from '../../src/core/maskCodec';
import { runCli } from '../helpers/cli';
import { tempDir, writeIdsWithSharp } from '../helpers/dataset';
import { startWorker } from '../helpers/worker';

const W = 48;
const H = 32;
const CLASSES = [
  { id: 0, name: 'background', color: '#000000', thing: false },
  { id: 1, name: 'cell', color: '#e6194b', thing: true },
  { id: 2, name: 'spot', color: '#3cb44b', thing: true },
  { id: 3, name: 'tissue', color: '#4363d8', thing: false },
];
const THINGS = [1, 2];

/** An instance map and a class map painted with rectangles (inclusive bounds). */
class Scene {
  inst = new Uint16Array(W * H);
  cls = new Uint8Array(W * H);
  rect(x0: number, y0: number, x1: number, y1: number, id: number, cls: number): this {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) {
      this.inst[y * W + x] = id;
      this.cls[y * W + x] = cls;
    }
    return this;
  }
}

// Truth and prediction per image. Ids above 255 check that 16-bit maps are read as such.
const truth = {
  // a: two touching cells (300, 301), a separate cell (302), a spot (303), and some tissue (stuff).
  a: new Scene().rect(2, 2, 11, 11, 300, 1).rect(12, 2, 21, 11, 301, 1).rect(30, 2, 39, 11, 302, 1).rect(2, 20, 9, 27, 303, 2).rect(30, 20, 45, 30, 0, 3),
  // b: two cells.
  b: new Scene().rect(2, 2, 11, 11, 1, 1).rect(20, 2, 29, 11, 2, 1),
  // c: two touching cells.
  c: new Scene().rect(2, 2, 11, 11, 1, 1).rect(12, 2, 21, 11, 2, 1),
  // d: a cell; no predicted instance map will be given for it.
  d: new Scene().rect(5, 5, 14, 14, 1, 1),
};
const pred = {
  // a: the two touching cells merged into one (IoU 0.5 with each: no match); 302 exact; the spot split
  // into a large part (IoU 0.75: a match) and a small one (a false positive); tissue right.
  a: new Scene().rect(2, 2, 21, 11, 1000, 1).rect(30, 2, 39, 11, 7, 1).rect(2, 20, 7, 27, 4, 2).rect(8, 20, 9, 27, 5, 2).rect(30, 20, 45, 30, 0, 3),
  // b: the first cell a column short (IoU 0.9), the second missed, a false positive cell elsewhere.
  b: new Scene().rect(3, 2, 11, 11, 7, 1).rect(35, 20, 40, 25, 9, 1),
  // c: both touching cells right, as separate instances.
  c: new Scene().rect(2, 2, 11, 11, 5, 1).rect(12, 2, 21, 11, 6, 1),
  d: new Scene().rect(5, 5, 14, 14, 1, 1),
};

async function writeDataset(root: string): Promise<void> {
  for (const dir of ['images', 'masks', 'instances', 'prelabels/instances']) mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, 'segment.json'), JSON.stringify({ classes: CLASSES, ignoreIndex: 255 }));
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
    await sharp({ create: { width: W, height: H, channels: 3, background: '#202020' } }).png().toFile(path.join(root, 'images', `${key}.png`));
  }
  for (const [key, scene] of Object.entries(truth)) {
    await writeIdsWithSharp(path.join(root, 'masks', `${key}.png`), scene.cls, W, H);
    writeFileSync(path.join(root, 'instances', `${key}.png`), encodeInstancePng(scene.inst, W, H));
  }
  // e: labelled, without instances: counted in the semantic figures only.
  await writeIdsWithSharp(path.join(root, 'masks', 'e.png'), new Scene().rect(1, 1, 5, 5, 0, 1).cls, W, H);
  await writeIdsWithSharp(path.join(root, 'prelabels', 'e.png'), new Scene().rect(1, 1, 5, 5, 0, 1).cls, W, H);
  for (const [key, scene] of Object.entries(pred)) {
    await writeIdsWithSharp(path.join(root, 'prelabels', `${key}.png`), scene.cls, W, H);
    if (key !== 'd') writeFileSync(path.join(root, 'prelabels', 'instances', `${key}.png`), encodeInstancePng(scene.inst, W, H));
  }
  // f: unlabelled, with a predicted instance map and no class pre-label.
  writeFileSync(path.join(root, 'prelabels', 'instances', 'f.png'), encodeInstancePng(pred.a.inst, W, H));
}

interface Counts { tp: number; fp: number; fn: number; iouSum: number }

/** Panoptic matching, written plainly: segments of equal class match when their IoU exceeds 0.5. */
function expectedQuality(pairs: { truth: Scene; pred: { inst: ArrayLike<number>; cls: Uint8Array } }[]) {
  const counts = new Map<number, Counts>(THINGS.map((c) => [c, { tp: 0, fp: 0, fn: 0, iouSum: 0 }]));
  const segments = (inst: ArrayLike<number>, cls: Uint8Array) => {
    const out = new Map<number, { pixels: Set<number>; cls: number }>();
    const votes = new Map<number, number[]>();
    for (let k = 0; k < cls.length; k++) {
      if (!inst[k]) continue;
      if (!out.has(inst[k])) out.set(inst[k], { pixels: new Set(), cls: -1 }), votes.set(inst[k], Array(256).fill(0));
      out.get(inst[k])!.pixels.add(k);
      votes.get(inst[k])![cls[k]]++;
    }
    for (const [id, s] of out) s.cls = votes.get(id)!.indexOf(Math.max(...votes.get(id)!));
    return [...out.values()];
  };
  for (const { truth: t, pred: p } of pairs) {
    const ts = segments(t.inst, t.cls);
    const ps = segments(p.inst, p.cls);
    const matchedPred = new Set<object>();
    for (const a of ts) {
      const c = counts.get(a.cls);
      if (!c) continue;
      const match = ps.map((b) => {
        const inter = [...a.pixels].filter((k) => b.pixels.has(k)).length;
        return { b, iou: inter / (a.pixels.size + b.pixels.size - inter) };
      }).find(({ b, iou }) => b.cls === a.cls && iou > 0.5);
      if (match) {
        c.tp++;
        c.iouSum += match.iou;
        matchedPred.add(match.b);
      } else c.fn++;
    }
    for (const b of ps) if (counts.has(b.cls) && !matchedPred.has(b)) counts.get(b.cls)!.fp++;
  }
  const perClass = THINGS.map((id) => {
    const { tp, fp, fn, iouSum } = counts.get(id)!;
    const denom = tp + fp / 2 + fn / 2;
    // Unscored predictions are one threshold: precision tp / (tp + fp) up to recall tp / truths.
    const recall = tp / (tp + fn);
    const points = [...Array(101).keys()].filter((r) => r / 100 <= recall).length;
    return { id, tp, fp, fn, pq: iouSum / denom, sq: tp ? iouSum / tp : 0, rq: tp / denom, ap50: tp ? (points * tp) / (tp + fp) / 101 : 0 };
  });
  const mean = (k: 'pq' | 'sq' | 'rq' | 'ap50') => perClass.reduce((s, c) => s + c[k], 0) / perClass.length;
  return { perClass, pq: mean('pq'), sq: mean('sq'), rq: mean('rq'), ap50: mean('ap50') };
}

/** 8-connected components of each thing class, by flood fill (independent of the project's union-find). */
function components(cls: Uint8Array): Uint32Array {
  const out = new Uint32Array(cls.length);
  let next = 0;
  for (let k = 0; k < cls.length; k++) {
    if (out[k] || !THINGS.includes(cls[k])) continue;
    const stack = [k];
    out[k] = ++next;
    while (stack.length) {
      const q = stack.pop()!;
      const x = q % W;
      const y = Math.floor(q / W);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        const r = ny * W + nx;
        if (nx < 0 || ny < 0 || nx >= W || ny >= H || out[r] || cls[r] !== cls[k]) continue;
        out[r] = next;
        stack.push(r);
      }
    }
  }
  return out;
}

function assertClose(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);
}

function assertQuality(got: any, expected: ReturnType<typeof expectedQuality>): void {
  assert.deepEqual(got.perClass.map((c: any) => [c.id, c.tp, c.fp, c.fn]), expected.perClass.map((c) => [c.id, c.tp, c.fp, c.fn]));
  for (const [i, c] of expected.perClass.entries()) {
    for (const k of ['pq', 'sq', 'rq', 'ap50'] as const) assertClose(got.perClass[i][k], c[k], `class ${c.id} ${k}`);
  }
  for (const k of ['pq', 'sq', 'rq', 'ap50'] as const) assertClose(got[k], expected[k], `overall ${k}`);
}

test('segment eval --json: PQ, SQ, RQ and AP50 of pre-label instance maps equal an independent matching', async (t) => {
  const root = tempDir(t);
  await writeDataset(root);
  const run = await runCli(['eval', root, '--json']);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const q = run.done!.instances;
  assert.ok(q, 'an instance section');
  assert.equal(q.source, 'maps');
  assert.equal(q.predictions, path.join(root, 'prelabels', 'instances'));
  assert.equal(q.images, 3, 'a, b and c have truth and predicted instance maps');
  assert.deepEqual(q.missing, ['images/d.png'], 'd has no predicted instance map');
  assert.deepEqual(q.perClass.map((c: any) => c.name), ['cell', 'spot'], 'thing classes only');

  // By hand: cells: TP 302, b1 (IoU 0.9), c1, c2; FN 300, 301 (merged), b2 (missed); FP the merge, b's stray.
  // Spot: TP the large part (IoU 0.75), FP the small part.
  assert.deepEqual(q.perClass.map((c: any) => [c.tp, c.fp, c.fn]), [[4, 2, 3], [1, 1, 0]]);
  assertClose(q.perClass[0].pq, (1 + 0.9 + 1 + 1) / (4 + 1 + 1.5), 'cell PQ by hand');
  assertClose(q.perClass[1].sq, 0.75, 'spot SQ by hand');
  assertQuality(q, expectedQuality((['a', 'b', 'c'] as const).map((k) => ({ truth: truth[k], pred: pred[k] }))));

  const text = await runCli(['eval', root]);
  assert.match(text.stdout, /instances \(.*prelabels\/instances; matched at IoU > 0\.5, 3 images\)/);
  assert.match(text.stdout, new RegExp(`PQ ${(q.pq * 100).toFixed(1)}%`));
  assert.match(text.stdout, /no predicted instance map for 1 images with instances/);
});

test('segment stats counts no predicted instance map as a pre-label, image or problem', async (t) => {
  const root = tempDir(t);
  await writeDataset(root);
  const s = (await runCli(['stats', root, '--json'])).done!;
  assert.deepEqual([s.images, s.labelled, s.prelabelled, s.unlabelled, s.withInstances], [6, 5, 0, 1, 4]);
  assert.deepEqual(s.problems, []);
});

test('--pred-instances components: touching objects merge, so PQ falls below that of a correct instance map', async (t) => {
  const root = tempDir(t);
  await writeDataset(root);
  // A prediction whose classes are exactly the truth's, at first without instance maps.
  const perfect = path.join(root, 'perfect');
  mkdirSync(perfect);
  for (const [key, scene] of Object.entries(truth)) await writeIdsWithSharp(path.join(perfect, `${key}.png`), scene.cls, W, H);

  const none = await runCli(['eval', root, '--pred', perfect, '--json']);
  assert.equal(none.code, 0, none.stderr + none.stdout);
  assert.equal(none.done!.mIoU, 1);
  assert.equal(none.done!.instances, undefined, 'no predicted instance maps: no instance section');

  const comp = await runCli(['eval', root, '--pred', perfect, '--pred-instances', 'components', '--json']);
  assert.equal(comp.code, 0, comp.stderr + comp.stdout);
  const q = comp.done!.instances;
  assert.equal(q.source, 'components');
  assert.equal(q.images, 4);
  const keys = ['a', 'b', 'c', 'd'] as const;
  assertQuality(q, expectedQuality(keys.map((k) => ({ truth: truth[k], pred: { inst: components(truth[k].cls), cls: truth[k].cls } }))));
  // By hand: a's and c's touching pairs merge (4 FN, 2 FP); 302, b1, b2, d1 and the spot match exactly.
  assert.deepEqual(q.perClass.map((c: any) => [c.tp, c.fp, c.fn]), [[4, 2, 4], [1, 0, 0]]);

  mkdirSync(path.join(perfect, 'instances'));
  for (const [key, scene] of Object.entries(truth)) writeFileSync(path.join(perfect, 'instances', `${key}.png`), encodeInstancePng(scene.inst, W, H));
  const maps = await runCli(['eval', root, '--pred', perfect, '--json']);
  const m = maps.done!.instances;
  assert.equal(m.pq, 1, 'the true instance maps are perfect');
  assert.deepEqual(m.perClass.map((c: any) => [c.tp, c.fp, c.fn]), [[8, 0, 0], [1, 0, 0]]);
  assert.ok(q.perClass[0].pq < m.perClass[0].pq && q.pq < m.pq, `components PQ ${q.pq} < instance maps PQ ${m.pq}`);

  const bad = await runCli(['eval', root, '--pred-instances', 'watershed']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--pred-instances must be one of maps, components/);
});

test('a predicted instance map of the wrong size fails its image, naming the file', async (t) => {
  const root = tempDir(t);
  await writeDataset(root);
  writeFileSync(path.join(root, 'prelabels', 'instances', 'b.png'), encodeInstancePng(new Uint16Array(10 * 10), 10, 10));
  const run = await runCli(['eval', root, '--json']);
  assert.equal(run.code, 1);
  assert.deepEqual(run.done!.failed, [{ path: 'images/b.png', reason: 'prelabels/instances/b.png: predicted instance map is 10x10 but the mask is 48x32' }]);
  assert.equal(run.done!.instances.images, 2);
});

test('the eval job (what "Segment: Evaluate" draws) equals segment eval, components included; the index job keeps instance maps with their pre-label', async (t) => {
  const root = tempDir(t);
  await writeDataset(root);
  const worker = startWorker(t);
  for (const mode of ['maps', 'components'] as const) {
    const job = await worker.run('eval', { root, predInstances: mode });
    const cli = (await runCli(['eval', root, '--pred-instances', mode, '--json'])).done!;
    assert.deepEqual(job.instances, cli.instances, mode);
  }
  const index = await worker.run('index', { root });
  assert.deepEqual(index.items.map((i) => [i.key, i.prelabel ?? null, i.prelabelInstances ?? null]), [
    ['a', 'prelabels/a.png', 'prelabels/instances/a.png'], ['b', 'prelabels/b.png', 'prelabels/instances/b.png'],
    ['c', 'prelabels/c.png', 'prelabels/instances/c.png'], ['d', 'prelabels/d.png', null], ['e', 'prelabels/e.png', null], ['f', null, null],
  ]);
});
