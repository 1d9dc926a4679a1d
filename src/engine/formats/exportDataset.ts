/**
 * `segment convert --to coco|voc|yolo` and "Segment: Export dataset": the labelled images of a
 * dataset with their masks in another tool's format. Class masks survive exactly in COCO RLE and
 * VOC; polygon formats keep every pixel whose centre is farther than the tolerance from an outline.
 */
import * as path from 'node:path';
import { DatasetItem } from '../../core/datasetLayout';
import { extensionOf } from '../../core/paths';
import { ExportParams, ExportResult, DEFAULT_POLYGON_TOLERANCE } from '../../core/convert';
import { DatasetError } from '../../core/problems';
import { absolutePath, Dataset } from '../dataset';
import { mapLimit } from '../files';
import { JobContext, throttledProgress, throwIfCancelled } from '../jobContext';
import { ItemLabels, readItemLabels } from './itemLabels';
import { StagedFolder, withStagedFolder } from './stagedFolder';
import { cocoExporter } from './coco';
import { vocExporter } from './voc';
import { yoloExporter } from './yolo';

/** Items read at once: masks are decoded in memory, so this bounds memory too. */
const CONCURRENCY = 4;

export interface ExportContext {
  dataset: Dataset;
  folder: StagedFolder;
  params: ExportParams;
  tolerance: number;
  notes: Set<string>;
}

/** What each format does with the labelled items, in dataset order. */
export interface Exporter {
  /** Writes one item's files; returns the number of objects written. */
  item(item: DatasetItem, labels: ItemLabels, index: number): Promise<number>;
  /** Writes the files that describe the whole set (annotations, lists, data.yaml). */
  finish(items: DatasetItem[]): Promise<void>;
}

export async function exportDataset(dataset: Dataset, params: ExportParams, ctx: JobContext): Promise<ExportResult> {
  const tolerance = params.tolerance ?? DEFAULT_POLYGON_TOLERANCE;
  if (!(tolerance >= 0)) throw new DatasetError(`the polygon tolerance must be 0 or more pixels, not ${params.tolerance}`);
  const makers = { coco: cocoExporter, voc: vocExporter, yolo: yoloExporter };
  const make = makers[params.format];
  if (!make) throw new DatasetError(`unknown export format "${params.format}" (coco, voc, yolo)`);
  const labelled = dataset.items.filter((i) => i.mask);
  const skipped: ExportResult['skipped'] = dataset.items.filter((i) => !i.mask).map((i) => ({ path: i.image, reason: 'no mask' }));
  const progress = throttledProgress(ctx);

  return withStagedFolder(params.out, { force: params.force, protect: [dataset.root] }, async (folder) => {
    const context: ExportContext = { dataset, folder, params, tolerance, notes: new Set() };
    const exporter = make(context);
    const exported: DatasetItem[] = [];
    let objects = 0;
    let done = 0;
    // Items are read in parallel but handed to the exporter in dataset order (ids stay stable).
    let nextToWrite = 0;
    const ready = new Map<number, ItemLabels | string>();
    const flush = async () => {
      while (ready.has(nextToWrite)) {
        const labels = ready.get(nextToWrite)!;
        ready.delete(nextToWrite);
        const item = labelled[nextToWrite++];
        if (typeof labels === 'string') {
          skipped.push({ path: item.image, reason: labels });
          continue;
        }
        if (labels.instanceNote) context.notes.add(labels.instanceNote);
        objects += await exporter.item(item, labels, exported.length);
        exported.push(item);
      }
    };
    let writing = Promise.resolve();
    await mapLimit(labelled, CONCURRENCY, async (item, index) => {
      throwIfCancelled(ctx);
      ready.set(index, await readItemLabels(dataset, item));
      writing = writing.then(flush);
      await writing;
      progress({ done: ++done, total: labelled.length, message: item.image });
    });
    await writing;
    throwIfCancelled(ctx);
    await exporter.finish(exported);
    return {
      out: path.resolve(params.out),
      format: params.format,
      images: exported.length,
      objects,
      skipped: skipped.sort((a, b) => a.path.localeCompare(b.path)),
      notes: [...context.notes],
    };
  });
}

/** The exported image's path inside an image folder: its key plus its own extension. */
export function exportedImageName(item: DatasetItem): string {
  return `${item.key}.${extensionOf(item.image)}`;
}

export function copyImage(ctx: ExportContext, item: DatasetItem, relative: string): Promise<void> {
  return ctx.folder.copy(absolutePath(ctx.dataset, item.image), relative);
}
