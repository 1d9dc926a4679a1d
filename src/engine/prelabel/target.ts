/**
 * Which images a pre-label run covers and where their pre-labels go, from the folder it was
 * given: a dataset root (all its images), a folder inside a dataset's image folder (the images
 * under it, pre-labels in the dataset's pre-label folder), or any other folder of images, which
 * becomes a dataset root: pre-labels in `<folder>/prelabels/`, and a `segment.json` with the
 * model's classes (only when it has none) so the editor shows them in the right colours.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClassDef } from '../../core/classes';
import { DatasetItem, DatasetLayout, detectLayout, findDatasetRoots, IMAGE_EXTENSIONS, pairDataset } from '../../core/datasetLayout';
import { DatasetError } from '../../core/problems';
import { CONFIG_FILE, DEFAULT_FOLDERS, formatSegmentConfig, SegmentConfig } from '../../core/segmentConfig';
import { openDataset } from '../dataset';
import { isDirectory, listFiles } from '../files';
import { layoutRootCandidate } from '../locate';

export interface Target {
  /** Absolute dataset root. */
  root: string;
  /** The dataset's classes; undefined for a plain folder (the model's classes become its config). */
  config?: SegmentConfig;
  configSource: 'file' | 'inferred' | 'none';
  /** The images covered, in the dataset's (natural) order. */
  items: DatasetItem[];
  /** Absolute folder of the pre-labels. */
  prelabelDir: string;
}

/** How far up from a folder to look for the dataset it belongs to. */
const MAX_LEVELS = 8;

export async function resolveTarget(folder: string): Promise<Target> {
  folder = path.resolve(folder);
  if (!(await isDirectory(folder))) throw new DatasetError(`folder not found: ${folder}`);
  const files = await listFiles(folder);
  if (detectLayout(files)) return datasetTarget(folder);
  const root = await datasetRootAbove(folder);
  if (root) {
    const target = await datasetTarget(root);
    const under = path.relative(root, folder).split(path.sep).join('/') + '/';
    target.items = target.items.filter((i) => i.image.startsWith(under));
    if (target.items.length === 0) throw new DatasetError(`no images in ${folder}`);
    return target;
  }
  const nested = findDatasetRoots(files).filter((r) => r !== '');
  if (nested.length > 0) {
    throw new DatasetError(`${folder} is not a dataset but holds ${nested.length === 1 ? 'one' : 'datasets'}: ${nested.slice(0, 5).join(', ')}${nested.length > 5 ? ', ...' : ''}; pre-label ${nested.length === 1 ? 'it' : 'one of them'}`);
  }
  const { items } = pairDataset(files, PLAIN_LAYOUT);
  if (items.length === 0) throw new DatasetError(`no images in ${folder} (looked for ${IMAGE_EXTENSIONS.join(', ')})`);
  return { root: folder, configSource: 'none', items, prelabelDir: path.join(folder, DEFAULT_FOLDERS.prelabels) };
}

/** Images anywhere under the folder, pre-labels in its `prelabels/` (as segment.json `"images": "."` says). */
const PLAIN_LAYOUT: DatasetLayout = {
  kind: 'segment.json',
  groups: [{ images: '', masks: DEFAULT_FOLDERS.masks, keyPrefix: '' }],
  prelabels: DEFAULT_FOLDERS.prelabels,
  splits: 'splits',
};

/** Makes a plain folder a dataset: a segment.json with the model's classes, unless one appeared meanwhile. */
export async function writePlainConfig(target: Target, classes: ClassDef[], ignoreIndex: number): Promise<void> {
  if (target.configSource !== 'none') return;
  const config: SegmentConfig = { classes, ignoreIndex, folders: { ...DEFAULT_FOLDERS, images: '.' } };
  try {
    await fs.writeFile(path.join(target.root, CONFIG_FILE), formatSegmentConfig(config), { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another shard wrote it first
  }
}

async function datasetTarget(root: string): Promise<Target> {
  const dataset = await openDataset(root);
  return {
    root: dataset.root,
    config: dataset.config,
    configSource: dataset.configSource,
    items: dataset.items,
    prelabelDir: path.join(dataset.root, ...dataset.layout.prelabels.split('/')),
  };
}

async function datasetRootAbove(folder: string): Promise<string | undefined> {
  const probe = path.join(folder, 'image.png'); // would an image in this folder belong to a dataset above?
  let dir = path.dirname(folder);
  for (let level = 0; level < MAX_LEVELS; level++) {
    if (await layoutRootCandidate(dir, probe)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}
