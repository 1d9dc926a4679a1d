/**
 * Every message that crosses a process or webview boundary, as discriminated unions: one union
 * per direction. Binary payloads are Uint8Array (never Node Buffers, which arrive as JSON).
 */
import { ClassDef } from './classes';
import { DatasetItem } from './datasetLayout';
import { Layer, Patch, PatchWrite } from './maskPatch';
import { ItemStatus, ListItemsParams, ListItemsResult, ReviewTarget } from './review';
import { ItemTargets, WriteMaskParams, WriteMaskResult } from './maskFiles';
import { DatasetStats, EvalReport, InstanceSource } from './reports';
import { NextUncertainResult, PredictParams, PredictResult, PrelabelParams, PrelabelResult } from './prelabel';
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
    /** Where this image's mask, instance map and pre-label live (or would), relative to the root. */
    targets?: ItemTargets;
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
  eval: { params: { root: string; predictions?: string; predInstances?: InstanceSource }; result: EvalReport };
  previewImage: { params: PreviewImageParams; result: PreviewImageResult };
  locate: { params: { image: string }; result: LocateResult };
  listItems: { params: ListItemsParams; result: ListItemsResult };
  writeMask: { params: WriteMaskParams; result: WriteMaskResult };
  prelabel: { params: PrelabelParams; result: PrelabelResult };
  predict: { params: PredictParams; result: PredictResult };
  nextUncertain: { params: { folder: string }; result: NextUncertainResult };
  /** Removes what a crashed pre-label run of process `pid` left half written under `folder`'s pre-labels. */
  prelabelCleanup: { params: { folder: string; pid: number }; result: { output: string } };
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

export type ToolId = 'brush' | 'eraser' | 'fill' | 'wand' | 'polygon' | 'lasso' | 'rectangle';

/** Tool settings that follow the labeller from image to image (kept by the host). */
export interface ToolState {
  tool: ToolId;
  /** The class painted (the ignore index paints "not labelled"). */
  classId: number;
  /** Brush and eraser diameter in image pixels. */
  brushSize: number;
  /** Magic-wand colour tolerance, 0..255. */
  tolerance: number;
  /** Classes a stroke leaves alone ("protect other classes"). */
  protect: number[];
  outline: boolean;
  instanceMode: boolean;
}

/** A reference shown against the mask, read-only: the pre-label, or a model's prediction. */
export interface ComparisonInit {
  kind: 'prelabel' | 'prediction';
  /** PNG bytes of the reference. */
  png: Uint8Array;
  /** Its path (relative to the dataset root when inside it), for the banner. */
  path: string;
  /** Open in diff colours (true) or showing the reference itself. */
  diff: boolean;
  /** Whether the user may leave comparison mode and edit (false for a model's prediction view). */
  exitable: boolean;
}

export interface KeyHelp {
  keys: string;
  what: string;
}

export interface EditorInit {
  /** Webview URI of the image (or of its PNG preview when the browser cannot decode the format). */
  imageUri: string;
  /** File name, for the title and messages. */
  imageName: string;
  classes: ClassDef[];
  ignoreIndex: number;
  /** What the editable layer starts from. */
  source: MaskSource;
  /** PNG bytes of the mask or pre-label the edits start from; absent when source is 'none'. */
  maskPng?: Uint8Array;
  /** Path of that file relative to the dataset root, for messages. */
  maskPath?: string;
  /** Where saving writes the mask, relative to the dataset root. */
  saveTarget?: string;
  /** What the pre-label's sidecar says about where it came from (model, time), for a pre-label. */
  prelabelInfo?: string;
  /** PNG bytes of the instance map, when there is one. */
  instancesPng?: Uint8Array;
  instancesPath?: string;
  /** Class id of a new, empty mask (background or ignore: the setting segment.editor.emptyMask). */
  emptyFill: number;
  /** Unsaved writes to replay over the files (a restored backup, or a webview opened again). */
  writes: PatchWrite[];
  /** Why editing is off, when it is (e.g. the image is in no dataset). */
  readOnly?: string;
  /** Where the image sits in its dataset; absent for an image outside any dataset. */
  dataset?: { root: string; key: string; index: number; count: number; configSource: 'file' | 'inferred'; status: ItemStatus };
  /** A pre-label exists besides the mask: the editor offers to compare them. */
  prelabelAvailable: boolean;
  /** Start in comparison mode. */
  comparison?: ComparisonInit;
  opacity: number;
  tools: ToolState;
  /** The default keys, for the help popover. */
  keys: KeyHelp[];
  /** A one-time note shown in the editor (e.g. edits restored from a backup). */
  notice?: string;
}

/** What the keybindings ask of the editor (each is a VS Code command, so users can rebind them). */
export type EditorCommand =
  | { kind: 'tool'; tool: ToolId }
  | { kind: 'class'; classId: number }
  | { kind: 'ignore' }
  | { kind: 'brushSize'; step: number }
  | { kind: 'toggleMask' }
  | { kind: 'toggleOutline' }
  | { kind: 'zoom'; factor: number }
  | { kind: 'fit' }
  | { kind: 'actualSize' }
  | { kind: 'toggleInstanceMode' }
  | { kind: 'newInstance' }
  | { kind: 'splitInstances' }
  | { kind: 'toggleCompare' }
  | { kind: 'help' };

/** What the editor's buttons ask of the host. */
export type EditorAction =
  | { kind: 'navigate'; target: ReviewTarget }
  | { kind: 'accept' }
  | { kind: 'compare'; on: boolean }
  | { kind: 'createDataset' }
  | { kind: 'startEmpty' }
  | { kind: 'addClasses'; ids: number[] }
  | { kind: 'openFile'; path: string }
  | { kind: 'reload' };

export type HostToEditor =
  | { type: 'init'; init: EditorInit }
  | { type: 'error'; message: string }
  /** Undo, redo or revert: pixels to write. */
  | { type: 'writes'; writes: PatchWrite[] }
  | { type: 'command'; command: EditorCommand }
  /** Save: encode these layers as PNG and answer with 'encoded'. */
  | { type: 'encode'; requestId: number; layers: Layer[] }
  | { type: 'saved'; source: MaskSource; maskPath: string; status?: ItemStatus }
  | { type: 'compare'; comparison?: ComparisonInit }
  | { type: 'prelabelAvailable'; available: boolean };

export type EditorToHost =
  | { type: 'ready' }
  | { type: 'loaded'; width: number; height: number }
  | { type: 'problem'; message: string }
  | { type: 'setOpacity'; opacity: number }
  /** One stroke or fill: an undoable edit. */
  | { type: 'edit'; label: string; patches: Patch[] }
  | { type: 'encoded'; requestId: number; files: { layer: Layer; png: Uint8Array }[] }
  | { type: 'encodeFailed'; requestId: number; message: string }
  | { type: 'tools'; tools: ToolState }
  | { type: 'action'; action: EditorAction }
  | { type: 'focus'; focused: boolean };

// ---------------------------------------------------------------------------------------------
// Extension host <-> dataset statistics, evaluation report and comparison webviews.

export type { CompareInit, CompareToHost, EvalToHost, HostToCompare, HostToReport, StatsToHost } from './inspect';
