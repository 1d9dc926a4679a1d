/**
 * Pre-labelling a folder, predicting one image, and finding the most uncertain pre-label. Decoding
 * (sharp, libuv threads), the model (onnxruntime, this thread) and finishing (worker threads) run
 * at the same time: while the model works on a batch, the next images decode and the last batch's
 * pre-labels are encoded and written.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClassDef } from '../../core/classes';
import { DatasetItem } from '../../core/datasetLayout';
import { ModelManifest } from '../../core/modelManifest';
import {
  inShard, mostUncertain, NextUncertainResult, PredictParams, PredictResult, PrelabelParams, PrelabelResult, PrelabelSidecar, Skipped,
} from '../../core/prelabel';
import { DatasetError } from '../../core/problems';
import { imageSize, ImageReadError, readRgb } from '../images';
import { mapLimit } from '../files';
import { CancelledError, JobContext, throttledProgress } from '../jobContext';
import { BatchRunner, DecodedImage } from '../inference/batchRunner';
import { FinishPool, Finisher, inlineFinisher } from './finishPool';
import { FinishTask, runFinishTask } from './finishTask';
import { LoadedModel, ModelError } from '../inference/model';
import { FinishJob } from '../inference/scores';
import { closeOutput, openOutput, PrelabelOutput, sweepPartials } from './output';
import { resolveTarget, Target, writePlainConfig } from './target';

/** Windows per model call when the model leaves it open: small on the CPU so that cancel stays quick. */
const DEFAULT_BATCH = { cpu: 2, cuda: 8 };

export async function prelabelFolder(params: PrelabelParams, model: LoadedModel, ctx: JobContext): Promise<PrelabelResult> {
  const target = await resolveTarget(params.folder);
  const palette = paletteFor(target, model.manifest);
  const inShardItems = target.items.filter((_, position) => inShard(position, params.shard));
  const { todo, skipped } = await select(target, inShardItems, model, params.all ?? false);
  const output = await openOutput(target.prelabelDir);
  await writePlainConfig(target, model.manifest.classes, model.manifest.ignoreIndex);

  const failed: Skipped[] = [];
  let written = 0;
  let firstWritten: string | undefined;
  let done = 0;
  const total = todo.length;
  ctx.progress({ done, total, message: `${model.provider}` });
  const progress = throttledProgress(ctx);
  const step = (item: DatasetItem) => progress({ done: ++done, total, message: item.image });

  const finisher: Finisher = todo.length > 1 ? new FinishPool() : inlineFinisher;
  const inflight = new Set<Promise<void>>();
  const batch = params.batch ?? DEFAULT_BATCH[model.provider];
  const runner = new BatchRunner<DatasetItem>(model, batch, palette.classes, palette.ignoreIndex, (item, job) => {
    const settled: Promise<void> = finisher.finish(finishTask(output, item, model, job)).then(
      () => {
        written++;
        firstWritten ??= item.image;
      },
      (e) => void failed.push({ path: item.image, reason: reasonOf(e) }),
    ).finally(() => {
      inflight.delete(settled);
      step(item);
    });
    inflight.add(settled);
  }, ctx.signal);
  // Enough decoded images ahead to fill the next batches, and a bound on results in flight (memory).
  const ahead = Math.max(4, 2 * batch);
  const maxInflight = 2 * batch + 4;
  const started = performance.now();
  try {
    for await (const { item, decoded, error } of prefetch(todo, ahead, (item) => decode(target, item, model.manifest))) {
      if (ctx.signal.aborted) throw new CancelledError();
      if (error) {
        failed.push({ path: item.image, reason: error });
        step(item);
        continue;
      }
      await runner.add(item, decoded!);
      while (inflight.size > maxInflight) await Promise.race(inflight);
    }
    await runner.flush();
    await Promise.all(inflight);
  } catch (e) {
    await Promise.allSettled(inflight); // results already computed are written whole, never half
    if (e instanceof CancelledError) e.message = `cancelled after ${done} of ${total} images (${written} pre-labels written)`;
    throw e;
  } finally {
    await Promise.all([finisher.close(), closeOutput(output)]);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    root: target.root,
    output: target.prelabelDir,
    model: { name: model.manifest.name, path: model.file, sha256: model.sha256 },
    executionProvider: model.provider,
    ...(model.notice ? { notice: model.notice } : {}),
    total: inShardItems.length,
    written,
    ...(firstWritten ? { firstWritten } : {}),
    skipped,
    failed: failed.sort((a, b) => a.path.localeCompare(b.path)),
    imagesPerSecond: seconds > 0 ? written / seconds : 0,
    seconds,
    ...(params.shard ? { shard: params.shard } : {}),
  };
}

/** One image, for the editor's Predict: its pre-label is written (masks are never touched). */
export async function predictImage(params: PredictParams, model: LoadedModel): Promise<PredictResult> {
  const image = path.resolve(params.image);
  const target = await resolveTarget(path.dirname(image));
  const item = target.items.find((i) => path.join(target.root, ...i.image.split('/')) === image);
  if (!item) throw new DatasetError(`${image} is not one of the images of the dataset at ${target.root}`);
  target.items = [item];
  const palette = paletteFor(target, model.manifest);
  const output = await openOutput(target.prelabelDir);
  try {
    await writePlainConfig(target, model.manifest.classes, model.manifest.ignoreIndex);
    const decoded = await decode(target, item, model.manifest);
    if (decoded.error) throw new DatasetError(`${item.image}: ${decoded.error}`);
    let job: FinishJob | undefined;
    const runner = new BatchRunner<DatasetItem>(model, 1, palette.classes, palette.ignoreIndex, (_, j) => (job = j));
    await runner.add(item, decoded.decoded!);
    await runner.flush();
    const { info, files } = runFinishTask(finishTask(output, item, model, job!));
    return {
      root: target.root, prelabel: files.png, sidecar: files.sidecar, ...(files.instances ? { instances: files.instances } : {}), info, ...(model.notice ? { notice: model.notice } : {}),
    };
  } finally {
    await closeOutput(output);
  }
}

/** The unlabelled image whose pre-label has the highest mean entropy (active learning). */
export async function nextUncertain(folder: string): Promise<NextUncertainResult> {
  const target = await resolveTarget(folder);
  const unlabelled = target.items.filter((i) => !i.mask);
  const withInfo = unlabelled.filter((i) => i.prelabel && i.prelabelInfo);
  const sidecars = await mapLimit(withInfo, 16, async (item) => {
    const info = await readSidecar(path.join(target.root, item.prelabelInfo!));
    return { item, meanEntropy: typeof info?.meanEntropy === 'number' ? info.meanEntropy : null };
  });
  const best = mostUncertain(sidecars);
  return {
    root: target.root,
    ...(best ? { image: path.join(target.root, ...best.item.image.split('/')), meanEntropy: best.meanEntropy! } : {}),
    candidates: sidecars.filter((s) => s.meanEntropy !== null).length,
    withoutPrelabel: unlabelled.length - withInfo.length,
  };
}

/** After a worker crash: removes the partial folder the dead process `pid` left in `folder`'s pre-labels. */
export async function cleanupAfterCrash(folder: string, pid: number): Promise<{ output: string }> {
  const { prelabelDir } = await resolveTarget(folder);
  await sweepPartials(prelabelDir, pid);
  return { output: prelabelDir };
}

/**
 * Skips images with a human mask and those this very model already pre-labelled (unless `all`).
 * For an instance-capable model the instance map is part of the pre-label: without it (a run that
 * stopped between the files), the image is done again.
 */
async function select(target: Target, items: DatasetItem[], model: LoadedModel, all: boolean): Promise<{ todo: DatasetItem[]; skipped: Skipped[] }> {
  if (all) return { todo: items, skipped: [] };
  const reasons = await mapLimit(items, 16, async (item) => {
    if (item.mask) return 'has a human mask';
    if (item.prelabel && item.prelabelInfo) {
      const info = await readSidecar(path.join(target.root, item.prelabelInfo));
      const whole = !model.manifest.embedding || (item.prelabelInstances !== undefined && typeof info?.instances === 'number');
      if (info?.model?.sha256 === model.sha256 && whole) return 'already pre-labelled by this model';
    }
    return undefined;
  });
  return {
    todo: items.filter((_, i) => !reasons[i]),
    skipped: items.flatMap((item, i) => (reasons[i] ? [{ path: item.image, reason: reasons[i]! }] : [])),
  };
}

/**
 * The classes the pre-label PNGs carry in their palette: the dataset's (whose ignore index wins).
 * Model class ids that a dataset's segment.json does not declare stop the run before any work.
 */
function paletteFor(target: Target, m: ModelManifest): { classes: ClassDef[]; ignoreIndex: number } {
  if (!target.config) return { classes: m.classes, ignoreIndex: m.ignoreIndex };
  const known = new Map(target.config.classes.map((c) => [c.id, c]));
  const missing = m.classes.filter((c) => !known.has(c.id));
  if (missing.length > 0 && target.configSource === 'file') {
    throw new ModelError(
      `model "${m.name}" has classes that ${path.join(target.root, 'segment.json')} does not declare: ${missing.map((c) => `${c.id} "${c.name}"`).join(', ')} ` +
        `(the dataset's ids: ${target.config.classes.map((c) => c.id).join(', ')}); add them there, or use a model trained for this dataset`,
    );
  }
  return { classes: [...target.config.classes, ...missing], ignoreIndex: target.config.ignoreIndex };
}

type Decoded = { item: DatasetItem; decoded?: DecodedImage; error?: string };

async function decode(target: Target, item: DatasetItem, m: ModelManifest): Promise<Decoded> {
  const file = path.join(target.root, ...item.image.split('/'));
  try {
    const source = await imageSize(file);
    const [h, w] = m.input.size;
    const { data, width, height } = await readRgb(file, m.input.mode === 'resize' ? { width: w, height: h } : undefined);
    return { item, decoded: { rgb: data, width, height, sourceWidth: source.width, sourceHeight: source.height } };
  } catch (e) {
    return { item, error: reasonOf(e) };
  }
}

/** Runs `fn` over `items` with up to `ahead` calls started in advance; yields in order. */
async function* prefetch<T, R>(items: readonly T[], ahead: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  let next = 0;
  while (next < items.length && pending.length < ahead) pending.push(fn(items[next++]));
  while (pending.length > 0) {
    const result = await pending.shift()!;
    if (next < items.length) pending.push(fn(items[next++]));
    yield result;
  }
}

function finishTask(output: PrelabelOutput, item: DatasetItem, model: LoadedModel, job: FinishJob): FinishTask {
  const m = model.manifest;
  return {
    job,
    output,
    key: item.key,
    sidecar: { image: item.image, model: { name: m.name, file: path.basename(model.file), sha256: model.sha256 }, executionProvider: model.provider, mode: m.input.mode },
    classNames: m.classes.map((c) => c.name),
  };
}

async function readSidecar(file: string): Promise<Partial<PrelabelSidecar> | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof ImageReadError) return e.message.replace(` ${e.file}`, '');
  return (e as Error).message ?? String(e);
}
