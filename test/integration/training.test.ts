/**
 * Real training runs (tiny models, few steps) on the embedded sample: the model learns, tensors do
 * not leak, runs are deterministic, a cancelled run resumes exactly, semi-supervised steps run,
 * and bad input gives clear errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { tf } from '../../src/engine/training/tf';
import { train } from '../../src/engine/training/trainer';
import { shutdownTrainingBackend, trainingBackend } from '../../src/engine/training/backend';
import { TrainEvent, TrainParams } from '../../src/core/training';
import { JobContext } from '../../src/engine/jobContext';
import { DatasetError } from '../../src/core/problems';
import { encodeMaskPng } from '../../src/core/maskCodec';
import { openDataset } from '../../src/engine/dataset';
import { buildArchitecture } from '../../src/engine/training/architectures';
import { initWeights, disposeWeights } from '../../src/engine/training/weights';
import { DataSource, splitDataset } from '../../src/engine/training/data';
import { predictImage } from '../../src/engine/training/predict';
import { ConfusionMatrix } from '../../src/core/metrics';
import { MANIFEST_FORMAT, ModelManifest } from '../../src/core/modelManifest';
import { copySample, SAMPLE, tempDir } from '../helpers/dataset';

before(() => trainingBackend('wasm', 2));
after(() => shutdownTrainingBackend());

/** A small, fast configuration: a 3-level UNet of width 8 on 128-pixel tiles. */
const TINY: Partial<TrainParams> = { width: 8, depth: 3, size: 128, batch: 4, backend: 'wasm', threads: 2 };

function recorder(onEvent?: (e: TrainEvent, controller: AbortController) => void): { ctx: JobContext; events: TrainEvent[]; controller: AbortController } {
  const events: TrainEvent[] = [];
  const controller = new AbortController();
  return {
    events,
    controller,
    ctx: {
      signal: controller.signal,
      progress: (p) => {
        if (!p.train) return;
        events.push(p.train);
        onEvent?.(p.train, controller);
      },
    },
  };
}

const stepsOf = (events: TrainEvent[]) => events.filter((e): e is Extract<TrainEvent, { kind: 'step' }> => e.kind === 'step');
const epochsOf = (events: TrainEvent[]) => events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch');

test('training on the sample lifts validation mIoU far above the untrained model, and exports a model with its manifest', async (t) => {
  const out = tempDir(t);
  // The untrained model, validated the same way (whole validation images, tiled).
  const dataset = await openDataset(SAMPLE);
  const split = splitDataset(dataset, { seed: 0 });
  const source = new DataSource(dataset, { size: 128, mean: [40, 40, 40], std: [40, 40, 40], cacheBytes: 64 << 20, onSkip: () => {} });
  const graph = buildArchitecture('unet', { classes: 3, width: 8, depth: 3 });
  const untrained = initWeights(graph, 1);
  const matrix = new ConfusionMatrix(3);
  for (const item of split.val) {
    const d = (await source.load(item, true))!;
    matrix.add(d.labels!, predictImage(graph, untrained, d.rgb, d.width, d.height, { mean: [40, 40, 40], std: [40, 40, 40], tile: 512, overlap: 32 }), 255);
  }
  disposeWeights(untrained);
  const before = matrix.metrics(dataset.config.classes.map((c, k) => ({ ...c, id: k }))).mIoU;

  const { ctx, events } = recorder();
  const result = await train({ root: SAMPLE, ...TINY, steps: 60, valEvery: 20, seed: 1, out, previews: 2 }, ctx);
  assert.ok(result.valMIoU > before + 0.2 && result.valMIoU > 0.4, `validation mIoU went from ${before.toFixed(3)} to ${result.valMIoU.toFixed(3)}`);
  assert.equal(result.steps, 60);
  assert.equal(result.stopped, false);
  assert.match(result.backend, /^wasm \(SIMD, \d+ threads?, C\+\+ kernels\)$/);
  assert.ok(result.imagesPerSecond > 0);
  // Events: one start, a step event per step with finite losses, a validation every 20 steps with previews.
  assert.equal(events[0].kind, 'start');
  assert.deepEqual(stepsOf(events).map((e) => e.step), Array.from({ length: 60 }, (_, i) => i + 1));
  assert.ok(stepsOf(events).every((e) => Number.isFinite(e.loss) && e.imagesPerSecond > 0 && e.secondsLeft >= 0));
  const epochs = epochsOf(events);
  assert.deepEqual(epochs.map((e) => e.step), [20, 40, 60]);
  assert.equal(epochs[epochs.length - 1].previews?.length, 2);
  const preview = epochs[epochs.length - 1].previews![0];
  assert.deepEqual([...preview.image.subarray(1, 4)], [0x50, 0x4e, 0x47], 'previews are PNG files');
  assert.deepEqual([...preview.prediction.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  // The model, its manifest in the shared format, and the checkpoints are on disk.
  assert.ok(existsSync(result.model) && existsSync(path.join(out, 'best.ckpt')) && existsSync(path.join(out, 'last.ckpt')));
  const manifest = JSON.parse(readFileSync(result.manifest, 'utf8')) as ModelManifest;
  assert.equal(manifest.format, MANIFEST_FORMAT);
  assert.deepEqual(manifest.classes, dataset.config.classes);
  assert.deepEqual(manifest.input.size, [128, 128]);
  assert.equal(manifest.input.mode, 'tile');
  assert.equal(manifest.input.layout, 'NCHW');
  assert.equal(manifest.output.kind, 'logits');
  assert.equal(manifest.input.mean.length, 3);
  assert.equal((manifest.training as { valMIoU: number }).valMIoU, result.valMIoU);
});

test('tensors do not leak: tf.memory().numTensors is the same after every validation', async (t) => {
  const counts: number[] = [];
  const { ctx } = recorder((e) => e.kind === 'epoch' && counts.push(tf.memory().numTensors));
  const before = tf.memory().numTensors;
  await train({ root: SAMPLE, ...TINY, semi: 'fixmatch', steps: 12, valEvery: 3, seed: 2, out: tempDir(t) }, ctx);
  assert.equal(counts.length, 4);
  assert.ok(counts.every((c) => c === counts[0]), `numTensors at each validation: ${counts.join(', ')}`);
  assert.equal(tf.memory().numTensors, before, `everything is freed when the run ends (${tf.memory().numTensors} tensors, ${before} before)`);
});

test('the same seed gives the same run; another seed another run', async (t) => {
  const run = async (seed: number) => {
    const { ctx, events } = recorder();
    const r = await train({ root: SAMPLE, ...TINY, steps: 5, valEvery: 5, seed, out: tempDir(t) }, ctx);
    return { losses: stepsOf(events).map((e) => e.loss), miou: r.valMIoU };
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  assert.deepEqual(a.losses, b.losses);
  assert.equal(a.miou, b.miou);
  assert.notDeepEqual(a.losses, c.losses);
});

test('cancel stops within one step, keeps the checkpoint and exports; resume continues exactly as an uninterrupted run', async (t) => {
  const params = { root: SAMPLE, ...TINY, steps: 8, valEvery: 4, seed: 3 };
  const whole = recorder();
  await train({ ...params, out: tempDir(t) }, whole.ctx);

  const out = tempDir(t);
  const first = recorder((e, controller) => e.kind === 'step' && e.step === 5 && controller.abort());
  const stopped = await train({ ...params, out }, first.ctx);
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.steps, 5, 'the step running when cancel came in finished, no other');
  assert.ok(existsSync(stopped.model) && existsSync(path.join(out, 'last.ckpt')) && existsSync(path.join(out, 'best.ckpt')));
  assert.equal(stopped.bestStep, 4, 'the best checkpoint is the last validated one');

  const second = recorder();
  const resumed = await train({ root: SAMPLE, resume: out, backend: 'wasm', threads: 2 }, second.ctx);
  assert.equal(resumed.steps, 8);
  const start = second.events[0];
  assert.ok(start.kind === 'start' && start.startStep === 5);
  const tail = (events: TrainEvent[]) => stepsOf(events).filter((e) => e.step > 5).map((e) => e.loss);
  assert.deepEqual(tail(second.events), tail(whole.events));
});

test('semi-supervised steps learn from confident pseudo-labels of unlabelled images', async (t) => {
  const { ctx, events } = recorder();
  const result = await train({ root: SAMPLE, ...TINY, semi: 'fixmatch', labelledFraction: 0.5, steps: 4, valEvery: 4, seed: 4, out: tempDir(t) }, ctx);
  const start = events[0];
  assert.ok(start.kind === 'start' && start.semi === 'fixmatch');
  // 14 training masks, half kept: 7 labelled; the other 7 join the 8 unlabelled images.
  assert.ok(start.kind === 'start' && start.trainImages === 7 && start.unlabelledImages === 15);
  const steps = stepsOf(events);
  for (const s of steps) {
    assert.ok(s.unsupervisedLoss !== undefined && s.unsupervisedLoss >= 0);
    assert.ok(s.confidentFraction !== undefined && s.confidentFraction > 0 && s.confidentFraction <= 1);
    assert.ok(s.unsupervisedWeight !== undefined && s.unsupervisedWeight > 0 && s.unsupervisedWeight <= 1);
    assert.ok(Math.abs(s.loss - s.supervisedLoss - s.unsupervisedWeight * s.unsupervisedLoss) < 1e-4);
  }
  // The pseudo-label loss weighs 0.3 of the masks' and ramps up over the first half of the steps:
  // 0.3 exp(-5 (1 - t)^2) at t = 0 and 0.5 of the ramp, then 0.3.
  const weights = steps.map((s) => s.unsupervisedWeight!);
  const expected = [Math.exp(-5), Math.exp(-1.25), 1, 1].map((w) => 0.3 * w);
  assert.ok(weights.every((w, i) => Math.abs(w - expected[i]) < 1e-9), `weights ${weights}`);
  assert.equal(result.steps, 4);
});

test('a dataset without any mask is refused with a clear message', async (t) => {
  const root = copySample(t);
  rmSync(path.join(root, 'masks'), { recursive: true });
  const { ctx } = recorder();
  await assert.rejects(train({ root, ...TINY, steps: 1 }, ctx), (e: Error) => e instanceof DatasetError && /no labelled image to train on/.test(e.message));
});

test('a mask holding an id that is no class stops training with the file and the value', async (t) => {
  const root = copySample(t);
  const dataset = await openDataset(root);
  const item = dataset.items.find((i) => i.mask && i.split === 'train')!;
  const { width, height } = await sharp(path.join(root, item.image)).metadata();
  const ids = new Uint8Array(width! * height!);
  ids[width! * 3 + 5] = 7;
  writeFileSync(path.join(root, item.mask!), encodeMaskPng(ids, width!, height!, { classes: [...dataset.config.classes, { id: 7, name: 'x', color: '#123456' }], ignoreIndex: 255 }));
  const { ctx } = recorder();
  await assert.rejects(
    train({ root, ...TINY, steps: 1, out: tempDir(t) }, ctx),
    (e: Error) => e instanceof DatasetError && e.message.includes(item.mask!) && /value 7 is no class id/.test(e.message),
  );
});

test('a corrupt image is skipped with a warning and training goes on', async (t) => {
  const root = copySample(t);
  const dataset = await openDataset(root);
  const victim = dataset.items.find((i) => i.mask && i.split === 'train')!;
  // A labelled image whose mask is fine but whose pixels cannot be decoded.
  writeFileSync(path.join(root, victim.image), Buffer.from('not a jpeg at all'));
  const { ctx, events } = recorder();
  const result = await train({ root, ...TINY, steps: 4, valEvery: 4, seed: 5, out: tempDir(t) }, ctx);
  assert.equal(result.steps, 4);
  const warnings = events.filter((e) => e.kind === 'warning');
  assert.ok(warnings.some((w) => w.kind === 'warning' && w.message.includes(victim.image)), JSON.stringify(warnings));
});

test('datasets larger than the cache stream from disk: the cache never holds more than its budget', async (t) => {
  const dataset = await openDataset(SAMPLE);
  const budget = 400_000; // about one decoded 384x288 image with its labels
  const source = new DataSource(dataset, { size: 64, mean: [0, 0, 0], std: [1, 1, 1], cacheBytes: budget, onSkip: () => {} });
  const items = dataset.items.filter((i) => i.mask);
  for (let round = 0; round < 2; round++) for (const item of items) assert.ok(await source.load(item, true));
  assert.ok(source.cache.peakBytes <= budget, `peak ${source.cache.peakBytes} > ${budget}`);
  assert.ok(source.cache.peakBytes > 0);
  // And a real run with a 16 MB cache trains as usual.
  const { ctx } = recorder();
  const r = await train({ root: SAMPLE, ...TINY, steps: 2, valEvery: 2, cacheMB: 16, out: tempDir(t) }, ctx);
  assert.equal(r.steps, 2);
});

test('every architecture trains (the loss falls) and exports', async (t) => {
  for (const arch of ['deeplab', 'segnet', 'fcn8'] as const) {
    const { ctx, events } = recorder();
    const result = await train({ root: SAMPLE, arch, width: 8, size: 64, batch: 4, backend: 'wasm', steps: 8, valEvery: 8, seed: 6, lr: 0.01, out: tempDir(t) }, ctx);
    const losses = stepsOf(events).map((e) => e.loss);
    assert.ok(losses.every(Number.isFinite), `${arch}: ${losses.join(', ')}`);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    assert.ok(mean(losses.slice(-3)) < mean(losses.slice(0, 3)), `${arch}: the loss did not fall: ${losses.map((l) => l.toFixed(3)).join(', ')}`);
    assert.ok(existsSync(result.model), arch);
  }
});

test('--instances: the discriminative loss falls, and the model exports both heads with the manifest pre-labelling reads', async (t) => {
  const { ctx, events } = recorder();
  const out = tempDir(t);
  const result = await train({ root: SAMPLE, ...TINY, instances: true, steps: 24, valEvery: 24, seed: 7, lr: 0.005, out }, ctx);
  const losses = stepsOf(events).map((e) => e.instanceLoss!);
  assert.ok(losses.every(Number.isFinite), losses.join(', '));
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(mean(losses.slice(-4)) < 0.7 * mean(losses.slice(0, 4)), `the instance loss did not fall: ${losses.map((l) => l.toFixed(3)).join(', ')}`);
  const manifest = JSON.parse(readFileSync(result.manifest, 'utf8')) as ModelManifest;
  assert.deepEqual(manifest.embedding, { name: 'embedding', layout: 'NCHW', dims: 8, bandwidth: 2 });
  assert.deepEqual(manifest.classes.map((c) => c.thing), [false, true, true]);
  assert.equal(manifest.training?.instances, true);
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(result.model);
  assert.deepEqual(session.outputNames, ['logits', 'embedding']);
  const run = await session.run({ image: new ort.Tensor('float32', new Float32Array(3 * 64 * 64), [1, 3, 64, 64]) });
  assert.deepEqual(run.embedding.dims, [1, 8, 64, 64]);
  await session.release();
});

test('--instances on a dataset without instance maps is refused with what to do', async (t) => {
  const root = copySample(t);
  rmSync(path.join(root, 'instances'), { recursive: true });
  const { ctx } = recorder();
  await assert.rejects(train({ root, ...TINY, instances: true, steps: 1, out: tempDir(t) }, ctx), (e: Error) => e instanceof DatasetError && /has an instance map/.test(e.message));
});
