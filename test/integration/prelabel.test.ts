/**
 * Pre-labelling end to end on real files: the built CLI and worker, real onnxruntime-node
 * sessions on ONNX models built by test/helpers/onnxModels.ts, real JPEGs of the sample dataset.
 * Outputs are read back with sharp (not the project's codec) and checked pixel by pixel against
 * the models' known arithmetic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { REPO, runCli } from '../helpers/cli';
import { copySample, readMaskIndependently, tempDir } from '../helpers/dataset';
import { expectedPixelClass, pixelModel, PIXEL_B, PIXEL_W, SAMPLE_CLASSES, unetModel, writeModel } from '../helpers/onnxModels';
import { DataType, GraphBuilder } from '../helpers/onnxGraph';
import { JobFailedError, WorkerClient } from '../../src/extension/workerClient';
import { runPrelabelJob } from '../../src/extension/prelabel/runJob';
import type { PrelabelSidecar } from '../../src/core/prelabel';

const WORKER = path.join(REPO, 'dist', 'worker.js');
const UNLABELLED = 8; // the sample has 32 images, 24 of them with masks

/** Every file under `dir` (hidden ones too) with its sha256. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

/** Every file under `dir`, hidden ones included. */
function allFiles(dir: string): string[] {
  return [...snapshot(dir).keys()].sort();
}

/** Checks that a pre-label folder holds only whole pre-labels: PNG + sidecar pairs, nothing else. */
async function assertOnlyCompletePrelabels(dir: string): Promise<number> {
  const files = allFiles(dir);
  const pngs = files.filter((f) => f.endsWith('.png'));
  const others = files.filter((f) => !f.endsWith('.png') && !f.endsWith('.json'));
  assert.deepEqual(others, [], `only PNGs and sidecars in ${dir}`);
  for (const png of pngs) {
    const sidecar = png.replace(/\.png$/, '.json');
    assert.ok(files.includes(sidecar), `${png} has its sidecar`);
    const info = JSON.parse(readFileSync(path.join(dir, sidecar), 'utf8')) as PrelabelSidecar;
    const mask = await readMaskIndependently(path.join(dir, png));
    assert.equal(mask.width * mask.height, info.width * info.height, `${png} decodes whole`);
  }
  assert.equal(files.filter((f) => f.endsWith('.json')).length, pngs.length, `every sidecar in ${dir} has its PNG`);
  return pngs.length;
}

/** RGB pixels of an image as sharp decodes it. */
async function rgbOf(file: string) {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Compares a pre-label with what the 1x1-convolution model gives each pixel. Pixels whose two best
 * logits are within 1e-4 may go either way (float rounding of tile blending), all others must match.
 */
async function assertPixelExact(prelabel: string, image: string): Promise<void> {
  const mask = await readMaskIndependently(prelabel);
  const rgb = await rgbOf(image);
  assert.deepEqual([mask.width, mask.height], [rgb.width, rgb.height], `${prelabel} has the image's size`);
  const ids = SAMPLE_CLASSES.map((c) => c.id);
  let wrong = 0;
  for (let p = 0; p < mask.ids.length; p++) {
    const [r, g, b] = [rgb.data[p * 3], rgb.data[p * 3 + 1], rgb.data[p * 3 + 2]];
    const expected = ids[expectedPixelClass(r, g, b)];
    if (mask.ids[p] !== expected && !nearTie(r, g, b)) wrong++;
  }
  assert.equal(wrong, 0, `${prelabel}: ${wrong} pixels differ from the model's arithmetic`);
}

function nearTie(r: number, g: number, b: number): boolean {
  const x = [r / 255, g / 255, b / 255];
  const logits = PIXEL_W.map((w, k) => w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + PIXEL_B[k]).sort((a, c) => c - a);
  return logits[0] - logits[1] < 1e-4;
}

function tileModel(dir: string, name = 'pixel-tile') {
  return pixelModel(dir, name, {}, { mode: 'tile', size: [64, 96], overlap: 8 }).onnx;
}

test('CLI pre-labels the unlabelled images: image size, valid ids, pixel-exact, sidecars, masks untouched', async (t) => {
  const root = copySample(t);
  const models = tempDir(t);
  const model = tileModel(models);
  const masksBefore = snapshot(path.join(root, 'masks'));
  const run = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const done = run.done!;
  assert.equal(done.written, UNLABELLED);
  assert.equal(done.total, 32);
  assert.equal(done.skipped.length, 24);
  assert.ok(done.skipped.every((s: { reason: string }) => s.reason === 'has a human mask'));
  assert.deepEqual(done.failed, []);
  assert.equal(done.executionProvider, 'cpu');
  assert.ok(done.imagesPerSecond > 0);
  assert.ok(run.events.some((e) => e.event === 'progress' && e.done === UNLABELLED && e.total === UNLABELLED), 'progress reaches done = total');
  assert.deepEqual(snapshot(path.join(root, 'masks')), masksBefore, 'masks/ byte-identical');

  const sha256 = createHash('sha256').update(readFileSync(model)).digest('hex');
  assert.equal(await assertOnlyCompletePrelabels(path.join(root, 'prelabels')), UNLABELLED);
  for (const name of readdirSync(path.join(root, 'prelabels')).filter((n) => n.endsWith('.png'))) {
    const key = name.slice(0, -4);
    assert.ok(!existsSync(path.join(root, 'masks', name)), `${key} had no mask`);
    await assertPixelExact(path.join(root, 'prelabels', name), path.join(root, 'images', `${key}.jpg`));
    const info = JSON.parse(readFileSync(path.join(root, 'prelabels', `${key}.json`), 'utf8')) as PrelabelSidecar;
    assert.equal(info.image, `images/${key}.jpg`);
    assert.deepEqual(info.model, { name: 'pixel-tile', file: 'pixel-tile.onnx', sha256 });
    assert.equal(info.executionProvider, 'cpu');
    assert.equal(info.mode, 'tile');
    assert.ok(!Number.isNaN(Date.parse(info.createdAt)));
    const mask = await readMaskIndependently(path.join(root, 'prelabels', name));
    assert.deepEqual(info.classes.map((c) => c.pixels), SAMPLE_CLASSES.map((c) => mask.ids.filter((v) => v === c.id).length), 'per-class pixel counts');
    assert.ok(info.meanConfidence! > 1 / 3 && info.meanConfidence! <= 1, `mean confidence ${info.meanConfidence}`);
    assert.ok(info.meanEntropy! >= 0 && info.meanEntropy! <= 1, `mean entropy ${info.meanEntropy}`);
  }

  // Again: everything is already done by this model; --all redoes all 32 and still leaves masks alone.
  const again = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(again.done!.written, 0);
  assert.equal(again.done!.skipped.filter((s: { reason: string }) => s.reason === 'already pre-labelled by this model').length, UNLABELLED);
  const all = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--all', '--json']);
  assert.equal(all.done!.written, 32);
  assert.deepEqual(snapshot(path.join(root, 'masks')), masksBefore, 'masks/ byte-identical after --all');
  assert.equal(await assertOnlyCompletePrelabels(path.join(root, 'prelabels')), 32);
});

test('three shards cover every image exactly once (--shard i/N, JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID)', async (t) => {
  const root = copySample(t);
  const model = tileModel(tempDir(t));
  const base = ['prelabel', root, '--model', model, '--device', 'cpu', '--all', '--json'];
  const runs = await Promise.all([
    runCli([...base, '--shard', '0/3']),
    runCli([...base, '--shard', '3'], { env: { JOB_COMPLETION_INDEX: '1' } }),
    runCli([...base, '--shard', '3'], { env: { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1' } }),
  ]);
  const byShard = runs.map((r) => {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r.done!;
  });
  assert.deepEqual(byShard.map((d) => d.shard), [0, 1, 2].map((index) => ({ index, count: 3 })));
  const sidecars = readdirSync(path.join(root, 'prelabels')).filter((n) => n.endsWith('.json'));
  assert.equal(sidecars.length, 32, 'every image pre-labelled');
  assert.equal(byShard.reduce((n, d) => n + d.written, 0), 32, 'no image pre-labelled twice');
  assert.ok(byShard.every((d) => d.written >= 10 && d.written <= 11), `balanced: ${byShard.map((d) => d.written)}`);
  assert.equal(await assertOnlyCompletePrelabels(path.join(root, 'prelabels')), 32);
});

test('model variants agree with the arithmetic: NHWC, labels, probabilities, fixed size and batch, grey input', async (t) => {
  const dir = tempDir(t);
  const tile = { mode: 'tile' as const, size: [64, 96] as [number, number], overlap: 8 };
  const variants = {
    nhwc: pixelModel(dir, 'nhwc', { layout: 'NHWC' }, tile),
    labels: pixelModel(dir, 'labels', { output: 'labels' }, tile),
    probabilities: pixelModel(dir, 'probabilities', { output: 'probabilities' }, tile),
    fixed: pixelModel(dir, 'fixed', { fixed: [1, 64, 96] }, { mode: 'tile', overlap: 8 }),
  };
  for (const [name, model] of Object.entries(variants)) {
    const root = copySample(t);
    const run = await runCli(['prelabel', root, '--model', model.onnx, '--device', 'cpu', '--json']);
    assert.equal(run.code, 0, `${name}: ${run.stdout}${run.stderr}`);
    assert.equal(run.done!.written, UNLABELLED, name);
    for (const png of readdirSync(path.join(root, 'prelabels')).filter((n) => n.endsWith('.png')).slice(0, 2)) {
      await assertPixelExact(path.join(root, 'prelabels', png), path.join(root, 'images', png.replace('.png', '.jpg')));
    }
    const info = JSON.parse(readFileSync(path.join(root, 'prelabels', readdirSync(path.join(root, 'prelabels')).find((n) => n.endsWith('.json'))!), 'utf8'));
    assert.equal(info.meanEntropy === null, name === 'labels', `${name}: entropy only from scores`);
  }

  // Grey input (channels 1): the mean of R, G, B reaches the model; the darkfield background is dark.
  const grey = pixelModel(dir, 'grey', { channels: 1, W: [[0], [12], [-12]], B: [2.2, 0, 0] }, { channels: 1, mean: [0], std: [255], mode: 'resize', size: [144, 192] });
  const root = copySample(t);
  const run = await runCli(['prelabel', root, '--model', grey.onnx, '--device', 'cpu', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const png = readdirSync(path.join(root, 'prelabels')).find((n) => n.endsWith('.png'))!;
  const mask = await readMaskIndependently(path.join(root, 'prelabels', png));
  const rgb = await rgbOf(path.join(root, 'images', png.replace('.png', '.jpg')));
  assert.deepEqual([mask.width, mask.height], [rgb.width, rgb.height], 'resized back to the image size');
  assert.ok(mask.ids.every((v) => v === 0 || v === 1), 'grey model: background or class 1, never 2');
  let agree = 0;
  for (let p = 0; p < mask.ids.length; p++) {
    const v = (rgb.data[p * 3] + rgb.data[p * 3 + 1] + rgb.data[p * 3 + 2]) / 3 / 255;
    if ((12 * v > 2.2 ? 1 : 0) === mask.ids[p]) agree++;
  }
  assert.ok(agree / mask.ids.length > 0.9, `half-size resize agrees with full-size arithmetic on ${((100 * agree) / mask.ids.length).toFixed(1)}% of pixels`);
});

test('a plain folder of images becomes a dataset; a sub-folder of a dataset writes into its pre-labels', async (t) => {
  const model = tileModel(tempDir(t));
  const plain = tempDir(t);
  mkdirSync(path.join(plain, 'day1'));
  const sample = copySample(t);
  for (const name of ['df_025.jpg', 'df_026.jpg']) writeFileSync(path.join(plain, 'day1', name), readFileSync(path.join(sample, 'images', name)));
  writeFileSync(path.join(plain, 'df_027.jpg'), readFileSync(path.join(sample, 'images', 'df_027.jpg')));
  const run = await runCli(['prelabel', plain, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.done!.written, 3);
  assert.deepEqual(allFiles(path.join(plain, 'prelabels')), ['day1/df_025.json', 'day1/df_025.png', 'day1/df_026.json', 'day1/df_026.png', 'df_027.json', 'df_027.png']);
  const config = JSON.parse(readFileSync(path.join(plain, 'segment.json'), 'utf8'));
  assert.deepEqual(config.classes, SAMPLE_CLASSES, 'segment.json holds the model\'s classes');
  assert.equal(config.folders.images, '.');
  // The editor finds the pre-label through the dataset the folder now is.
  const worker = new WorkerClient(WORKER);
  t.after(() => worker.dispose());
  const located = await worker.run('locate', { image: path.join(plain, 'day1', 'df_025.jpg') });
  assert.equal(located.dataset?.root, plain);
  assert.equal(located.dataset?.item.prelabel, 'prelabels/day1/df_025.png');

  // A folder inside a dataset's images/: only its images, pre-labels in the dataset's prelabels/.
  mkdirSync(path.join(sample, 'images', 'extra'));
  for (const name of ['df_030.jpg', 'df_031.jpg']) writeFileSync(path.join(sample, 'images', 'extra', name), readFileSync(path.join(sample, 'images', name)));
  const sub = await runCli(['prelabel', path.join(sample, 'images', 'extra'), '--model', model, '--device', 'cpu', '--json']);
  assert.equal(sub.code, 0, sub.stdout + sub.stderr);
  assert.equal(sub.done!.root, sample);
  assert.equal(sub.done!.written, 2);
  assert.deepEqual(allFiles(path.join(sample, 'prelabels')), ['extra/df_030.json', 'extra/df_030.png', 'extra/df_031.json', 'extra/df_031.png']);
  assert.ok(!existsSync(path.join(sample, 'images', 'extra', 'segment.json')));
});

test('a corrupt image is reported with its reason and the others go on (exit 1)', async (t) => {
  const root = copySample(t);
  const model = tileModel(tempDir(t));
  writeFileSync(path.join(root, 'images', 'broken.jpg'), Buffer.from('not a JPEG at all'));
  const jpeg = readFileSync(path.join(root, 'images', 'df_025.jpg'));
  writeFileSync(path.join(root, 'images', 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  const run = await runCli(['prelabel', root, '--model', model, '--device', 'cpu', '--json']);
  assert.equal(run.code, 1, 'finished with failures');
  assert.equal(run.done!.written, UNLABELLED);
  assert.deepEqual(run.done!.failed.map((f: { path: string }) => f.path), ['images/broken.jpg', 'images/truncated.jpg']);
  for (const f of run.done!.failed) assert.match(f.reason, /cannot read image: \S/, f.reason);
  assert.equal(await assertOnlyCompletePrelabels(path.join(root, 'prelabels')), UNLABELLED);
});

test('a model that does not fit fails before any work, naming the mismatch (exit 2)', async (t) => {
  const dir = tempDir(t);
  const pixel = pixelModel(dir, 'pixel');
  const g = new GraphBuilder();
  const x = g.input('image', DataType.FLOAT, ['N', 3, 'H', 'W']);
  g.output(g.node('Conv', [x, g.constant(new Float32Array(5 * 3), [5, 3, 1, 1])], { kernel_shape: [1, 1] }), 'scores', DataType.FLOAT, ['N', 5, 'H', 'W']);
  const fiveClasses = writeModel(dir, 'five', g.toBytes(13), { input: pixel.manifest.input, output: pixel.manifest.output });
  const alien = writeModel(dir, 'alien', readFileSync(pixel.onnx), {
    ...pixel.manifest, name: 'alien', classes: [...SAMPLE_CLASSES.slice(0, 2), { id: 9, name: 'tumour', color: '#4363d8' }],
  });
  writeFileSync(path.join(dir, 'nomanifest.onnx'), readFileSync(pixel.onnx));
  writeFileSync(path.join(dir, 'garbage.onnx'), 'this is no model');
  writeFileSync(path.join(dir, 'garbage.json'), JSON.stringify(pixel.manifest));
  const cases: [string, string, RegExp][] = [
    ['missing file', path.join(dir, 'none.onnx'), /model not found: .*none\.onnx/],
    ['no manifest', path.join(dir, 'nomanifest.onnx'), /no manifest beside the model: expected .*nomanifest\.json/],
    ['not ONNX', path.join(dir, 'garbage.onnx'), /cannot load model .*garbage\.onnx/],
    ['wrong input name', pixelModel(dir, 'named', { inputName: 'pixels' }, { name: 'image' }).onnx, /has no input "image" \(manifest input\.name\); its inputs: "pixels" float32/],
    ['4-channel input', pixelModel(dir, 'four', { channels: 4 }).onnx, /has 4 channels at axis 1 \(NCHW\); the manifest says input\.channels 3/],
    ['NHWC model, NCHW manifest', pixelModel(dir, 'layout', { layout: 'NHWC' }, { layout: 'NCHW' }).onnx, /looks NHWC: is the manifest's input\.layout "NCHW" right\?/],
    ['fixed size differs', pixelModel(dir, 'fixed', { fixed: [1, 64, 64] }, { size: [128, 128] }).onnx, /fixed height of 64; the manifest's input\.size says 128/],
    ['output channels', fiveClasses.onnx, /output "scores" \[N, 5, H, W\] has 5 channels \(NCHW\) but the manifest lists 3 classes/],
    ['classes not in segment.json', alien.onnx, /model "alien" has classes that .*segment\.json does not declare: 9 "tumour"/],
  ];
  for (const [what, model, message] of cases) {
    const root = copySample(t);
    const run = await runCli(['prelabel', root, '--model', model, '--device', 'cpu']);
    assert.equal(run.code, 2, `${what}: exit 2 (${run.stderr})`);
    assert.match(run.stderr, message, what);
    assert.ok(!existsSync(path.join(root, 'prelabels')), `${what}: nothing written`);
  }
});

test('an unwritable pre-label folder is an error up front', async (t) => {
  const root = copySample(t);
  writeFileSync(path.join(root, 'prelabels'), 'a file where the folder should be');
  const run = await runCli(['prelabel', root, '--model', tileModel(tempDir(t)), '--device', 'cpu']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /cannot write pre-labels to .*prelabels: .*prelabels is a file, not a folder/);
});

test('device "cuda" without CUDA fails clearly; "auto" falls back to the CPU with a one-line notice', async (t) => {
  const root = copySample(t);
  const model = tileModel(tempDir(t));
  const cuda = await runCli(['prelabel', root, '--model', model, '--device', 'cuda']);
  assert.equal(cuda.code, 2, cuda.stderr);
  assert.match(cuda.stderr, /the CUDA execution provider is not available \(device "cuda"\): .*npm run gpu:install/);
  assert.ok(!existsSync(path.join(root, 'prelabels')));
  const auto = await runCli(['prelabel', root, '--model', model, '--json']);
  assert.equal(auto.code, 0);
  const notices = auto.events.filter((e) => e.event === 'notice');
  assert.equal(notices.length, 1);
  assert.match(notices[0].message, /^CUDA is not available \(.+\); running on the CPU\.$/);
  assert.equal(auto.done!.executionProvider, 'cpu');
  assert.equal(auto.done!.notice, notices[0].message);
  const info = JSON.parse(readFileSync(path.join(root, 'prelabels', `${path.parse(auto.done!.firstWritten).name}.json`), 'utf8'));
  assert.equal(info.executionProvider, 'cpu');
});

/** A slow model (a zero-weighted convolution branch) so that a run lasts long enough to cancel or crash it. */
function slowModel(dir: string) {
  return pixelModel(dir, 'slow', { work: { width: 48, depth: 3 } }, { mode: 'tile', size: [144, 192], overlap: 16 }).onnx;
}

test('cancel stops the job and leaves only complete files; the worker goes on', async (t) => {
  const root = copySample(t);
  const model = slowModel(tempDir(t));
  const worker = new WorkerClient(WORKER);
  t.after(() => worker.dispose());
  const controller = new AbortController();
  let cancelledAt = 0;
  const job = runPrelabelJob(worker, { folder: root, model, device: 'cpu', all: true }, {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.done >= 2 && !cancelledAt) {
        cancelledAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(job, (e: JobFailedError) => e.code === 'cancelled' && /cancelled after \d+ of 32 images \(\d+ pre-labels written\)/.test(e.message));
  t.diagnostic(`cancel took ${(performance.now() - cancelledAt).toFixed(0)} ms`);
  const written = await assertOnlyCompletePrelabels(path.join(root, 'prelabels'));
  assert.ok(written >= 2 && written < 32, `${written} pre-labels written before the cancel`);
  const next = await worker.run('ping', { echo: 'still here' });
  assert.equal(next.echo, 'still here');
});

test('a worker crash fails the job clearly, leaves no partial file, and the next job works', async (t) => {
  const root = copySample(t);
  const model = slowModel(tempDir(t));
  const worker = new WorkerClient(WORKER);
  t.after(() => worker.dispose());
  let killed = false;
  const job = runPrelabelJob(worker, { folder: root, model, device: 'cpu', all: true }, {
    onProgress: (p) => {
      if (p.done >= 2 && !killed) {
        killed = true;
        process.kill(worker.pid!, 'SIGKILL');
      }
    },
  });
  await assert.rejects(job, (e: JobFailedError) => e.code === 'crashed' && /killed by SIGKILL/.test(e.message));
  const written = await assertOnlyCompletePrelabels(path.join(root, 'prelabels'));
  assert.ok(written < 32, `${written} complete pre-labels before the crash`);
  assert.deepEqual(allFiles(path.join(root, 'prelabels')).filter((f) => f.includes('.partial')), [], 'no partial folder left');
  const again = await runPrelabelJob(worker, { folder: root, model: tileModel(tempDir(t)), device: 'cpu', all: true });
  assert.equal(again.written, 32);
  assert.equal(await assertOnlyCompletePrelabels(path.join(root, 'prelabels')), 32);
});

test('predict writes one pre-label (even beside a mask), and the most uncertain unlabelled image is found', async (t) => {
  const root = copySample(t);
  const models = tempDir(t);
  const model = tileModel(models);
  const worker = new WorkerClient(WORKER);
  t.after(() => worker.dispose());
  const none = await worker.run('nextUncertain', { folder: root });
  assert.equal(none.image, undefined);
  assert.equal(none.withoutPrelabel, UNLABELLED);

  const masksBefore = snapshot(path.join(root, 'masks'));
  const image = path.join(root, 'images', 'df_001.jpg');
  const predicted = await worker.run('predict', { image, model, device: 'cpu' });
  assert.equal(predicted.prelabel, path.join(root, 'prelabels', 'df_001.png'));
  assert.equal(predicted.sidecar, path.join(root, 'prelabels', 'df_001.json'));
  assert.equal(predicted.info.image, 'images/df_001.jpg');
  await assertPixelExact(predicted.prelabel, image);
  assert.deepEqual(snapshot(path.join(root, 'masks')), masksBefore);
  assert.deepEqual(allFiles(path.join(root, 'prelabels')), ['df_001.json', 'df_001.png']);

  // A different model (UNet, random weights) over the unlabelled images gives varied entropies.
  const unet = unetModel(models, 'unet', { size: [144, 192], widths: [8, 16, 32] }).onnx;
  await runPrelabelJob(worker, { folder: root, model: unet, device: 'cpu' });
  const entropies = readdirSync(path.join(root, 'prelabels'))
    .filter((n) => n.endsWith('.json') && n !== 'df_001.json')
    .map((n) => JSON.parse(readFileSync(path.join(root, 'prelabels', n), 'utf8')) as PrelabelSidecar);
  assert.equal(entropies.length, UNLABELLED);
  const best = entropies.reduce((a, b) => (b.meanEntropy! > a.meanEntropy! ? b : a));
  const next = await worker.run('nextUncertain', { folder: root });
  assert.equal(next.image, path.join(root, best.image));
  assert.equal(next.meanEntropy, best.meanEntropy);
  assert.equal(next.candidates, UNLABELLED, 'df_001 has a mask: not a candidate');
  assert.ok(statSync(next.image!).isFile());
});
