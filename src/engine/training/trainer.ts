/**
 * `segment train`: supervised or semi-supervised (EMA teacher, FixMatch-style) training of a
 * graph on a dataset folder, with validation mIoU, the best checkpoint kept, resume, seeded
 * determinism, and the ONNX export of the best weights with the manifest pre-labelling reads.
 *
 * Every random draw derives from (seed, purpose, step), so a resumed run continues exactly as an
 * uninterrupted one would. Cancel stops after the current step: the last and best checkpoints are
 * on disk and the best weights are exported.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';
import { ClassDef } from '../../core/classes';
import { ConfusionMatrix } from '../../core/metrics';
import { DatasetError } from '../../core/problems';
import { MANIFEST_FORMAT, ModelManifest } from '../../core/modelManifest';
import { ClassIoU, TRAIN_DEFAULTS, TrainEvent, TrainParams, TrainPreview, TrainResult } from '../../core/training';
import { DatasetItem } from '../../core/datasetLayout';
import { openDataset } from '../dataset';
import { writeFileAtomic } from '../files';
import { JobContext } from '../jobContext';
import { Random } from '../synthetic/random';
import { buildArchitecture, isArchitecture } from './architectures';
import { trainingBackend, TrainingBackend } from './backend';
import { readCheckpoint, TensorRecord, writeCheckpoint } from './checkpoint';
import { classFrequencies, DataSource, imageStatistics, seedOf, shuffled, splitDataset } from './data';
import { BatchStats, forward, forwardHeads, Weights } from './forward';
import { discriminativeLoss, EMBEDDING_BANDWIDTH, EMBEDDING_DIMS, instanceTargets } from './instanceLoss';
import { countParams, Graph } from './graph';
import { classWeightsFrom, segmentationLoss } from './loss';
import { AdamW, learningRate } from './optimizer';
import { makePreview, predictImage } from './predict';
import { pasteBox } from './augment';
import { keepConfident, rampUp } from './pseudoLabels';
import { cloneWeights, disposeWeights, emaUpdate, initWeights, readWeights, updateRunningStats } from './weights';
import { exportOnnx } from '../onnx/export';

/** The highest pseudo-label threshold; a class the teacher is less sure of gets a lower one (pseudoLabels.ts). */
const CONFIDENCE = 0.95;
const TEACHER_MOMENTUM = 0.99;
/**
 * The pseudo-label loss's weight against the masks' loss. At 1 the student followed the teacher's
 * errors once the labelled images had strong colour; at 0.3 the pseudo-labels regularise and the masks lead
 * (docs/decisions.md).
 */
const UNSUPERVISED_WEIGHT = 0.3;
/**
 * The pseudo-label loss ramps up over this share of the steps, while the teacher is still poor: the
 * first half of a run, as the teacher needs most of that to catch up with a few masks (docs/decisions.md).
 */
const UNSUPERVISED_RAMP = 0.5;
const TILE_OVERLAP = 32;
/**
 * The masks' images get the strong views' colour changes (jitter, greyscale), not mild ones: with a
 * few masks, mild jitter let the supervised loss memorise them (docs/decisions.md).
 */
const LABELLED_COLOUR = 'strong';

export const CHECKPOINT_FORMAT = 'segment-studio-checkpoint/1';

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  arch: string;
  width: number;
  depth: number;
  classes: ClassDef[];
  ignoreIndex: number;
  size: number;
  mean: number[];
  std: number[];
  /** Steps done. */
  step: number;
  totalSteps: number;
  bestValMIoU: number;
  bestStep: number;
  bestPerClass: ClassIoU[];
  semi: string;
  seed: number;
  params: TrainParams;
}

type Resolved = Required<Pick<TrainParams, 'arch' | 'semi' | 'size' | 'batch' | 'seed' | 'lr' | 'classWeights' | 'cacheMB' | 'instanceWeight'>> & TrainParams;

function resolve(params: TrainParams): Resolved {
  const r = { ...TRAIN_DEFAULTS, ...stripUndefined(params) } as Resolved;
  if (!isArchitecture(r.arch)) throw new DatasetError(`unknown architecture "${r.arch}" (unet, deeplab, segnet, fcn8)`);
  for (const [name, v, min] of [['size', r.size, 32], ['batch', r.batch, 1], ['steps', r.steps, 1], ['epochs', r.epochs, 1]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new DatasetError(`--${name} must be an integer >= ${min}, got ${v}`);
  }
  return r;
}

/** The settings that define a training run (kept on resume). */
const TRAINING_SETTINGS = ['arch', 'width', 'depth', 'instances', 'instanceWeight', 'semi', 'steps', 'epochs', 'size', 'batch', 'labelledFraction', 'seed', 'lr', 'classWeights', 'dice', 'valEvery'] as const;

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<T> {
  return stripUndefined(Object.fromEntries(keys.map((k) => [k, o[k]])) as unknown as T);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Resolves `--resume` (a checkpoint file, or a folder holding last.ckpt). */
async function resumeFile(resume: string): Promise<string> {
  const stat = await fs.stat(resume).catch(() => undefined);
  if (!stat) throw new DatasetError(`--resume: ${resume} does not exist`);
  return stat.isDirectory() ? path.join(resume, 'last.ckpt') : resume;
}

export async function train(params: TrainParams, ctx: JobContext): Promise<TrainResult> {
  const started = Date.now();
  const o = resolve(params);
  const emit = (event: TrainEvent, done = 0, total = 0) => ctx.progress({ done, total, message: event.kind, train: event });
  const warn = (message: string) => emit({ kind: 'warning', message });

  const dataset = await openDataset(o.root);
  const resumed = o.resume ? await readCheckpoint<CheckpointMeta>(await resumeFile(o.resume)) : undefined;
  if (resumed && resumed.meta.format !== CHECKPOINT_FORMAT) throw new DatasetError(`${o.resume} is not a training checkpoint`);
  const classes = dataset.config.classes;
  if (resumed && JSON.stringify(resumed.meta.classes.map((c) => c.id)) !== JSON.stringify(classes.map((c) => c.id))) {
    throw new DatasetError(`the checkpoint's classes (${resumed.meta.classes.map((c) => c.name).join(', ')}) differ from the dataset's`);
  }
  // A resumed run keeps its training settings; how it runs (backend, threads, previews, cache) and
  // how long (--steps / --epochs, when given again) come from this call.
  const run = resumed ? ({ ...o, ...pick(resumed.meta.params, TRAINING_SETTINGS), ...stripUndefined({ steps: params.steps, epochs: params.epochs }) } as Resolved) : o;
  const K = classes.length;
  const graph = buildArchitecture(run.arch, { classes: K, width: run.width, depth: run.depth, embeddingDims: run.instances ? EMBEDDING_DIMS : 0 });
  if (run.size % graph.sizeMultiple) throw new DatasetError(`--size must be a multiple of ${graph.sizeMultiple} for ${run.arch} (its downsampling), got ${run.size}`);
  const split = splitDataset(dataset, { labelledFraction: run.labelledFraction, seed: run.seed });
  if (run.instances && !split.train.some((i) => i.instances)) {
    throw new DatasetError(
      `--instances: none of the ${split.train.length} training images has an instance map (instances/<name>.png, 16-bit ids, 0 = none); ` +
        'draw instances in the editor\'s instance mode or import them (COCO)',
    );
  }
  const semi = run.semi === 'fixmatch';
  // Every image labelled: the student still learns consistency between weak and strong views of
  // the training images themselves (FixMatch on a fully labelled set), their masks unused there.
  const unlabelled = semi && split.unlabelled.length === 0 ? split.train : split.unlabelled;
  if (semi && split.unlabelled.length === 0) warn('no unlabelled image: the labelled images also serve as unlabelled ones (consistency between weak and strong views)');

  const backend = await trainingBackend(run.backend ?? 'auto', run.threads);
  const skipped = new Set<string>();
  let source = new DataSource(dataset, { size: run.size, mean: [0, 0, 0], std: [1, 1, 1], cacheBytes: run.cacheMB * 2 ** 20, onSkip: () => {} });
  const stats = resumed ? { mean: resumed.meta.mean, std: resumed.meta.std } : await imageStatistics(source, split.train);
  source = new DataSource(dataset, {
    size: run.size, ...stats, cacheBytes: run.cacheMB * 2 ** 20, instances: run.instances,
    onSkip: (file, reason) => {
      if (!skipped.has(file)) warn(`skipped ${file}: ${reason}`);
      skipped.add(file);
    },
  });
  // Reading every training and validation mask now surfaces a bad mask before any training.
  const counts = await classFrequencies(source, [...split.train, ...split.val], K);
  const classWeights = classWeightsFrom(counts, run.classWeights);
  const lossOptions = { classes: K, classWeights, dice: run.dice, instanceWeight: run.instanceWeight };

  const student = resumed ? weightsFrom(graph, resumed.tensors, 'p:', 's:', true) : initWeights(graph, seedOf(run.seed, 'init'));
  const teacher = semi ? (resumed?.tensors.has(`t:${graph.params[0].name}`) ? weightsFrom(graph, resumed.tensors, 't:', 'ts:', false) : cloneWeights(student)) : undefined;
  const optimizer = new AdamW();
  if (resumed) restoreOptimizer(optimizer, resumed.tensors, resumed.meta.step);

  const stepsPerEpoch = Math.max(1, Math.ceil(split.train.length / run.batch));
  const totalSteps = run.steps ?? (run.epochs ?? 40) * stepsPerEpoch;
  const valEvery = Math.max(1, run.valEvery ?? stepsPerEpoch);
  const out = path.resolve(resumed ? path.dirname(await resumeFile(o.resume!)) : run.out ?? path.join(dataset.root, 'models', `${run.arch}-${timestamp()}`));
  await fs.mkdir(out, { recursive: true });
  const lastCkpt = path.join(out, 'last.ckpt');
  const bestCkpt = path.join(out, 'best.ckpt');

  let step = resumed?.meta.step ?? 0;
  let best = { mIoU: resumed?.meta.bestValMIoU ?? -1, step: resumed?.meta.bestStep ?? 0, perClass: resumed?.meta.bestPerClass ?? [] };
  const meta = (): CheckpointMeta => ({
    format: CHECKPOINT_FORMAT, arch: run.arch, width: Number(graph.settings.width ?? 0), depth: Number(graph.settings.depth ?? 0),
    classes, ignoreIndex: dataset.config.ignoreIndex, size: run.size, mean: stats.mean, std: stats.std,
    step, totalSteps, bestValMIoU: best.mIoU, bestStep: best.step, bestPerClass: best.perClass, semi: semi ? 'fixmatch' : 'none', seed: run.seed,
    params: { ...stripUndefined(params), root: dataset.root, arch: run.arch, semi: run.semi, size: run.size, batch: run.batch, seed: run.seed, lr: run.lr, classWeights: run.classWeights, out },
  });
  const save = async (file: string) => writeCheckpoint(file, meta(), await checkpointTensors(student, teacher, optimizer));

  emit({
    kind: 'start', backend: backend.label, backendsPassedOver: backend.skipped.map((s) => `${s.name}: ${s.reason}`), arch: run.arch, parameters: countParams(graph), classes,
    trainImages: split.train.length, valImages: split.val.length, unlabelledImages: semi ? unlabelled.length : 0, semi: semi ? 'fixmatch' : 'none',
    steps: totalSteps, stepsPerEpoch, startStep: step, size: run.size, batch: run.batch, out,
  }, step, totalSteps);

  const predictOptions = { mean: stats.mean, std: stats.std, tile: Math.max(run.size, 512), overlap: TILE_OVERLAP };
  const batchFor = (s: number) => loadBatch(source, split.train, semi ? unlabelled : [], run, s);
  let next = batchFor(step);
  next.catch(() => {});
  let stepSeconds = 0;
  let stepsTimed = 0;
  let valSeconds = 0;
  let validations = 0;
  let stopped = false;
  let imagesTrained = 0;
  try {
    while (step < totalSteps) {
      // Let a cancel message in (a step is all synchronous work), then honour it before the next step.
      await new Promise((r) => setImmediate(r));
      if (ctx.signal.aborted) {
        stopped = true;
        break;
      }
      const batch = await next;
      if (step + 1 < totalSteps) {
        next = batchFor(step + 1);
        next.catch(() => {});
      }
      const t0 = performance.now();
      const lr = learningRate(step, totalSteps, run.lr);
      const unsupervisedWeight = UNSUPERVISED_WEIGHT * rampUp(step / totalSteps, UNSUPERVISED_RAMP);
      const result = trainStep(graph, student, teacher, optimizer, batch, lossOptions, run.size, lr, unsupervisedWeight);
      if (teacher) emaUpdate(teacher, student, Math.min(TEACHER_MOMENTUM, 1 - 1 / (step + 2)));
      step++;
      const seconds = (performance.now() - t0) / 1000;
      const images = batch.labelled.count + (batch.unlabelled?.count ?? 0);
      // The first steps pay for compiling and allocating: keep them out of the rate.
      if (step > (resumed?.meta.step ?? 0) + 1 || totalSteps - (resumed?.meta.step ?? 0) === 1) {
        stepSeconds += seconds;
        stepsTimed++;
        imagesTrained += images;
      }
      const perStep = stepsTimed ? stepSeconds / stepsTimed : seconds;
      const validationsLeft = Math.ceil((totalSteps - step) / valEvery);
      emit({
        kind: 'step', step, steps: totalSteps, epoch: Math.floor((step - 1) / stepsPerEpoch) + 1, lr,
        loss: result.loss, supervisedLoss: result.supervised, unsupervisedLoss: result.unsupervised, unsupervisedWeight: semi ? unsupervisedWeight : undefined, confidentFraction: result.confident, instanceLoss: result.instance,
        imagesPerSecond: stepsTimed ? imagesTrained / stepSeconds : images / seconds,
        secondsLeft: (totalSteps - step) * perStep + validationsLeft * (validations ? valSeconds / validations : perStep * 2),
      }, step, totalSteps);
      if (!Number.isFinite(result.loss)) throw new Error(`the loss became ${result.loss} at step ${step}: try a lower --lr`);
      if (step % valEvery === 0 || step === totalSteps) {
        const v0 = performance.now();
        // Semi-supervised, the EMA teacher is the model (as in Mean Teacher): validated, kept and exported.
        const val = await validate(graph, teacher ?? student, split.val, source, classes, predictOptions, run.previews ?? 0, ctx);
        if (!val) {
          stopped = true;
          break;
        }
        valSeconds += (performance.now() - v0) / 1000;
        validations++;
        const improved = val.mIoU > best.mIoU;
        if (improved) {
          best = { mIoU: val.mIoU, step, perClass: val.perClass };
          await save(bestCkpt);
        }
        await save(lastCkpt);
        emit({
          kind: 'epoch', epoch: Math.ceil(step / stepsPerEpoch), step, valMIoU: val.mIoU, valPixelAccuracy: val.pixelAccuracy, perClass: val.perClass,
          best: improved, bestValMIoU: best.mIoU, seconds: (Date.now() - started) / 1000, previews: val.previews,
        }, step, totalSteps);
      }
    }
    if (stopped || step === 0) await save(lastCkpt);
    if (best.mIoU < 0) await save(bestCkpt); // stopped before any validation: the current weights are the best there are
  } finally {
    disposeWeights(student);
    if (teacher) disposeWeights(teacher);
    optimizer.dispose();
    next.catch(() => {});
  }

  const model = path.join(out, 'model.onnx');
  const manifestFile = path.join(out, 'model.json');
  const bestWeights = await readCheckpoint<CheckpointMeta>(bestCkpt);
  const [paramPrefix, statePrefix] = bestWeights.tensors.has(`t:${graph.params[0].name}`) ? ['t:', 'ts:'] : ['p:', 's:'];
  const tensors = new Map(
    [...bestWeights.tensors].flatMap(([k, v]) => (k.startsWith(paramPrefix) ? [[k.slice(paramPrefix.length), v]] : k.startsWith(statePrefix) ? [[k.slice(statePrefix.length), v]] : [])) as [string, TensorRecord][],
  );
  await writeFileAtomic(model, exportOnnx(graph, tensors, { name: path.basename(out) }));
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: `${run.arch} ${path.basename(out)}`,
    classes,
    ignoreIndex: dataset.config.ignoreIndex,
    input: { name: 'image', layout: 'NCHW', channels: 3, mode: 'tile', size: [run.size, run.size], overlap: TILE_OVERLAP, mean: stats.mean, std: stats.std },
    output: { name: 'logits', layout: 'NCHW', kind: 'logits' },
    ...(graph.embedding !== undefined ? { embedding: { name: 'embedding', layout: 'NCHW' as const, dims: graph.embeddingDims!, bandwidth: EMBEDDING_BANDWIDTH } } : {}),
    training: {
      tool: 'segment train', dataset: dataset.root, arch: run.arch, settings: graph.settings, parameters: countParams(graph), instances: !!run.instances,
      semi: semi ? 'fixmatch' : 'none', labelledFraction: run.labelledFraction ?? 1, trainImages: split.train.length, valImages: split.val.length,
      unlabelledImages: semi ? unlabelled.length : 0, steps: step, bestStep: bestWeights.meta.bestStep, batch: run.batch, size: run.size,
      seed: run.seed, lr: run.lr, classWeights: run.classWeights, dice: !!run.dice, ...(run.instances ? { instanceWeight: run.instanceWeight } : {}), valMIoU: Math.max(0, bestWeights.meta.bestValMIoU),
      perClass: bestWeights.meta.bestPerClass, backend: backend.label, date: new Date().toISOString(),
    },
  };
  await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  return {
    model, manifest: manifestFile, valMIoU: Math.max(0, best.mIoU), perClass: best.perClass, backend: backend.label,
    imagesPerSecond: stepSeconds > 0 ? imagesTrained / stepSeconds : 0, steps: step, bestStep: best.step, stopped,
    checkpoint: bestCkpt, out, seconds: (Date.now() - started) / 1000,
  };
}

export interface StepBatch {
  labelled: { images: Float32Array; labels: Int32Array; instances?: Int32Array; count: number };
  unlabelled?: { weak: Float32Array; strong: Float32Array; outside: Uint8Array; mix: { from: number; to: number; box: { x0: number; y0: number; x1: number; y1: number } }[]; count: number };
}

/** The items of step `s`: epoch-wise seeded permutations of the labelled (and unlabelled) images. */
function itemsAt(items: DatasetItem[], seed: number, stream: string, s: number, batch: number): DatasetItem[] {
  const n = items.length;
  const first = s * batch;
  const out: DatasetItem[] = [];
  let epoch = -1;
  let order: DatasetItem[] = [];
  for (let k = first; k < first + batch; k++) {
    const e = Math.floor(k / n);
    if (e !== epoch) {
      epoch = e;
      order = shuffled(items, new Random(seedOf(seed, stream, e)));
    }
    out.push(order[k % n]);
  }
  return out;
}

async function loadBatch(source: DataSource, train: DatasetItem[], unlabelled: DatasetItem[], run: Resolved, s: number): Promise<StepBatch> {
  const rng = new Random(seedOf(run.seed, 'augment', s));
  const labelled = await source.labelledBatch(itemsAt(train, run.seed, 'train', s, run.batch), train, rng, LABELLED_COLOUR);
  if (unlabelled.length === 0) return { labelled };
  return { labelled, unlabelled: await source.unlabelledBatch(itemsAt(unlabelled, run.seed, 'unlabelled', s, run.batch), unlabelled, rng) };
}

interface StepResult {
  loss: number;
  supervised: number;
  /** The discriminative loss of the instance head. */
  instance?: number;
  unsupervised?: number;
  confident?: number;
}

/**
 * Pseudo-labels from the teacher's weak-view predictions: confident pixels only, CutMix applied like
 * the images. Unweighted: weighing the kept pixels by their class's frequency in the batch
 * (class-balanced self-training) made the student drift towards the rare classes when only a few
 * masks anchor it (docs/decisions.md).
 */
function pseudoLabels(graph: Graph, teacher: Weights, u: NonNullable<StepBatch['unlabelled']>, size: number, classes: number): { labels: Int32Array; confident: number; inside: number } {
  const [conf, label] = tf.tidy(() => {
    const probs = tf.softmax(forward(graph, teacher, tf.tensor4d(u.weak, [u.count, size, size, 3]), { training: false }));
    return [tf.max(probs, 3), tf.argMax(probs, 3)];
  });
  const { labels, kept } = keepConfident(conf.dataSync(), label.dataSync(), u.outside, { classes, ceiling: CONFIDENCE });
  tf.dispose([conf, label]);
  const pristine = labels.slice();
  for (const m of u.mix) pasteBox(pristine, labels, size, 1, m.from, m.to, m.box);
  let inside = 0;
  for (let p = 0; p < labels.length; p++) if (!u.outside[p]) inside++;
  return { labels, confident: kept / labels.length, inside };
}

export function trainStep(
  graph: Graph, student: Weights, teacher: Weights | undefined, optimizer: AdamW, batch: StepBatch,
  lossOptions: Parameters<typeof segmentationLoss>[2] & { instanceWeight?: number }, size: number, lr: number,
  unsupWeight = UNSUPERVISED_WEIGHT,
): StepResult {
  const { labelled, unlabelled } = batch;
  const pseudo = teacher && unlabelled ? pseudoLabels(graph, teacher, unlabelled, size, lossOptions.classes) : undefined;
  const batchStats = new Map<string, BatchStats>();
  const parts: TF.Scalar[] = [];
  let instancePart: TF.Scalar | undefined;
  // Strong views go through the student in a pass of their own: their batch statistics (heavy
  // colour jitter, greyscale, CutMix) would otherwise normalise the labelled images and move the running
  // statistics away from real images, which validation, the teacher and pre-labelling use.
  const strongStats = new Map<string, BatchStats>();
  const { value, grads } = tf.variableGrads(() => {
    const { logits, embedding } = forwardHeads(graph, student, tf.tensor4d(labelled.images, [labelled.count, size, size, 3]), { training: true, batchStats });
    let sup = segmentationLoss(logits, tf.tensor3d(labelled.labels, [labelled.count, size, size], 'int32'), lossOptions);
    if (embedding && labelled.instances) {
      const targets = Array.from({ length: labelled.count }, (_, i) => instanceTargets(labelled.instances!, size * size, i));
      const inst = discriminativeLoss(embedding, targets);
      instancePart = tf.keep(inst);
      sup = tf.add(sup, tf.mul(inst, lossOptions.instanceWeight ?? 1)) as TF.Scalar;
    }
    parts.push(tf.keep(sup));
    if (!(unlabelled && pseudo)) return sup;
    const strong = forward(graph, student, tf.tensor4d(unlabelled.strong, [unlabelled.count, size, size, 3]), { training: true, batchStats: strongStats });
    const unsup = segmentationLoss(strong, tf.tensor3d(pseudo.labels, [unlabelled.count, size, size], 'int32'), { ...lossOptions, dice: false, pixels: Math.max(1, pseudo.inside) });
    parts.push(tf.keep(unsup));
    return tf.add(sup, tf.mul(unsup, unsupWeight)) as TF.Scalar;
  }, [...student.params.values()]);
  for (const { mean, variance } of strongStats.values()) tf.dispose([mean, variance]);
  // variableGrads keys gradients by variable name; map them back to parameter names.
  const byParam: Record<string, TF.Tensor> = {};
  for (const [name, v] of student.params) if (grads[v.name]) byParam[name] = grads[v.name];
  optimizer.apply(student.params, byParam, lr);
  tf.dispose(Object.values(grads));
  // The optimizer has counted this step: that is the number of batch-norm updates so far.
  updateRunningStats(student, batchStats, optimizer.state.step);
  const loss = value.dataSync()[0];
  const [sup, unsup] = parts.map((p) => p.dataSync()[0]);
  const instance = instancePart?.dataSync()[0];
  tf.dispose([value, ...parts, ...(instancePart ? [instancePart] : [])]);
  return { loss, supervised: sup, unsupervised: unsup, confident: pseudo?.confident, instance };
}

/** Validation over whole images: mIoU and per-class IoU (channel order), or undefined when cancelled. */
async function validate(
  graph: Graph, weights: Weights, items: DatasetItem[], source: DataSource, classes: ClassDef[],
  options: Parameters<typeof predictImage>[5], previews: number, ctx: JobContext,
): Promise<{ mIoU: number; pixelAccuracy: number; perClass: ClassIoU[]; previews?: TrainPreview[] } | undefined> {
  const matrix = new ConfusionMatrix(classes.length);
  const shown: TrainPreview[] = [];
  for (const item of items) {
    // Let a cancel message in between images.
    await new Promise((r) => setImmediate(r));
    if (ctx.signal.aborted) return undefined;
    const d = await source.load(item, true);
    if (!d?.labels) continue;
    const predicted = predictImage(graph, weights, d.rgb, d.width, d.height, options);
    matrix.add(d.labels, predicted, 255);
    if (shown.length < previews) shown.push(await makePreview(item.key, d.rgb, d.width, d.height, predicted, classes));
  }
  const m = matrix.metrics(classes.map((c, k) => ({ ...c, id: k })));
  return {
    mIoU: m.mIoU,
    pixelAccuracy: m.pixelAccuracy,
    perClass: m.perClass.map((c, k) => ({ id: classes[k].id, name: classes[k].name, iou: c.iou })),
    previews: previews > 0 ? shown : undefined,
  };
}

async function checkpointTensors(student: Weights, teacher: Weights | undefined, optimizer: AdamW): Promise<Map<string, TensorRecord>> {
  const out = new Map<string, TensorRecord>();
  const put = async (prefix: string, tensors: Map<string, TF.Tensor>) => {
    for (const [k, v] of tensors) out.set(prefix + k, { shape: v.shape, data: (await v.data()) as Float32Array });
  };
  await put('p:', student.params);
  await put('s:', student.state);
  await put('m:', optimizer.state.m);
  await put('v:', optimizer.state.v);
  if (teacher) {
    await put('t:', teacher.params);
    await put('ts:', teacher.state);
  }
  return out;
}

function weightsFrom(graph: Graph, tensors: Map<string, TensorRecord>, paramPrefix: string, statePrefix: string, trainable: boolean): Weights {
  const get = (key: string, shape: number[]) => {
    const t = tensors.get(key);
    if (!t || t.shape.join() !== shape.join()) throw new DatasetError(`the checkpoint has no ${key} of shape [${shape}]: it was made for another architecture`);
    return tf.tensor(t.data, t.shape);
  };
  const params = new Map<string, TF.Variable>();
  for (const spec of graph.params) params.set(spec.name, tf.tidy(() => tf.variable(get(paramPrefix + spec.name, spec.shape), trainable)));
  const state = new Map<string, TF.Tensor>();
  for (const spec of graph.state) state.set(spec.name, get(statePrefix + spec.name, spec.shape));
  return { params, state };
}

function restoreOptimizer(optimizer: AdamW, tensors: Map<string, TensorRecord>, step: number): void {
  optimizer.state.step = step;
  for (const [k, t] of tensors) {
    if (k.startsWith('m:')) optimizer.state.m.set(k.slice(2), tf.tensor(t.data, t.shape));
    if (k.startsWith('v:')) optimizer.state.v.set(k.slice(2), tf.tensor(t.data, t.shape));
  }
}

export type { TrainingBackend };
export { readWeights };
