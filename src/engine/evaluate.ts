/**
 * `segment eval`: compares predictions (pre-labels by default) with the human masks, and where
 * instance maps exist, the predicted instances of the thing classes with the true ones.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { thingClassIds } from '../core/classes';
import { thingComponents } from '../core/components';
import { PRELABEL_INSTANCES } from '../core/datasetLayout';
import { InstanceInput, InstanceQuality } from '../core/instanceMetrics';
import { ConfusionMatrix } from '../core/metrics';
import { decodeInstancePng, decodeMaskPng } from '../core/maskCodec';
import { DatasetError } from '../core/problems';
import { EvalReport, ImageEval, InstanceEval, InstanceSource } from '../core/reports';
import { SegmentConfig } from '../core/segmentConfig';
import { absolutePath, Dataset } from './dataset';
import { isDirectory, mapLimit } from './files';
import { maskOptions, readCheckedMask } from './masks';
import { JobContext, throttledProgress, throwIfCancelled } from './jobContext';

const CONCURRENCY = 8;

export interface EvalOptions {
  /** Predicted instances: `<predictions>/instances/<key>.png` ('maps', the default) or components of the predicted classes. */
  predInstances?: InstanceSource;
}

/**
 * `predictions` is a folder holding `<key>.png` class-id maps, absolute or relative to the dataset
 * root; by default the dataset's pre-label folder.
 */
export async function evaluateDataset(dataset: Dataset, predictions: string | undefined, ctx: JobContext, options: EvalOptions = {}): Promise<EvalReport> {
  const predDir = path.resolve(dataset.root, predictions ?? dataset.layout.prelabels);
  if (!(await isDirectory(predDir))) throw new DatasetError(`prediction folder not found: ${predDir}`);
  const { config } = dataset;
  const total = ConfusionMatrix.forClasses(config.classes);
  const images: ImageEval[] = [];
  const missing: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  const source = options.predInstances ?? 'maps';
  const things = thingClassIds(config.classes);
  const quality = new InstanceQuality([...things].sort((a, b) => a - b), config.ignoreIndex);
  const instanceImages: string[] = [];
  const instanceMissing: string[] = [];
  const labelled = dataset.items.filter((i) => i.mask);
  const progress = throttledProgress(ctx);
  let done = 0;

  await mapLimit(labelled, CONCURRENCY, async (item) => {
    throwIfCancelled(ctx);
    const predFile = path.join(predDir, ...`${item.key}.png`.split('/'));
    let predBytes: Uint8Array;
    try {
      predBytes = await fs.readFile(predFile);
    } catch {
      missing.push(item.image);
      progress({ done: ++done, total: labelled.length });
      return;
    }
    const truth = await readCheckedMask(absolutePath(dataset, item.mask!), item.mask!, config);
    if (!truth.ok) {
      failed.push({ path: item.image, reason: `${truth.problem.file}: ${truth.problem.message}` });
    } else {
      const file = { current: predFile }; // the file being read, named when it fails
      try {
        const pred = decodeMaskPng(predBytes, maskOptions(config));
        checkSize(pred, truth.mask, 'prediction');
        const instances = item.instances && things.size > 0
          ? await readInstances(dataset, item.key, item.instances, { classes: truth.mask.ids, predClasses: pred.ids, width: pred.width, height: pred.height }, { predDir, source, things, config }, file)
          : undefined;
        const cm = ConfusionMatrix.forClasses(config.classes);
        cm.add(truth.mask.ids, pred.ids, config.ignoreIndex);
        total.merge(cm);
        const m = cm.metrics(config.classes);
        images.push({ path: item.image, key: item.key, mIoU: m.mIoU, pixelAccuracy: m.pixelAccuracy });
        if (instances === 'missing') instanceMissing.push(item.image);
        else if (instances) {
          quality.add(instances);
          instanceImages.push(item.image);
        }
      } catch (e) {
        failed.push({ path: item.image, reason: `${displayPath(dataset.root, file.current)}: ${(e as Error).message}` });
      }
    }
    progress({ done: ++done, total: labelled.length, message: item.image });
  });

  const m = total.metrics(config.classes);
  return {
    root: dataset.root,
    predictions: predDir,
    mIoU: m.mIoU,
    pixelAccuracy: m.pixelAccuracy,
    meanPixelAccuracy: m.meanPixelAccuracy,
    perClass: m.perClass,
    images: images.sort((a, b) => a.mIoU - b.mIoU || a.path.localeCompare(b.path)),
    confusion: { size: total.size, counts: Array.from(total.counts) },
    missing: missing.sort(),
    failed: failed.sort((a, b) => a.path.localeCompare(b.path)),
    pixels: m.pixels,
    ...(instanceImages.length > 0 ? { instances: instanceReport(quality, config, source, instanceImages.length, instanceMissing, predDir) } : {}),
  };
}

/**
 * The true and predicted instances of one image; 'missing' when the predicted instance map is
 * absent. `file.current` names the file being read, for the error.
 */
async function readInstances(
  dataset: Dataset,
  key: string,
  truthFile: string,
  maps: { classes: Uint8Array; predClasses: Uint8Array; width: number; height: number },
  how: { predDir: string; source: InstanceSource; things: ReadonlySet<number>; config: SegmentConfig },
  file: { current: string },
): Promise<InstanceInput | 'missing'> {
  let predInstances: ArrayLike<number>;
  if (how.source === 'components') {
    predInstances = thingComponents(maps.predClasses, maps.width, maps.height, how.things, how.config.ignoreIndex);
  } else {
    file.current = path.join(how.predDir, PRELABEL_INSTANCES, ...`${key}.png`.split('/'));
    const bytes = await fs.readFile(file.current).catch(() => undefined);
    if (!bytes) return 'missing'; // and the truth is not read: nothing to compare it with
    const pred = decodeInstancePng(bytes);
    checkSize(pred, maps, 'predicted instance map');
    predInstances = pred.ids;
  }
  file.current = absolutePath(dataset, truthFile);
  const truth = decodeInstancePng(await fs.readFile(file.current));
  checkSize(truth, maps, 'instance map');
  return { truthInstances: truth.ids, truthClasses: maps.classes, predInstances, predClasses: maps.predClasses };
}

function instanceReport(quality: InstanceQuality, config: SegmentConfig, source: InstanceSource, images: number, missing: string[], predDir: string): InstanceEval {
  const r = quality.result();
  const names = new Map(config.classes.map((c) => [c.id, c.name]));
  return {
    source,
    ...(source === 'maps' ? { predictions: path.join(predDir, PRELABEL_INSTANCES) } : {}),
    images,
    pq: r.pq, sq: r.sq, rq: r.rq, ap50: r.ap50,
    perClass: r.perClass.map((c) => ({ id: c.id, name: names.get(c.id) ?? String(c.id), pq: c.pq, sq: c.sq, rq: c.rq, ap50: c.ap50, tp: c.tp, fp: c.fp, fn: c.fn })),
    missing: missing.sort(),
  };
}

function checkSize(a: { width: number; height: number }, mask: { width: number; height: number }, what: string): void {
  if (a.width !== mask.width || a.height !== mask.height) throw new Error(`${what} is ${a.width}x${a.height} but the mask is ${mask.width}x${mask.height}`);
}

/** Relative to the root when inside it, absolute otherwise (a `../../..` path helps nobody). */
function displayPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}
