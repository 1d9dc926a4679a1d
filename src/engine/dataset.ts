/** Opens a dataset folder on disk: its config (read or inferred), layout and paired items. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  DatasetItem, DatasetLayout, detectLayout, pairDataset, parseSplitList, Split, SPLITS,
} from '../core/datasetLayout';
import { DatasetError, Problem } from '../core/problems';
import { CONFIG_FILE, inferSegmentConfig, parseSegmentConfig, SegmentConfig } from '../core/segmentConfig';
import { decodePng } from '../core/png';
import { toHexColor } from '../core/color';
import { isDirectory, listFiles } from './files';

export interface Dataset {
  /** Absolute path of the dataset root. */
  root: string;
  config: SegmentConfig;
  configSource: 'file' | 'inferred';
  layout: DatasetLayout;
  items: DatasetItem[];
  /** Problems found while opening: config warnings, orphan masks, clashing names. */
  problems: Problem[];
}

/** Masks read to infer the classes of a dataset without segment.json. */
const INFER_SAMPLE = 64;

export async function openDataset(root: string): Promise<Dataset> {
  root = path.resolve(root);
  if (!(await isDirectory(root))) {
    throw new DatasetError(`dataset folder not found: ${root}`);
  }
  const files = await listFiles(root);
  const problems: Problem[] = [];
  let config: SegmentConfig | undefined;
  if (files.includes(CONFIG_FILE)) {
    const text = await fs.readFile(path.join(root, CONFIG_FILE), 'utf8');
    const parsed = parseSegmentConfig(text, CONFIG_FILE);
    if (!parsed.ok) {
      throw new DatasetError(`${path.join(root, CONFIG_FILE)} is not valid:\n  ${parsed.problems.map((p) => `${p.field ?? ''}: ${p.message}`).join('\n  ')}`, parsed.problems);
    }
    config = parsed.config;
    problems.push(...parsed.problems);
  }
  const layout = detectLayout(files, config);
  if (!layout) {
    throw new DatasetError(
      `${root} is not a dataset: expected a ${CONFIG_FILE}, or folders images/ + masks/ ` +
        '(or Pascal VOC JPEGImages/ + SegmentationClass/, CamVid train/ + trainannot/, images/ + labels/)',
    );
  }
  const splitLists = new Map<Split, Set<string>>();
  for (const split of SPLITS) {
    const file = `${layout.splits}/${split}.txt`;
    if (files.includes(file)) splitLists.set(split, parseSplitList(await fs.readFile(path.join(root, file), 'utf8')));
  }
  const paired = pairDataset(files, layout, splitLists);
  problems.push(...paired.problems);
  for (const group of layout.groups) {
    if (!files.some((f) => f.startsWith(group.images + '/'))) {
      problems.push({ severity: 'warning', code: 'missing-folder', file: group.images, message: 'image folder is missing or empty' });
    }
  }
  const configSource = config ? 'file' : 'inferred';
  if (!config) config = await inferConfig(root, paired.items);
  return { root, config, configSource, layout, items: paired.items, problems };
}

/** Classes from the ids (and palette colours) of a sample of masks. */
async function inferConfig(root: string, items: DatasetItem[]): Promise<SegmentConfig> {
  const ids = new Set<number>();
  const colors = new Map<number, string>();
  const masks = items.filter((i) => i.mask).slice(0, INFER_SAMPLE);
  for (const item of masks) {
    let png;
    try {
      png = decodePng(await fs.readFile(path.join(root, item.mask!)));
    } catch {
      continue; // unreadable masks are reported by the checks that read every mask
    }
    if (png.colorType !== 0 && png.colorType !== 3) {
      throw new DatasetError(`${item.mask} is a colour mask: colour masks need a ${CONFIG_FILE} that gives each class its colour`);
    }
    const seen = new Uint8Array(65536);
    for (let k = 0; k < png.data.length; k += png.channels) seen[png.data[k]] = 1;
    seen.forEach((v, id) => {
      if (!v) return;
      ids.add(id);
      if (png.palette && id * 3 + 2 < png.palette.length && !colors.has(id)) {
        colors.set(id, toHexColor([png.palette[id * 3], png.palette[id * 3 + 1], png.palette[id * 3 + 2]]));
      }
    });
  }
  return inferSegmentConfig(ids, colors);
}

export function absolutePath(dataset: Dataset, relative: string): string {
  return path.join(dataset.root, ...relative.split('/'));
}
