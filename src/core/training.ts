/**
 * The `train` job: what it takes (CLI options and the VS Code dialog both fill it), the events it
 * streams while it runs, and what it gives back. Shared by the engine, the CLI, the extension host
 * and the Training panel.
 */
import { ClassDef } from './classes';

export const ARCHITECTURE_NAMES = ['unet', 'deeplab', 'segnet', 'fcn8'] as const;
export type ArchitectureName = (typeof ARCHITECTURE_NAMES)[number];
export type SemiMode = 'none' | 'fixmatch';
export type ClassWeighting = 'none' | 'inverse' | 'median';
/** Which TensorFlow.js backend trains: 'auto' walks the chain tfjs-node-gpu -> tfjs-node -> wasm. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm';

export interface TrainParams {
  /** Dataset root. */
  root: string;
  arch?: ArchitectureName;
  /** Channels of the first level (default 16). */
  width?: number;
  /** Levels (UNet, SegNet; default 4). */
  depth?: number;
  semi?: SemiMode;
  /** Adds the instance head (embeddings trained with the discriminative loss on `instances/`). */
  instances?: boolean;
  /** Weight of the discriminative loss against the class loss (default TRAIN_DEFAULTS.instanceWeight). */
  instanceWeight?: number;
  /** Optimiser steps; when absent, `epochs` passes over the labelled training images. */
  steps?: number;
  epochs?: number;
  /** Training crop (tile) size in pixels (default 256). */
  size?: number;
  /** Labelled images per step (default 4); semi-supervised steps add as many unlabelled ones. */
  batch?: number;
  /** Train as if only this fraction of the training masks existed (the rest become unlabelled). */
  labelledFraction?: number;
  seed?: number;
  /** Output folder (default `<root>/models/<arch>-<time>`). */
  out?: string;
  /** Peak learning rate (AdamW, default 0.002). */
  lr?: number;
  classWeights?: ClassWeighting;
  /** Adds a soft Dice term to the cross-entropy. */
  dice?: boolean;
  /** Validate every this many steps (default: once per epoch). */
  valEvery?: number;
  /** Checkpoint to continue from (a `.ckpt` file or an output folder holding `last.ckpt`). */
  resume?: string;
  backend?: BackendChoice;
  /** XNNPACK threads for the wasm backend (default: the number of cores, at most 8). */
  threads?: number;
  /** Validation images whose prediction is sent with each epoch event (for the panel; default 0). */
  previews?: number;
  /** Decoded-image cache budget in MB (default 512): larger datasets stream from disk. */
  cacheMB?: number;
}

export interface ClassIoU {
  id: number;
  name: string;
  /** null where the class is in neither truth nor prediction. */
  iou: number | null;
}

/** One validation image with the model's prediction, small enough to post to a webview. */
export interface TrainPreview {
  name: string;
  width: number;
  height: number;
  /** PNG of the image. */
  image: Uint8Array;
  /** PNG (RGBA) of the prediction in the class colours, background transparent. */
  prediction: Uint8Array;
}

export type TrainEvent =
  | {
      kind: 'start';
      backend: string;
      /** Faster backends that were tried first and why each was passed over ("name: reason"). */
      backendsPassedOver: string[];
      arch: ArchitectureName;
      parameters: number;
      classes: ClassDef[];
      trainImages: number;
      valImages: number;
      unlabelledImages: number;
      semi: SemiMode;
      steps: number;
      stepsPerEpoch: number;
      startStep: number;
      size: number;
      batch: number;
      out: string;
    }
  | {
      kind: 'step';
      step: number;
      steps: number;
      epoch: number;
      loss: number;
      supervisedLoss: number;
      /** Semi-supervised only: the student's loss on confident pseudo-labels. */
      unsupervisedLoss?: number;
      /** Semi-supervised only: its weight in `loss` at this step (ramping up to 1 over the first half of the steps). */
      unsupervisedWeight?: number;
      /** Semi-supervised only: share of unlabelled pixels whose pseudo-label passed the threshold. */
      confidentFraction?: number;
      /** With --instances: the discriminative loss (part of supervisedLoss). */
      instanceLoss?: number;
      lr: number;
      imagesPerSecond: number;
      secondsLeft: number;
    }
  | {
      kind: 'epoch';
      epoch: number;
      step: number;
      valMIoU: number;
      valPixelAccuracy: number;
      perClass: ClassIoU[];
      best: boolean;
      bestValMIoU: number;
      seconds: number;
      previews?: TrainPreview[];
    }
  | { kind: 'warning'; message: string };

export interface TrainResult {
  /** The exported model (`model.onnx`), with its manifest `model.json` beside it. */
  model: string;
  manifest: string;
  /** Best validation mIoU (the exported checkpoint's). */
  valMIoU: number;
  perClass: ClassIoU[];
  backend: string;
  imagesPerSecond: number;
  /** Steps run in total (including those of a resumed run). */
  steps: number;
  bestStep: number;
  /** True when stopped (cancel, SIGINT) before the last step: the best checkpoint so far was exported. */
  stopped: boolean;
  checkpoint: string;
  out: string;
  seconds: number;
}

export const TRAIN_DEFAULTS = {
  arch: 'unet' as ArchitectureName,
  semi: 'none' as SemiMode,
  epochs: 40,
  size: 256,
  batch: 4,
  seed: 0,
  lr: 0.002,
  classWeights: 'none' as ClassWeighting,
  cacheMB: 512,
  instanceWeight: 0.1,
};

// ---------------------------------------------------------------------------------------------
// Extension host <-> Training panel webview.

export interface TrainingPanelInit {
  /** e.g. "unet on darkfield". */
  title: string;
  dataset: string;
  /** One line: architecture, size, epochs, semi-supervised. */
  settings: string;
}

export type HostToTrainingPanel =
  | { type: 'init'; init: TrainingPanelInit }
  | { type: 'event'; event: TrainEvent }
  /** `modelLabel`: the model's path as the workspace shows it. */
  | { type: 'finished'; result: TrainResult; modelLabel: string }
  | { type: 'failed'; message: string; checkpoint?: string }
  /** `segment.model` now points at this run's model. */
  | { type: 'modelInUse'; model: string };

export type TrainingPanelToHost = { type: 'ready' } | { type: 'stop' } | { type: 'useModel' } | { type: 'reveal' };
