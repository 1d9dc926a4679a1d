/** The labels of one dataset item as exporters need them: class ids, and instance ids when present. */
import { promises as fs } from 'node:fs';
import { DatasetItem } from '../../core/datasetLayout';
import { decodeInstancePng } from '../../core/maskCodec';
import { maskObjects, ObjectMap } from '../../core/components';
import { absolutePath, Dataset } from '../dataset';
import { imageSize } from '../images';
import { readCheckedMask } from '../masks';

export interface ItemLabels {
  width: number;
  height: number;
  ids: Uint8Array;
  /** Objects from the instance map where the item has one, else connected components. */
  objects: ObjectMap;
  /** Why the instance map was not used, when the item has one that does not fit. */
  instanceNote?: string;
}

/** Reads and checks the mask (and instance map) of a labelled item; a string says why it cannot be exported. */
export async function readItemLabels(dataset: Dataset, item: DatasetItem): Promise<ItemLabels | string> {
  if (!item.mask) return 'no mask';
  let size;
  try {
    size = await imageSize(absolutePath(dataset, item.image));
  } catch (e) {
    return (e as Error).message;
  }
  const checked = await readCheckedMask(absolutePath(dataset, item.mask), item.mask, dataset.config, size);
  if (!checked.ok) return `${checked.problem.file}: ${checked.problem.message}`;
  const { ids, width, height } = checked.mask;
  let instances: Uint16Array | undefined;
  let instanceNote: string | undefined;
  if (item.instances) {
    try {
      const decoded = decodeInstancePng(await fs.readFile(absolutePath(dataset, item.instances)));
      if (decoded.width === width && decoded.height === height) instances = decoded.ids;
      else instanceNote = `${item.instances} is ${decoded.width}x${decoded.height} but the mask is ${width}x${height}: objects come from connected components`;
    } catch (e) {
      instanceNote = `${item.instances} cannot be read (${(e as Error).message}): objects come from connected components`;
    }
  }
  const objects = maskObjects(ids, width, height, { ignoreIndex: dataset.config.ignoreIndex, instances });
  return { width, height, ids, objects, ...(instanceNote ? { instanceNote } : {}) };
}
