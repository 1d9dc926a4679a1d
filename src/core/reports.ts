/**
 * The results of the engine's jobs, shared by the CLI (`--json` output), the worker protocol
 * and the views that draw them. Fractions are 0..1.
 */
import { ClassMetrics } from './metrics';
import { LayoutKind } from './datasetLayout';
import { Problem } from './problems';

export interface ClassStats {
  id: number;
  name: string;
  color: string;
  /** Ground-truth pixels of this class over all masks. */
  pixels: number;
  /** Masks with at least one pixel of this class. */
  images: number;
}

export interface DatasetStats {
  root: string;
  layout: LayoutKind;
  /** Where the classes came from: the dataset's segment.json, or inferred from its masks. */
  config: 'file' | 'inferred';
  images: number;
  /** Images with a human mask. */
  labelled: number;
  /** Images with a pre-label awaiting review and no human mask. */
  prelabelled: number;
  /** Images with neither. */
  unlabelled: number;
  withInstances: number;
  classes: ClassStats[];
  /** Pixels marked "ignore / not labelled" in masks. */
  ignoredPixels: number;
  /** Image sizes, most common first. */
  sizes: { width: number; height: number; count: number }[];
  splits: { train: number; val: number; test: number; none: number };
  /** Labelling progress per split ('none' for images in no split); splits without images left out. */
  progressBySplit?: { split: string; labelled: number; prelabelled: number; unlabelled: number }[];
  problems: Problem[];
}

export interface ImageEval {
  /** Image path relative to the dataset root. */
  path: string;
  /** Item key: the prediction is `<predictions>/<key>.png`. */
  key?: string;
  mIoU: number;
  pixelAccuracy: number;
}

export interface EvalReport {
  root: string;
  predictions: string;
  mIoU: number;
  pixelAccuracy: number;
  meanPixelAccuracy: number;
  perClass: ClassMetrics[];
  /** Worst first. */
  images: ImageEval[];
  /** Row-major confusion counts over class ids 0..size-1 (truth rows, prediction columns). */
  confusion: { size: number; counts: number[] };
  /** Labelled images without a prediction: not counted. */
  missing: string[];
  /** Pairs that could not be compared, with the reason. */
  failed: { path: string; reason: string }[];
  pixels: number;
  /** Instance quality of the thing classes; absent when no image has a truth and a predicted instance map. */
  instances?: InstanceEval;
}

/**
 * Where predicted instances come from: instance maps (`<predictions>/instances/<key>.png`), or the
 * 8-connected components of each thing class in the predicted class map (a semantic-only baseline).
 */
export type InstanceSource = 'maps' | 'components';
export const INSTANCE_SOURCES: readonly InstanceSource[] = ['maps', 'components'];

/** PQ, SQ, RQ at IoU > 0.5 and AP at IoU 0.5 of one thing class; null where undefined (no instance of it). */
export interface ClassInstanceEval {
  id: number;
  name: string;
  pq: number | null;
  sq: number | null;
  rq: number | null;
  ap50: number | null;
  tp: number;
  fp: number;
  fn: number;
}

export interface InstanceEval {
  source: InstanceSource;
  /** The folder of predicted instance maps (source 'maps'). */
  predictions?: string;
  /** Images with a truth instance map and a predicted one. */
  images: number;
  /** Means over the thing classes present (in truth or prediction). */
  pq: number;
  sq: number;
  rq: number;
  ap50: number;
  perClass: ClassInstanceEval[];
  /** Compared images with a truth instance map but no predicted one: their instances are not counted. */
  missing: string[];
}
