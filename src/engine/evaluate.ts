/** `segment eval`: compares predictions (pre-labels by default) with the human masks. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfusionMatrix } from '../core/metrics';
import { decodeMaskPng } from '../core/maskCodec';
import { DatasetError } from '../core/problems';
import { EvalReport, ImageEval } from '../core/reports';
import { absolutePath, Dataset } from './dataset';
import { isDirectory, mapLimit } from './files';
import { maskOptions, readCheckedMask } from './masks';
import { JobContext, throttledProgress, throwIfCancelled } from './jobContext';

const CONCURRENCY = 8;

/**
 * `predictions` is a folder holding `<key>.png` class-id maps, absolute or relative to the dataset
 * root; by default the dataset's pre-label folder.
 */
export async function evaluateDataset(dataset: Dataset, predictions: string | undefined, ctx: JobContext): Promise<EvalReport> {
  const predDir = path.resolve(dataset.root, predictions ?? dataset.layout.prelabels);
  if (!(await isDirectory(predDir))) throw new DatasetError(`prediction folder not found: ${predDir}`);
  const { config } = dataset;
  const total = ConfusionMatrix.forClasses(config.classes);
  const images: ImageEval[] = [];
  const missing: string[] = [];
  const failed: { path: string; reason: string }[] = [];
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
      try {
        const pred = decodeMaskPng(predBytes, maskOptions(config));
        if (pred.width !== truth.mask.width || pred.height !== truth.mask.height) {
          throw new Error(`prediction is ${pred.width}x${pred.height} but the mask is ${truth.mask.width}x${truth.mask.height}`);
        }
        const cm = ConfusionMatrix.forClasses(config.classes);
        cm.add(truth.mask.ids, pred.ids, config.ignoreIndex);
        total.merge(cm);
        const m = cm.metrics(config.classes);
        images.push({ path: item.image, key: item.key, mIoU: m.mIoU, pixelAccuracy: m.pixelAccuracy });
      } catch (e) {
        failed.push({ path: item.image, reason: `${displayPath(dataset.root, predFile)}: ${(e as Error).message}` });
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
  };
}

/** Relative to the root when inside it, absolute otherwise (a `../../..` path helps nobody). */
function displayPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel.split(path.sep).join('/');
}
