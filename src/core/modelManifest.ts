/**
 * The manifest beside every model (`<model>.onnx` + `<model>.json`): what pre-labelling needs to feed
 * the model and read its output. Exported models write it; any third-party ONNX model works once it
 * has one. Validated against the model's real inputs and outputs when a session opens.
 */
import { ClassDef } from './classes';

export const MANIFEST_FORMAT = 'segment-studio-model/1';

export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  /** Classes in output-channel order: channel k of the output is `classes[k]` (labels output: values are class ids). */
  classes: ClassDef[];
  ignoreIndex: number;
  input: {
    /** ONNX input name. */
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** 3 (RGB) or 1 (grey, the mean of R, G, B). */
    channels: 1 | 3;
    /**
     * How an image of any size reaches the model: 'resize' scales it to `size` and the output back to
     * the image size; 'tile' runs `size` windows with `overlap` pixels, blending overlaps.
     */
    mode: 'resize' | 'tile';
    /** [height, width] of the model's input (the tile size in 'tile' mode). */
    size: [number, number];
    /** Tile overlap in pixels ('tile' mode). */
    overlap?: number;
    /** Per-channel normalisation on 0..255 values: x' = (x - mean) / std. */
    mean: number[];
    std: number[];
  };
  output: {
    /** ONNX output name. */
    name: string;
    layout: 'NCHW' | 'NHWC';
    /** logits (softmax applied here), probabilities, or labels (class id per pixel, no channel axis). */
    kind: 'logits' | 'probabilities' | 'labels';
  };
  /** Free-form provenance written by `segment train`: data, settings, validation mIoU, backend, date. */
  training?: Record<string, unknown>;
}
