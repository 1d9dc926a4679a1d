/** Finds the dataset an image belongs to, and where in it the image sits. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { detectLayout, keyOfImage } from '../core/datasetLayout';
import { CONFIG_FILE } from '../core/segmentConfig';
import { extensionOf, normalizeRelative } from '../core/paths';
import { itemTargets } from '../core/maskFiles';
import { LocateResult } from '../core/protocol';
import { openDataset } from './dataset';

/** How far up from an image to look for its dataset root. */
const MAX_LEVELS = 8;

/**
 * Walks up from the image: the first folder whose layout (segment.json or a known convention)
 * puts the image in one of its image folders is the root. Nothing found: the image stands alone.
 */
export async function locateImage(image: string): Promise<LocateResult> {
  image = path.resolve(image);
  let dir = path.dirname(image);
  for (let level = 0; level < MAX_LEVELS; level++) {
    const root = await layoutRootCandidate(dir, image);
    if (root) {
      const dataset = await openDataset(root);
      const rel = path.relative(root, image).split(path.sep).join('/');
      const index = dataset.items.findIndex((i) => i.image === rel);
      if (index >= 0) {
        const item = dataset.items[index];
        return {
          dataset: {
            root,
            config: dataset.config,
            configSource: dataset.configSource,
            item,
            index,
            count: dataset.items.length,
            prelabels: dataset.layout.prelabels,
            targets: itemTargets(dataset.layout, item),
          },
        };
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {};
}

/** `dir` when it is a dataset root whose image folders hold `image`, else undefined. */
export async function layoutRootCandidate(dir: string, image: string): Promise<string | undefined> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const dirs = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
  const hasConfig = entries.some((e) => e.isFile() && e.name === CONFIG_FILE);
  let pngLabels = false;
  if (dirs.has('labels') && dirs.has('images')) {
    pngLabels = (await fs.readdir(path.join(dir, 'labels'))).some((n) => extensionOf(n) === 'png');
  }
  let layout = detectLayout({ dirs, hasConfig, pngLabels });
  if (!layout) return undefined;
  if (hasConfig) {
    // The folders may be renamed in segment.json; openDataset validates it properly later.
    try {
      const json = JSON.parse(await fs.readFile(path.join(dir, CONFIG_FILE), 'utf8'));
      if (json && typeof json.folders === 'object') layout = { ...layout, groups: [{ ...layout.groups[0], ...pickFolders(json.folders) }] };
    } catch {
      // an invalid segment.json still makes this the root: opening it reports the problem
    }
  }
  const rel = path.relative(dir, image).split(path.sep).join('/');
  return keyOfImage(layout, rel) !== undefined ? dir : undefined;
}

function pickFolders(folders: Record<string, unknown>): { images?: string; masks?: string } {
  const out: { images?: string; masks?: string } = {};
  // Normalised as segment.json's parser does: "images": "." means images at the root.
  if (typeof folders.images === 'string') out.images = normalizeRelative(folders.images);
  if (typeof folders.masks === 'string') out.masks = normalizeRelative(folders.masks);
  return out;
}
