/**
 * Every message that crosses a process or webview boundary, as discriminated unions: one union
 * per direction. Binary payloads are Uint8Array (never Node Buffers, which arrive as JSON).
 */
import { ClassDef } from './classes';
import { DatasetItem } from './datasetLayout';
import { DatasetStats, EvalReport } from './reports';
import { SegmentConfig } from './segmentConfig';
import { TrainEvent, TrainParams, TrainResult } from './training';
import { ExportParams, ExportResult, ImportParams, ImportResult } from './convert';
import { DatasetIndex, LintParams, LintResult } from './inspect';

// ---------------------------------------------------------------------------------------------
// Extension host <-> worker process: jobs.

export interface PingParams {
  echo: string;
  /** Sends `steps` progress events `delayMs` apart before answering (proves streaming and cancel). */
  steps?: number;
  delayMs?: number;
}
export interface PingResult {
  echo: string;
  pid: number;
  node: string;
}

export interface PreviewImageParams {
  /** Absolute path of an image the webview cannot decode itself (TIFF). */
  path: string;
  /** Folder for the converted PNG. */
  cacheDir: string;
}
export interface PreviewImageResult {
  /** Absolute path of a PNG with the same pixels. */
  path: string;
  width: number;
  height: number;
}

/** Where an image sits in its dataset; `dataset` is absent for an image outside any dataset. */
export interface LocateResult {
  dataset?: {
    root: string;
    config: SegmentConfig;
    configSource: 'file' | 'inferred';
    item: DatasetItem;
    index: number;
    count: number;
    /** The pre-label folder, relative to the root. */
    prelabels: string;
  };
}

export interface JobProgress {
  done: number;
  total: number;
  message?: string;
  /** The train job's events (loss, validation mIoU, previews...). */
  train?: TrainEvent;
}

/** The jobs the worker runs: what each takes and what it gives back. */
export interface JobSpecs {
  ping: { params: PingParams; result: PingResult };
  stats: { params: { root: string }; result: DatasetStats };
  eval: { params: { root: string; predictions?: string }; result: EvalReport };
  previewImage: { params: PreviewImageParams; result: PreviewImageResult };
  locate: { params: { image: string }; result: LocateResult };
  train: { params: TrainParams; result: TrainResult };
  index: { params: { root: string }; result: DatasetIndex };
  findRoots: { params: { folders: string[] }; result: { roots: string[] } };
  lint: { params: LintParams; result: LintResult };
  maskToPalette: { params: { root: string; mask: string }; result: { written: string } };
  exportDataset: { params: ExportParams; result: ExportResult };
  importDataset: { params: ImportParams; result: ImportResult };
}
export type JobKind = keyof JobSpecs;
export type JobParams<K extends JobKind> = JobSpecs[K]['params'];
export type JobResult<K extends JobKind> = JobSpecs[K]['result'];

export type HostToWorker =
  | { [K in JobKind]: { type: 'start'; id: number; kind: K; params: JobParams<K> } }[JobKind]
  | { type: 'cancel'; id: number };

export interface JobError {
  message: string;
  /** 'cancelled' when the job stopped because it was asked to; 'crashed' when the worker died. */
  code?: 'cancelled' | 'crashed' | 'bad-input' | 'internal';
}

export type WorkerToHost =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; error: JobError };

// ---------------------------------------------------------------------------------------------
// Extension host <-> segmentation editor webview.

export type MaskSource = 'mask' | 'prelabel' | 'none';

export interface EditorInit {
  /** Webview URI of the image (or of its PNG preview when the browser cannot decode the format). */
  imageUri: string;
  /** File name, for the title and messages. */
  imageName: string;
  classes: ClassDef[];
  ignoreIndex: number;
  source: MaskSource;
  /** PNG bytes of the mask or pre-label shown; absent when source is 'none'. */
  maskPng?: Uint8Array;
  /** Path of that file relative to the dataset root, for messages. */
  maskPath?: string;
  /** Where the image sits in its dataset; absent for an image outside any dataset. */
  dataset?: { root: string; key: string; index: number; count: number; configSource: 'file' | 'inferred' };
  opacity: number;
}

export type HostToEditor =
  | { type: 'init'; init: EditorInit }
  | { type: 'error'; message: string };

export type EditorToHost =
  | { type: 'ready' }
  | { type: 'loaded'; width: number; height: number }
  | { type: 'problem'; message: string }
  | { type: 'setOpacity'; opacity: number };

// ---------------------------------------------------------------------------------------------
// Extension host <-> dataset statistics, evaluation report and comparison webviews.

export type { CompareInit, CompareToHost, EvalToHost, HostToCompare, HostToReport, StatsToHost } from './inspect';
