/** The dataset view, the linter and their worker jobs: what they take and give. */
import { LayoutKind } from './datasetLayout';
import { Problem } from './problems';

/** One image of the dataset view: its files, relative to the root. */
export interface IndexItem {
  key: string;
  image: string;
  mask?: string;
  prelabel?: string;
  prelabelInfo?: string;
}

/** What the dataset view shows of a root: every image and its files, no pixels read. */
export interface DatasetIndex {
  root: string;
  layout: LayoutKind;
  configSource: 'file' | 'inferred';
  /** The pre-label folder, relative to the root. */
  prelabels: string;
  items: IndexItem[];
}

export interface LintParams {
  root: string;
  /** Masks (relative paths) to read again; all masks when absent. */
  masks?: string[];
}

export interface LintResult {
  /** Problems of the dataset as a whole (config, pairing) and of the masks that were read. */
  problems: Problem[];
  /** The masks that were read: their old problems are replaced by this result's. */
  checked: string[];
}

/** The groups of the dataset view, as decisions.md defines them (they partition the images). */
export type ItemGroup = 'labelled' | 'prelabelled' | 'unlabelled';

export function groupOf(item: { mask?: string; prelabel?: string }): ItemGroup {
  return item.mask ? 'labelled' : item.prelabel ? 'prelabelled' : 'unlabelled';
}
