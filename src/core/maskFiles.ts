/**
 * The files an edited mask document writes: the class mask as a palette PNG and, once instance
 * mode was used, the 16-bit instance map; both through the fast label encoder. The editor webview
 * encodes with these on save; the worker does the same when no webview holds the document.
 */
import { DatasetItem, DatasetLayout, PRELABEL_INSTANCES } from './datasetLayout';
import { encodeLabelPng } from './labelPng';
import { maskPalette, MaskOptions } from './maskCodec';
import { EditTarget, Layer, PatchWrite } from './maskPatch';
import { joinRelative, relativeTo, stripExtension } from './paths';

export function encodeLayer(target: EditTarget, layer: Layer, options: MaskOptions): Uint8Array {
  const { width, height } = target;
  if (layer === 'mask') return encodeLabelPng({ width, height, samples: target.mask, palette: (maxId) => maskPalette(maxId, options) });
  return encodeLabelPng({ width, height, samples: target.instances ?? new Uint16Array(width * height) });
}

/** The layers a list of writes touches. */
export function layersOf(writes: readonly { layer: Layer }[]): Layer[] {
  const layers = new Set<Layer>();
  for (const w of writes) layers.add(w.layer);
  return [...layers];
}

/** The worker's `writeMask` job: rebuild the edited layers from the files and the writes, then write them. */
export interface WriteMaskParams {
  /** The image (absolute path): its size sizes an empty mask. */
  image: string;
  /** File the mask writes apply to (the mask or the pre-label, absolute); absent: an empty mask. */
  base?: string;
  /** Instance map the instance writes apply to (absolute), if there is one. */
  instancesBase?: string;
  emptyFill: number;
  options: MaskOptions;
  writes: PatchWrite[];
  /** Where to write (absolute); the instance map only when `writes` touch it. */
  maskTarget: string;
  instancesTarget?: string;
}

export interface WriteMaskResult {
  written: string[];
}

export interface ItemTargets {
  mask: string;
  instances?: string;
  prelabel: string;
  /** The pre-label's instance map (instance-capable models). */
  prelabelInstances: string;
}

/** Where an item's mask, instance map and pre-label are, or would be written, relative to the root. */
export function itemTargets(layout: DatasetLayout, item: DatasetItem): ItemTargets {
  const prelabel = item.prelabel ?? joinRelative(layout.prelabels, `${item.key}.png`);
  const prelabelInstances = item.prelabelInstances ?? joinRelative(layout.prelabels, PRELABEL_INSTANCES, `${item.key}.png`);
  for (const group of layout.groups) {
    const inImages = relativeTo(group.images, item.image);
    if (inImages === undefined) continue;
    const stem = stripExtension(inImages);
    return {
      mask: item.mask ?? joinRelative(group.masks, `${stem}.png`),
      instances: item.instances ?? (group.instances !== undefined ? joinRelative(group.instances, `${stem}.png`) : undefined),
      prelabel,
      prelabelInstances,
    };
  }
  throw new Error(`${item.image} is in no image folder of the dataset`);
}
