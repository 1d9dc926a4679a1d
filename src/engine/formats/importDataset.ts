/**
 * `segment convert --from coco|voc|yolo|labelme` and "Segment: Import dataset": another tool's
 * annotations become a dataset in Segment Studio's convention (images/, masks/, instances/,
 * splits/, segment.json). Every annotation file is parsed and checked before anything is written,
 * and the output appears only when the whole import succeeded.
 */
import * as path from 'node:path';
import { ClassDef, DEFAULT_IGNORE_INDEX } from '../../core/classes';
import { ImportParams, ImportResult } from '../../core/convert';
import { compareKeys, Split, SPLITS } from '../../core/datasetLayout';
import { encodeInstancePng, encodeMaskPng } from '../../core/maskCodec';
import { DatasetError } from '../../core/problems';
import { DEFAULT_FOLDERS, formatSegmentConfig, SegmentConfig } from '../../core/segmentConfig';
import { extensionOf } from '../../core/paths';
import { mapLimit } from '../files';
import { JobContext, throttledProgress, throwIfCancelled } from '../jobContext';
import { withStagedFolder } from './stagedFolder';
import { importCoco } from './coco';
import { importVoc } from './voc';
import { importYolo } from './yolo';
import { importLabelme } from './labelme';

export interface ImportedItem {
  /** Relative path without extension: the image becomes images/<key>.<ext>. */
  key: string;
  split?: Split;
  /** False for images that come without annotations (unlabelled). */
  labelled: boolean;
  /** Finds and checks the image: a file to copy, or bytes to write (LabelMe's embedded imageData). */
  load(): Promise<{ image: string | { bytes: Uint8Array; ext: string }; width: number; height: number }>;
  /** Paints the class ids and instance ids (1..n) of a blank mask; returns the number of objects. */
  paint?(target: PaintTarget): number | Promise<number>;
  /** Instance ids given as they are (VOC): written even when paint reports no objects. */
  keepInstances?: boolean;
}

export interface PaintTarget {
  ids: Uint8Array;
  instances: Uint16Array;
  width: number;
  height: number;
  ignoreIndex: number;
}

export interface ImportSink {
  setClasses(classes: ClassDef[]): void;
  add(item: ImportedItem): void;
  note(text: string): void;
}

const CONCURRENCY = 4;

export async function importDataset(params: ImportParams, ctx: JobContext): Promise<ImportResult> {
  const items: ImportedItem[] = [];
  const notes: string[] = [];
  let classes: ClassDef[] = [];
  const sink: ImportSink = { setClasses: (c) => (classes = c), add: (i) => items.push(i), note: (n) => notes.push(n) };
  const readers = { coco: importCoco, voc: importVoc, yolo: importYolo, labelme: importLabelme };
  const read = readers[params.format];
  if (!read) throw new DatasetError(`unknown import format "${params.format}" (coco, voc, yolo, labelme)`);
  await read(params.source, sink);
  if (items.length === 0) throw new DatasetError(`${params.source} holds no images to import`);

  const byKey = new Map<string, ImportedItem>();
  for (const item of items) {
    if (byKey.has(item.key)) throw new DatasetError(`two images of ${params.source} would both become images/${item.key}.*: rename one`);
    byKey.set(item.key, item);
  }
  items.sort((a, b) => compareKeys(a.key, b.key));
  const config: SegmentConfig = { classes, ignoreIndex: DEFAULT_IGNORE_INDEX, folders: { ...DEFAULT_FOLDERS } };
  const progress = throttledProgress(ctx);
  let done = 0;
  let objects = 0;

  return withStagedFolder(params.out, { force: params.force, protect: [path.resolve(params.source)] }, async (folder) => {
    await mapLimit(items, CONCURRENCY, async (item) => {
      throwIfCancelled(ctx);
      const { image, width, height } = await item.load();
      const ext = typeof image === 'string' ? extensionOf(image) : image.ext;
      if (typeof image === 'string') await folder.copy(image, `images/${item.key}.${ext}`);
      else await folder.write(`images/${item.key}.${ext}`, image.bytes);
      if (item.labelled && item.paint) {
        const ids = new Uint8Array(width * height);
        const instances = new Uint16Array(width * height);
        const n = await item.paint({ ids, instances, width, height, ignoreIndex: config.ignoreIndex });
        objects += n;
        await folder.write(`masks/${item.key}.png`, encodeMaskPng(ids, width, height, config));
        if (n > 0 || item.keepInstances) await folder.write(`instances/${item.key}.png`, encodeInstancePng(instances, width, height));
      }
      progress({ done: ++done, total: items.length, message: item.key });
    });
    throwIfCancelled(ctx);
    await folder.write('segment.json', formatSegmentConfig(config));
    for (const split of SPLITS) {
      const keys = items.filter((i) => i.split === split).map((i) => i.key);
      if (keys.length) await folder.write(`splits/${split}.txt`, keys.join('\n') + '\n');
    }
    return {
      out: path.resolve(params.out),
      format: params.format,
      images: items.length,
      objects,
      classes: classes.map(({ id, name }) => ({ id, name })),
      notes,
    };
  });
}
