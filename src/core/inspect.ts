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
  /** The pre-label's instance map. */
  prelabelInstances?: string;
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
  /** Problems of the dataset as a whole: config, pairing (orphan masks, clashing names). */
  problems: Problem[];
  /** Problems of each mask read (with its image), by mask path; [] for a mask without any. */
  masks: Record<string, Problem[]>;
}

/** The groups of the dataset view, as decisions.md defines them (they partition the images). */
export type ItemGroup = 'labelled' | 'prelabelled' | 'unlabelled';

export function groupOf(item: { mask?: string; prelabel?: string }): ItemGroup {
  return item.mask ? 'labelled' : item.prelabel ? 'prelabelled' : 'unlabelled';
}

// ---------------------------------------------------------------------------------------------
// Messages of the statistics, evaluation and comparison webviews (see protocol.ts).

export type HostToReport<R> =
  | { type: 'report'; report: R }
  | { type: 'progress'; done: number; total: number }
  | { type: 'error'; message: string };

export type StatsToHost = { type: 'ready' } | { type: 'refresh' } | { type: 'openFile'; file: string };

export type EvalToHost =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'openImage'; path: string; key: string }
  /** Evaluate again with the predicted instances taken from this source. */
  | { type: 'instanceSource'; source: import('./reports').InstanceSource };

export interface CompareInit {
  /** Webview URI of the image. */
  imageUri: string;
  imageName: string;
  classes: import('./classes').ClassDef[];
  ignoreIndex: number;
  truthPng: Uint8Array;
  predictionPng: Uint8Array;
  /** For messages: where truth and prediction come from. */
  truthPath: string;
  predictionPath: string;
}

export type HostToCompare = { type: 'init'; init: CompareInit } | { type: 'error'; message: string };

export type CompareToHost = { type: 'ready' } | { type: 'loaded'; width: number; height: number } | { type: 'problem'; message: string };
