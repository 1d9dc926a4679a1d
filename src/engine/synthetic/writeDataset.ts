/** Writes a synthetic darkfield dataset in the project's convention (DESIGN.md section 3). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeInstancePng, encodeMaskPng } from '../../core/maskCodec';
import { formatSegmentConfig } from '../../core/segmentConfig';
import { DEFAULT_IGNORE_INDEX } from '../../core/classes';
import { DARKFIELD_CLASSES, generateDarkfieldImage } from './darkfield';
import { writeFileAtomic } from '../files';

export interface SampleOptions {
  seed: number;
  /** Images in all. */
  count: number;
  /** The last `unlabelled` images get no mask: the unlabelled pool of semi-supervised training. */
  unlabelled: number;
  /** Labelled images listed in splits/val.txt and splits/test.txt; the other labelled ones in train.txt. */
  val: number;
  test: number;
  /** Image sizes, used in turn. */
  sizes: { width: number; height: number }[];
  /** JPEG quality (the real darkfield set is JPEG q90). */
  quality: number;
}

export const SAMPLE_DEFAULTS: SampleOptions = {
  seed: 20261123,
  count: 32,
  unlabelled: 8,
  val: 4,
  test: 6,
  sizes: [{ width: 384, height: 288 }, { width: 384, height: 288 }, { width: 384, height: 288 }, { width: 320, height: 256 }],
  quality: 90,
};

export function sampleName(index: number): string {
  return `df_${String(index + 1).padStart(3, '0')}`;
}

export async function writeDarkfieldDataset(root: string, options: SampleOptions = SAMPLE_DEFAULTS): Promise<void> {
  const config = { classes: DARKFIELD_CLASSES, ignoreIndex: DEFAULT_IGNORE_INDEX, folders: { images: 'images', masks: 'masks', prelabels: 'prelabels', instances: 'instances' } };
  await writeFileAtomic(path.join(root, 'segment.json'), formatSegmentConfig(config));
  const labelled = options.count - options.unlabelled;
  const splits: Record<'train' | 'val' | 'test', string[]> = { train: [], val: [], test: [] };
  for (let i = 0; i < options.count; i++) {
    const name = sampleName(i);
    const { width, height } = options.sizes[i % options.sizes.length];
    const img = generateDarkfieldImage(options.seed + i * 7919, width, height);
    const jpeg = await sharp(img.rgb, { raw: { width, height, channels: 3 } }).jpeg({ quality: options.quality, chromaSubsampling: '4:4:4' }).toBuffer();
    await writeFileAtomic(path.join(root, 'images', `${name}.jpg`), jpeg);
    if (i >= labelled) continue;
    await writeFileAtomic(path.join(root, 'masks', `${name}.png`), encodeMaskPng(img.ids, width, height, config));
    await writeFileAtomic(path.join(root, 'instances', `${name}.png`), encodeInstancePng(img.instances, width, height));
    const split = i < options.test ? 'test' : i < options.test + options.val ? 'val' : 'train';
    splits[split].push(name);
  }
  await fs.mkdir(path.join(root, 'splits'), { recursive: true });
  for (const [split, names] of Object.entries(splits)) {
    await writeFileAtomic(path.join(root, 'splits', `${split}.txt`), names.join('\n') + '\n');
  }
}
