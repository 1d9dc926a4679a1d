// The jobs behind the dataset view, the linter and the reports, in a real worker process: what the
// webviews draw is what these return, so they must equal the CLI and an independent computation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { WorkerClient } from '../../src/extension/workerClient';
import { REPO, runCli } from '../helpers/cli';
import { copySample, readMaskIndependently, sampleClasses } from '../helpers/dataset';
import { encodeMaskPng } from '../../src/core/maskCodec';
import { diffMap } from '../../src/core/comparison';
import { readIds } from '../helpers/roundTrip';

const WORKER = path.join(REPO, 'dist', 'worker.js');

function client(t: { after(fn: () => void): void }): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run "npm run build" first`);
  const c = new WorkerClient(WORKER);
  t.after(() => c.dispose());
  return c;
}

/** Pre-labels that a plausible model would write: each mask shifted right by 1..3 px, some bacteria missed. */
async function plantPrelabels(root: string, skip: string[] = []): Promise<string[]> {
  const classes = sampleClasses(root);
  const keys = readdirSync(path.join(root, 'masks')).map((f) => f.replace(/\.png$/, '')).filter((k) => !skip.includes(k)).sort();
  mkdirSync(path.join(root, 'prelabels'), { recursive: true });
  keys.forEach((key, i) => {
    const { ids, width, height } = readIds(path.join(root, 'masks', `${key}.png`));
    const p = new Uint8Array(ids.length);
    const shift = (i % 3) + 1;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      let v = ids[y * width + Math.min(width - 1, x + shift)];
      if (v === 2 && (x + y + i) % 4 === 0) v = 0;
      p[y * width + x] = v;
    }
    writeFileSync(path.join(root, 'prelabels', `${key}.png`), encodeMaskPng(p, width, height, { classes, ignoreIndex: 255 }));
  });
  return keys;
}

test('the eval job equals segment eval and an independent computation (libvips-decoded masks)', async (t) => {
  const root = copySample(t);
  const keys = await plantPrelabels(root);
  const worker = client(t);
  const job = await worker.run('eval', { root });
  const cli = await runCli(['eval', root, '--json']);
  assert.equal(cli.code, 0, cli.stdout);
  const { event, command, ...printed } = cli.done!;
  void event, void command;
  assert.deepEqual(printed, JSON.parse(JSON.stringify(job)), 'the report panel shows exactly what the CLI prints');

  // Independent: confusion matrix with plain loops over masks and predictions decoded by libvips.
  const n = 3;
  const cm = Array.from({ length: n }, () => new Array(n).fill(0));
  for (const key of keys) {
    const t2 = await readMaskIndependently(path.join(root, 'masks', `${key}.png`));
    const p = await readMaskIndependently(path.join(root, 'prelabels', `${key}.png`));
    for (let k = 0; k < t2.ids.length; k++) cm[t2.ids[k]][p.ids[k]]++;
  }
  const rowSum = (i: number) => cm[i].reduce((a, b) => a + b, 0);
  const colSum = (j: number) => cm.reduce((a, r) => a + r[j], 0);
  const iou = [0, 1, 2].map((i) => cm[i][i] / (rowSum(i) + colSum(i) - cm[i][i]));
  const acc = [0, 1, 2].map((i) => cm[i][i] / rowSum(i));
  const total = cm.flat().reduce((a, b) => a + b, 0);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} != ${b}`);
  close(job.mIoU, iou.reduce((a, b) => a + b) / 3, 'mIoU');
  close(job.pixelAccuracy, (cm[0][0] + cm[1][1] + cm[2][2]) / total, 'pixel accuracy');
  close(job.meanPixelAccuracy, acc.reduce((a, b) => a + b) / 3, 'mean pixel accuracy');
  job.perClass.forEach((c, i) => {
    close(c.iou!, iou[i], `IoU of ${c.name}`);
    close(c.accuracy!, acc[i], `accuracy of ${c.name}`);
  });
  assert.deepEqual(job.confusion.counts, cm.flat());
  assert.equal(job.images.length, keys.length);
  for (const img of job.images) assert.equal(img.path, `images/${img.key}.jpg`, 'each image carries its key, which names its prediction');

  // The comparison view's error map counts agree with the confusion matrix.
  const { ids: truth } = readIds(path.join(root, 'masks', `${keys[0]}.png`));
  const { ids: pred } = readIds(path.join(root, 'prelabels', `${keys[0]}.png`));
  const { counts } = diffMap(truth, pred, 255);
  let tp = 0, fp = 0, fn = 0, wrong = 0;
  for (let k = 0; k < truth.length; k++) {
    const a = truth[k], b = pred[k];
    if (a === b && a !== 0) tp++;
    else if (a === 0 && b !== 0) fp++;
    else if (a !== 0 && b === 0) fn++;
    else if (a !== b) wrong++;
  }
  assert.deepEqual(counts, { tp, fp, fn, wrong, ignore: 0 });
  assert.ok(tp > 0 && fp > 0 && fn > 0);
});

test('index and lint jobs: groups of the dataset view, problems by mask, re-checking one mask', async (t) => {
  const root = copySample(t);
  const keys = readdirSync(path.join(root, 'masks')).map((f) => f.replace(/\.png$/, '')).sort();
  // Two unlabelled images get a pre-label: they move from "unlabelled" to "pre-labelled".
  const unlabelled = readdirSync(path.join(root, 'images')).map((f) => f.replace(/\.jpg$/, '')).filter((k) => !keys.includes(k)).sort();
  mkdirSync(path.join(root, 'prelabels'));
  for (const key of unlabelled.slice(0, 2)) writeFileSync(path.join(root, 'prelabels', `${key}.png`), readFileSync(path.join(root, 'masks', `${keys[0]}.png`)));
  const worker = client(t);
  const index = await worker.run('index', { root });
  const groups = { labelled: 0, prelabelled: 0, unlabelled: 0 };
  for (const item of index.items) groups[item.mask ? 'labelled' : item.prelabel ? 'prelabelled' : 'unlabelled']++;
  assert.deepEqual(groups, { labelled: 24, prelabelled: 2, unlabelled: 6 });
  const stats = await runCli(['stats', root, '--json']);
  assert.deepEqual([stats.done!.labelled, stats.done!.prelabelled, stats.done!.unlabelled], [24, 2, 6]);

  const clean = await worker.run('lint', { root });
  assert.deepEqual(clean.problems, []);
  assert.equal(Object.keys(clean.masks).length, 24);
  assert.ok(Object.values(clean.masks).every((p) => p.length === 0));

  // Plant: a mask of the wrong size, an RGB mask, an id with no class, an orphan mask, a clashing stem.
  const classes = sampleClasses(root);
  writeFileSync(path.join(root, 'masks', `${keys[1]}.png`), encodeMaskPng(new Uint8Array(50 * 40), 50, 40, { classes, ignoreIndex: 255 }));
  const rgb = await readMaskIndependently(path.join(root, 'masks', `${keys[2]}.png`));
  await sharp(path.join(root, 'masks', `${keys[2]}.png`)).toColourspace('srgb').removeAlpha().png({ palette: false }).toFile(path.join(root, 'rgb.png'));
  writeFileSync(path.join(root, 'masks', `${keys[2]}.png`), readFileSync(path.join(root, 'rgb.png')));
  const bad = readIds(path.join(root, 'masks', `${keys[3]}.png`));
  bad.ids[5] = 7;
  writeFileSync(path.join(root, 'masks', `${keys[3]}.png`), encodeMaskPng(bad.ids, bad.width, bad.height, { classes, ignoreIndex: 255 }));
  writeFileSync(path.join(root, 'masks', 'orphan.png'), readFileSync(path.join(root, 'masks', `${keys[0]}.png`)));
  writeFileSync(path.join(root, 'images', `${keys[4]}.png`), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer());

  const all = await worker.run('lint', { root });
  const codes = (list: { code: string; file: string }[]) => list.map((p) => `${p.code} ${p.file}`).sort();
  assert.deepEqual(codes(all.problems), [`duplicate-stem images/${keys[4]}.png`, 'mask-without-image masks/orphan.png']);
  assert.deepEqual(codes(all.masks[`masks/${keys[1]}.png`]), [`mask-size-mismatch masks/${keys[1]}.png`]);
  assert.deepEqual(codes(all.masks[`masks/${keys[2]}.png`]), [`mask-not-single-channel masks/${keys[2]}.png`]);
  assert.deepEqual(codes(all.masks[`masks/${keys[3]}.png`]), [`mask-unknown-id masks/${keys[3]}.png`]);
  assert.equal(all.masks[`masks/${keys[3]}.png`][0].value, 7);
  assert.match(all.masks[`masks/${keys[1]}.png`][0].message, /mask is 50x40 but its image is \d+x\d+/);

  // Only the named masks are read again.
  const one = await worker.run('lint', { root, masks: [`masks/${keys[3]}.png`] });
  assert.deepEqual(Object.keys(one.masks), [`masks/${keys[3]}.png`]);

  // The safe fix: the RGB mask becomes a palette PNG with exactly the same ids.
  await worker.run('maskToPalette', { root, mask: `masks/${keys[2]}.png` });
  const fixed = await sharp(path.join(root, 'masks', `${keys[2]}.png`)).metadata();
  assert.equal(fixed.isPalette, true);
  assert.deepEqual((await readMaskIndependently(path.join(root, 'masks', `${keys[2]}.png`))).ids, rgb.ids);
  const after = await worker.run('lint', { root, masks: [`masks/${keys[2]}.png`] });
  assert.deepEqual(after.masks[`masks/${keys[2]}.png`], []);
  await assert.rejects(worker.run('maskToPalette', { root, mask: `masks/${keys[3]}.png` }), /no class/);
});

test('the export job writes through the worker with progress; a stats job on >250 images uses threads and agrees with one thread', async (t) => {
  const root = copySample(t);
  const worker = client(t);
  const out = path.join(root, '..', `${path.basename(root)}-coco`);
  t.after(() => require('node:fs').rmSync(out, { recursive: true, force: true }));
  const seen: number[] = [];
  const result = await worker.run('exportDataset', { root, format: 'coco', out }, { onProgress: (p) => seen.push(p.done) });
  assert.equal(result.images, 24);
  assert.ok(seen.length > 0 && seen.at(-1) === 24);
  assert.ok(existsSync(path.join(out, 'annotations', 'instances.json')));

  // 300 images: copies of the sample's pairs under new names, so the pool splits them over threads.
  const big = path.join(root, '..', `${path.basename(root)}-big`);
  t.after(() => require('node:fs').rmSync(big, { recursive: true, force: true }));
  mkdirSync(path.join(big, 'images'), { recursive: true });
  mkdirSync(path.join(big, 'masks'));
  writeFileSync(path.join(big, 'segment.json'), readFileSync(path.join(root, 'segment.json')));
  const keys = readdirSync(path.join(root, 'masks')).map((f) => f.replace(/\.png$/, ''));
  for (let i = 0; i < 600; i++) {
    const key = keys[i % keys.length];
    writeFileSync(path.join(big, 'images', `p${i}.jpg`), readFileSync(path.join(root, 'images', `${key}.jpg`)));
    writeFileSync(path.join(big, 'masks', `p${i}.png`), readFileSync(path.join(root, 'masks', `${key}.png`)));
  }
  const one = await runCli(['stats', big, '--json'], { env: { SEGMENT_STATS_THREADS: '1' } });
  const pool = await runCli(['stats', big, '--json'], { env: { SEGMENT_STATS_THREADS: '2' } });
  assert.equal(pool.code, 0, pool.stdout);
  assert.deepEqual(pool.done, one.done);
  assert.equal(pool.done!.images, 600);
});
