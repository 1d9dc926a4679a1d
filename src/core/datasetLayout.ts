/**
 * Where a dataset keeps its files, and which files belong together. Pure functions over lists of
 * relative POSIX paths, so the same code serves the CLI (node fs), the worker and the extension
 * host (workspace file system).
 */
import { Problem } from './problems';
import { CONFIG_FILE, DEFAULT_FOLDERS, SegmentConfig } from './segmentConfig';
import { extensionOf, joinRelative, relativeTo, stripExtension } from './paths';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'bmp', 'webp'] as const;
const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS);

export function isImagePath(path: string): boolean {
  return IMAGE_EXT.has(extensionOf(path));
}

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export type LayoutKind = 'segment.json' | 'images+masks' | 'images+labels' | 'voc' | 'camvid';

/** One folder of images and the folders that hold their masks and instance maps. */
export interface LayoutGroup {
  images: string;
  masks: string;
  instances?: string;
  /** Set where the layout itself says the split (CamVid's train/val/test folders). */
  split?: Split;
  /** Prefix of item keys from this group, so two groups never collide ('' for single-group layouts). */
  keyPrefix: string;
}

export interface DatasetLayout {
  kind: LayoutKind;
  groups: LayoutGroup[];
  /** Model output awaiting review: `<prelabels>/<key>.png` and `<key>.json`. */
  prelabels: string;
  /** Folder of split lists `{train,val,test}.txt`, one key per line. */
  splits: string;
}

/** An image and the files that belong to it; every path is relative to the dataset root. */
export interface DatasetItem {
  /** Relative path of the image without extension, inside its images folder (plus group prefix). */
  key: string;
  image: string;
  mask?: string;
  instances?: string;
  prelabel?: string;
  /** The pre-label's JSON sidecar (model, time, confidence). */
  prelabelInfo?: string;
  /** The pre-label's instance map, `<prelabels>/instances/<key>.png` (16-bit ids, 0 = none). */
  prelabelInstances?: string;
  split?: Split;
}

/** What layout detection needs to know of a folder: cheap to get from one directory listing. */
export interface LayoutHints {
  /** Sub-folder paths (any depth that matters: `ImageSets/Segmentation` is fine to omit). */
  dirs: ReadonlySet<string>;
  hasConfig: boolean;
  /** labels/ holds PNG files (masks), as opposed to YOLO .txt labels. */
  pngLabels: boolean;
}

export function layoutHints(files: readonly string[]): LayoutHints {
  return {
    dirs: topLevelDirs(files),
    hasConfig: files.includes(CONFIG_FILE),
    pngLabels: files.some((f) => f.startsWith('labels/') && extensionOf(f) === 'png'),
  };
}

/**
 * The layout of a dataset folder, from its files (relative to its root) or hints. A segment.json
 * wins; otherwise the common layouts are recognised. Undefined when the folder is no dataset.
 */
export function detectLayout(source: readonly string[] | LayoutHints, config?: SegmentConfig): DatasetLayout | undefined {
  const { dirs, hasConfig, pngLabels } = Array.isArray(source) ? layoutHints(source) : (source as LayoutHints);
  if (config || hasConfig) {
    const f = config?.folders ?? DEFAULT_FOLDERS;
    return {
      kind: 'segment.json',
      groups: [{ images: f.images, masks: f.masks, instances: f.instances, keyPrefix: '' }],
      prelabels: f.prelabels,
      splits: 'splits',
    };
  }
  if (dirs.has('images') && dirs.has('masks')) {
    return { kind: 'images+masks', groups: [{ images: 'images', masks: 'masks', instances: 'instances', keyPrefix: '' }], prelabels: 'prelabels', splits: 'splits' };
  }
  if (dirs.has('JPEGImages') && dirs.has('SegmentationClass')) {
    return {
      kind: 'voc',
      groups: [{ images: 'JPEGImages', masks: 'SegmentationClass', instances: 'SegmentationObject', keyPrefix: '' }],
      prelabels: 'prelabels',
      splits: 'ImageSets/Segmentation',
    };
  }
  const camvid = SPLITS.filter((s) => dirs.has(s) && dirs.has(`${s}annot`));
  if (camvid.length > 0) {
    return {
      kind: 'camvid',
      groups: camvid.map((s) => ({ images: s, masks: `${s}annot`, split: s, keyPrefix: `${s}/` })),
      prelabels: 'prelabels',
      splits: 'splits',
    };
  }
  // images/ + labels/ only when labels/ holds PNG masks: a labels/ of .txt files is a YOLO dataset.
  if (dirs.has('images') && dirs.has('labels') && pngLabels) {
    return { kind: 'images+labels', groups: [{ images: 'images', masks: 'labels', keyPrefix: '' }], prelabels: 'prelabels', splits: 'splits' };
  }
  return undefined;
}

/** The item key of an image inside a layout (path relative to the root), or undefined if it is in no image folder. */
export function keyOfImage(layout: DatasetLayout, imagePath: string): string | undefined {
  if (!isImagePath(imagePath)) return undefined;
  for (const group of layout.groups) {
    const inImages = relativeTo(group.images, imagePath);
    if (inImages !== undefined && !isShadowedByOtherFolder(inImages, group, layout)) return group.keyPrefix + stripExtension(inImages);
  }
  return undefined;
}

/** Sub-folder of the pre-label folder that holds predicted instance maps (`<prelabels>/instances/<key>.png`). */
export const PRELABEL_INSTANCES = 'instances';

/** Pairs images with masks, instances and pre-labels by key; reports orphans and clashes. */
export function pairDataset(
  files: readonly string[],
  layout: DatasetLayout,
  splitLists: ReadonlyMap<Split, ReadonlySet<string>> = new Map(),
): { items: DatasetItem[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const items = new Map<string, DatasetItem>();
  const masks = new Map<string, string>();
  const instances = new Map<string, string>();
  const prelabels = new Map<string, string>();
  const sidecars = new Map<string, string>();
  const prelabelInstances = new Map<string, string>();
  const sorted = [...files].sort();

  for (const group of layout.groups) {
    for (const file of sorted) {
      const ext = extensionOf(file);
      const inImages = relativeTo(group.images, file);
      if (inImages !== undefined && IMAGE_EXT.has(ext) && !isShadowedByOtherFolder(inImages, group, layout)) {
        const key = group.keyPrefix + stripExtension(inImages);
        const clash = items.get(key);
        if (clash) {
          problems.push({
            severity: 'error', code: 'duplicate-stem', file,
            message: `has the same name as ${clash.image}: both would share one mask ${joinRelative(group.masks, stripExtension(inImages))}.png`,
          });
          continue;
        }
        items.set(key, { key, image: file, ...(group.split ? { split: group.split } : {}) });
        continue;
      }
      if (ext !== 'png') continue;
      const inMasks = relativeTo(group.masks, file);
      if (inMasks !== undefined) masks.set(group.keyPrefix + stripExtension(inMasks), file);
      const inInstances = group.instances !== undefined ? relativeTo(group.instances, file) : undefined;
      if (inInstances !== undefined) instances.set(group.keyPrefix + stripExtension(inInstances), file);
    }
  }
  for (const file of sorted) {
    const inPrelabels = relativeTo(layout.prelabels, file);
    if (inPrelabels === undefined) continue;
    const ext = extensionOf(file);
    const inInstances = relativeTo(PRELABEL_INSTANCES, inPrelabels);
    if (inInstances !== undefined) {
      if (ext === 'png') prelabelInstances.set(stripExtension(inInstances), file);
      continue;
    }
    if (ext === 'png') prelabels.set(stripExtension(inPrelabels), file);
    else if (ext === 'json') sidecars.set(stripExtension(inPrelabels), file);
  }

  for (const [key, mask] of masks) {
    const item = items.get(key);
    if (item) item.mask = mask;
    else problems.push({ severity: 'warning', code: 'mask-without-image', file: mask, message: `no image ${key}.* belongs to this mask` });
  }
  for (const [key, file] of instances) {
    const item = items.get(key);
    if (item) item.instances = file;
  }
  for (const [key, file] of prelabels) {
    const item = items.get(key);
    if (!item) continue;
    item.prelabel = file;
    const info = sidecars.get(key);
    if (info) item.prelabelInfo = info;
    const instances = prelabelInstances.get(key);
    if (instances) item.prelabelInstances = instances;
  }
  for (const [split, keys] of splitLists) {
    for (const key of keys) {
      const item = items.get(key);
      if (item && !item.split) item.split = split;
    }
  }
  return { items: [...items.values()].sort((a, b) => compareKeys(a.key, b.key)), problems };
}

/** Keys listed in a split file: one per line, `#` comments and blank lines ignored, extensions dropped. */
export function parseSplitList(text: string): Set<string> {
  const keys = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    if (line) keys.add(isImagePath(line) ? stripExtension(line) : line);
  }
  return keys;
}

/**
 * The dataset roots among the folders of a workspace whose files are `files`: folders with a
 * segment.json or a recognised layout. A root inside another root is part of the outer one.
 */
export function findDatasetRoots(files: readonly string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const file of files) {
    const parts = file.split('/');
    for (let depth = 0; depth < parts.length; depth++) {
      const dir = parts.slice(0, depth).join('/');
      let list = byDir.get(dir);
      if (!list) byDir.set(dir, (list = []));
      list.push(parts.slice(depth).join('/'));
    }
  }
  const roots = [...byDir.keys()].filter((dir) => detectLayout(byDir.get(dir)!) !== undefined).sort((a, b) => a.length - b.length);
  const outer: string[] = [];
  for (const root of roots) {
    if (!outer.some((o) => o === '' || root.startsWith(o + '/'))) outer.push(root);
  }
  return outer;
}

/** Natural order, so `img2` comes before `img10`. */
export function compareKeys(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function topLevelDirs(files: readonly string[]): Set<string> {
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return dirs;
}

/** When images live at the root (images: ''), the mask, prelabel and instance folders are not images. */
function isShadowedByOtherFolder(inImages: string, group: LayoutGroup, layout: DatasetLayout): boolean {
  if (group.images !== '') return false;
  return [group.masks, group.instances, layout.prelabels].some((f) => f !== undefined && f !== '' && relativeTo(f, inImages) !== undefined);
}
