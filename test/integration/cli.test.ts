import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli';
import { copySample, readMaskIndependently, SAMPLE, sampleClasses, tempDir, writeIdsWithSharp } from '../helpers/dataset';

const stems = (dir: string) => readdirSync(dir).map((f) => f.replace(/\.[^.]+$/, '')).sort();

test('segment stats --json gives exact counts on the sample dataset', async () => {
  const run = await runCli(['stats', SAMPLE, '--json']);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const s = run.done!;
  assert.equal(s.event, 'done');
  assert.equal(s.command, 'stats');

  const images = stems(path.join(SAMPLE, 'images'));
  const masks = stems(path.join(SAMPLE, 'masks'));
  assert.equal(s.images, images.length);
  assert.equal(s.labelled, masks.length);
  assert.equal(s.unlabelled, images.length - masks.length);
  assert.equal(s.prelabelled, 0);
  assert.equal(s.withInstances, stems(path.join(SAMPLE, 'instances')).length);
  assert.deepEqual(s.problems, []);

  // Class pixel counts and image counts, from masks decoded by libvips rather than our codec.
  const classes = sampleClasses();
  const pixels = new Map(classes.map((c) => [c.id, 0]));
  const withClass = new Map(classes.map((c) => [c.id, 0]));
  for (const m of masks) {
    const { ids } = await readMaskIndependently(path.join(SAMPLE, 'masks', `${m}.png`));
    const seen = new Set<number>();
    for (const id of ids) {
      pixels.set(id, pixels.get(id)! + 1);
      seen.add(id);
    }
    for (const id of seen) withClass.set(id, withClass.get(id)! + 1);
  }
  assert.deepEqual(
    s.classes.map((c: any) => [c.id, c.name, c.pixels, c.images]),
    classes.map((c) => [c.id, c.name, pixels.get(c.id), withClass.get(c.id)]),
  );
  assert.ok(pixels.get(2)! > 0 && pixels.get(1)! > pixels.get(2)!, 'cells outnumber the thin bacteria');

  // Image sizes from the JPEG headers.
  const sizes = new Map<string, number>();
  for (const f of readdirSync(path.join(SAMPLE, 'images'))) {
    const meta = await sharp(path.join(SAMPLE, 'images', f)).metadata();
    const key = `${meta.width}x${meta.height}`;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(s.sizes.map((z: any) => [`${z.width}x${z.height}`, z.count])), Object.fromEntries(sizes));
  const splitCounts = ['train', 'val', 'test'].map((n) => readdirSync(path.join(SAMPLE, 'splits')).includes(`${n}.txt`));
  assert.deepEqual(splitCounts, [true, true, true]);
  assert.equal(s.splits.train + s.splits.val + s.splits.test + s.splits.none, images.length);
});

test('segment stats without --json prints a readable table', async () => {
  const run = await runCli(['stats', SAMPLE]);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /labelled 24, pre-labelled 0, unlabelled 8/);
  assert.match(run.stdout, /red blood cell/);
  assert.match(run.stdout, /problems: none/);
});

test('segment eval gives the metrics of an independent computation', async (t) => {
  const pred = tempDir(t);
  const classes = sampleClasses();
  const n = 3;
  const cm = Array.from({ length: n }, () => new Array(n).fill(0));
  const perImage: [string, number][] = [];
  const masks = readdirSync(path.join(SAMPLE, 'masks')).sort();
  for (const [i, f] of masks.entries()) {
    const { ids, width, height } = await readMaskIndependently(path.join(SAMPLE, 'masks', f));
    // A plausible imperfect model: shifted by a pixel or two, with some bacteria missed.
    const shift = (i % 3) + 1;
    const p = new Uint8Array(ids.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.min(width - 1, x + shift);
        let v = ids[y * width + sx];
        if (v === 2 && (x + y + i) % 4 === 0) v = 0;
        p[y * width + x] = v;
      }
    }
    await writeIdsWithSharp(path.join(pred, f), p, width, height);
    const icm = Array.from({ length: n }, () => new Array(n).fill(0));
    for (let k = 0; k < ids.length; k++) {
      cm[ids[k]][p[k]]++;
      icm[ids[k]][p[k]]++;
    }
    perImage.push([`images/${f.replace('.png', '.jpg')}`, miou(icm)]);
  }
  const run = await runCli(['eval', SAMPLE, '--pred', pred, '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const r = run.done!;
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  close(r.mIoU, miou(cm));
  const total = cm.flat().reduce((a, b) => a + b, 0);
  close(r.pixelAccuracy, (cm[0][0] + cm[1][1] + cm[2][2]) / total);
  close(r.meanPixelAccuracy, [0, 1, 2].reduce((a, i) => a + cm[i][i] / cm[i].reduce((x, y) => x + y, 0), 0) / 3);
  for (const c of r.perClass) {
    const i = c.id;
    const t = cm[i].reduce((a, b) => a + b, 0);
    const pp = cm.reduce((a, row) => a + row[i], 0);
    close(c.iou, cm[i][i] / (t + pp - cm[i][i]));
    assert.equal(c.name, classes[i].name);
  }
  assert.equal(r.images.length, masks.length);
  const expected = new Map(perImage);
  for (const img of r.images) close(img.mIoU, expected.get(img.path)!);
  for (let k = 1; k < r.images.length; k++) assert.ok(r.images[k - 1].mIoU <= r.images[k].mIoU, 'worst first');
  assert.ok(r.mIoU > 0.5 && r.mIoU < 1);
  assert.equal(r.missing.length, 0);
});

test('segment eval lists labelled images without a prediction as missing', async (t) => {
  const pred = tempDir(t);
  copyFileSync(path.join(SAMPLE, 'masks', 'df_010.png'), path.join(pred, 'df_010.png'));
  const run = await runCli(['eval', SAMPLE, '--pred', pred, '--json']);
  assert.equal(run.code, 0);
  assert.equal(run.done!.images.length, 1);
  assert.equal(run.done!.mIoU, 1);
  assert.equal(run.done!.missing.length, 23);
});

test('a missing dataset folder is exit 2 with a clear message', async () => {
  const run = await runCli(['stats', '/nonexistent/dataset', '--json']);
  assert.equal(run.code, 2);
  assert.equal(run.events.at(-1)!.event, 'error');
  assert.match(run.events.at(-1)!.message, /dataset folder not found: \/nonexistent\/dataset/);
  const human = await runCli(['stats', '/nonexistent/dataset']);
  assert.equal(human.code, 2);
  assert.match(human.stderr, /dataset folder not found/);
});

test('bad arguments are exit 2 with the usage', async () => {
  const unknown = await runCli(['stats', SAMPLE, '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /usage: segment stats/);
  const none = await runCli(['eval']);
  assert.equal(none.code, 2);
  const cmd = await runCli(['explode']);
  assert.equal(cmd.code, 2);
  assert.match(cmd.stderr, /unknown command "explode"/);
});

test('a mask of the wrong size and an unknown class id are problems that name the file and value', async (t) => {
  const root = copySample(t);
  // df_009: resized mask; df_010: a pixel of value 7, which is no class.
  await sharp(path.join(SAMPLE, 'masks', 'df_009.png')).resize(100, 80, { kernel: 'nearest' }).png({ palette: true }).toFile(path.join(root, 'masks', 'df_009.png'));
  const { ids, width, height } = await readMaskIndependently(path.join(SAMPLE, 'masks', 'df_010.png'));
  ids[5 * width + 3] = 7;
  await writeIdsWithSharp(path.join(root, 'masks', 'df_010.png'), ids, width, height);

  const run = await runCli(['stats', root, '--json']);
  assert.equal(run.code, 1, 'problems that are errors make exit code 1');
  const problems = run.done!.problems;
  const size = problems.find((p: any) => p.code === 'mask-size-mismatch');
  assert.equal(size.file, 'masks/df_009.png');
  assert.match(size.message, /mask is 100x80 but its image is 384x288/);
  const unknown = problems.find((p: any) => p.code === 'mask-unknown-id');
  assert.equal(unknown.file, 'masks/df_010.png');
  assert.match(unknown.message, /value 7 is no class id \(1 pixels, first at x=3, y=5\)/);

  const human = await runCli(['stats', root]);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /error: masks\/df_009.png: mask is 100x80/);

  const evalRun = await runCli(['eval', root, '--pred', path.join(root, 'masks'), '--json']);
  assert.equal(evalRun.code, 1, 'pairs that cannot be compared make exit code 1');
  assert.deepEqual(evalRun.done!.failed.map((f: any) => f.path), ['images/df_010.jpg']);
});

test('an invalid segment.json stops with exit 2, naming the field', async (t) => {
  const root = copySample(t);
  writeFileSync(path.join(root, 'segment.json'), JSON.stringify({ classes: [{ id: 0, name: 'bg' }, { id: 0, name: 'x' }] }));
  const run = await runCli(['stats', root, '--json']);
  assert.equal(run.code, 2);
  const err = run.events.at(-1)!;
  assert.match(err.message, /segment\.json is not valid/);
  assert.equal(err.problems[0].field, 'classes[1].id');
});

test('a dataset without segment.json gets its classes inferred from the masks and their palette', async (t) => {
  const root = tempDir(t);
  for (const d of ['images', 'masks']) mkdirSync(path.join(root, d));
  for (const f of ['df_001', 'df_002']) {
    copyFileSync(path.join(SAMPLE, 'images', `${f}.jpg`), path.join(root, 'images', `${f}.jpg`));
    copyFileSync(path.join(SAMPLE, 'masks', `${f}.png`), path.join(root, 'masks', `${f}.png`));
  }
  const run = await runCli(['stats', root, '--json']);
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.done!.config, 'inferred');
  assert.equal(run.done!.layout, 'images+masks');
  assert.deepEqual(run.done!.classes.map((c: any) => [c.id, c.color]), [[0, '#000000'], [1, '#e6194b'], [2, '#3cb44b']]);
});

function miou(cm: number[][]): number {
  const ious: number[] = [];
  for (let i = 0; i < cm.length; i++) {
    const t = cm[i].reduce((a, b) => a + b, 0);
    const p = cm.reduce((a, row) => a + row[i], 0);
    if (t + p > 0) ious.push(cm[i][i] / (t + p - cm[i][i]));
  }
  return ious.reduce((a, b) => a + b, 0) / ious.length;
}
