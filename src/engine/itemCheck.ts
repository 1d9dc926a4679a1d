/**
 * What `segment stats` and the dataset linter read of each item: the image size from its header,
 * and the mask checked against it and the classes. One function, so both report the same problems.
 */
import { DatasetItem } from '../core/datasetLayout';
import { Problem } from '../core/problems';
import { SegmentConfig } from '../core/segmentConfig';
import { imageSize } from './images';
import { readCheckedMask } from './masks';
import * as path from 'node:path';

export interface ItemCheck {
  size?: { width: number; height: number };
  problems: Problem[];
  /** Class ids of the mask, when it could be read (also when it holds unknown ids). */
  ids?: Uint8Array;
}

export async function checkItem(root: string, config: SegmentConfig, item: DatasetItem): Promise<ItemCheck> {
  const abs = (relative: string) => path.join(root, ...relative.split('/'));
  const problems: Problem[] = [];
  let size: ItemCheck['size'];
  try {
    size = await imageSize(abs(item.image));
  } catch (e) {
    problems.push({ severity: 'error', code: 'image-unreadable', file: item.image, message: (e as Error).message });
  }
  let ids: Uint8Array | undefined;
  if (item.mask) {
    const checked = await readCheckedMask(abs(item.mask), item.mask, config, size);
    if (!checked.ok) problems.push(checked.problem);
    else if (checked.warning) problems.push(checked.warning);
    if (checked.ok || checked.problem.code === 'mask-unknown-id') ids = checked.mask!.ids;
  }
  return { size, problems, ids };
}
