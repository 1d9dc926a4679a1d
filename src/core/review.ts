/**
 * The review flow: a dataset's items with their labelling status, and which one comes next when
 * a labeller asks for the next image, the next unlabelled one or the next pre-label to review.
 */
import { DatasetItem } from './datasetLayout';

/** labelled: has a human mask; prelabelled: a pre-label awaits review; unlabelled: neither. */
export type ItemStatus = 'labelled' | 'prelabelled' | 'unlabelled';

export interface ReviewItem {
  key: string;
  /** Image path relative to the dataset root. */
  image: string;
  status: ItemStatus;
}

export interface ListItemsParams {
  root: string;
}

export interface ListItemsResult {
  items: ReviewItem[];
}

export type ReviewTarget = 'next' | 'previous' | 'nextUnlabelled' | 'nextPrelabelled';

export const REVIEW_TARGET_NAMES: Record<ReviewTarget, string> = {
  next: 'next image',
  previous: 'previous image',
  nextUnlabelled: 'next unlabelled image',
  nextPrelabelled: 'next unreviewed pre-label',
};

export function statusOf(item: Pick<DatasetItem, 'mask' | 'prelabel'>): ItemStatus {
  return item.mask ? 'labelled' : item.prelabel ? 'prelabelled' : 'unlabelled';
}

/**
 * The index of the item to go to from `current` (an index into `items`, or -1 when unknown),
 * going round the end of the list; undefined when no other item qualifies.
 */
export function findTarget(items: readonly ReviewItem[], current: number, target: ReviewTarget): number | undefined {
  const n = items.length;
  if (n === 0) return undefined;
  const step = target === 'previous' ? -1 : 1;
  const wanted = target === 'nextUnlabelled' ? 'unlabelled' : target === 'nextPrelabelled' ? 'prelabelled' : undefined;
  const start = current < 0 ? (step > 0 ? -1 : n) : current;
  for (let k = 1; k <= n; k++) {
    const i = (((start + step * k) % n) + n) % n;
    if (i === current) break;
    if (!wanted || items[i].status === wanted) return i;
  }
  return undefined;
}
