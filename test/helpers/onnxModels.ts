/**
 * Real ONNX models built by the tests themselves (onnx-proto graphs run by onnxruntime-node), each
 * with its manifest. None is a stand-in for the shipped default model: they exist to pin the
 * pre-labeller's behaviour (layouts, output kinds, fixed sizes, mismatches) and to load it (benches).
 *
 * The pixel models are 1x1 convolutions, so a test can compute the expected class of every pixel
 * independently: logit_k = sum_c W[k][c] * x_c + B[k], x = (rgb - mean) / std.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DataType, Dim, GraphBuilder } from './onnxGraph';
import { ModelManifest, MANIFEST_FORMAT } from '../../src/core/modelManifest';
import { Random } from '../../src/engine/synthetic/random';
import { DARKFIELD_CLASSES } from '../../src/engine/synthetic/darkfield';

/** The sample dataset's classes (samples/darkfield/segment.json). */
export const SAMPLE_CLASSES = DARKFIELD_CLASSES;

/**
 * Pixel-model weights for 3 classes on x = rgb / 255: background when dark, "red blood cell"
 * where it is bright and red outweighs green, "spirochaete" where green outweighs red (the
 * darkfield samples' colours: background (32, 34, 39), cells (127, 97, 83), spirochaetes (146, 160, 156)).
 */
export const PIXEL_W = [
  [0, 0, 0],
  [12, -8, 0],
  [-8, 12, 0],
];
export const PIXEL_B = [2.2, 0, 0];
export const PIXEL_MEAN = [0, 0, 0];
export const PIXEL_STD = [255, 255, 255];

/** The class index the pixel models give an RGB pixel (first maximum, as ArgMax). */
export function expectedPixelClass(r: number, g: number, b: number, W = PIXEL_W, B = PIXEL_B): number {
  const x = [r / 255, g / 255, b / 255];
  let best = 0;
  let bestValue = -Infinity;
  for (let k = 0; k < W.length; k++) {
    const v = Math.fround(Math.fround(Math.fround(W[k][0] * x[0]) + Math.fround(W[k][1] * x[1]) + Math.fround(W[k][2] * x[2])) + B[k]);
    if (v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  return best;
}

export interface PixelModelOptions {
  layout?: 'NCHW' | 'NHWC';
  output?: 'logits' | 'probabilities' | 'labels';
  /** Fixed [batch, height, width]; dynamic ('N', 'H', 'W') when absent. */
  fixed?: [number, number, number];
  inputName?: string;
  outputName?: string;
  /** Input channels the graph declares (3 unless testing a mismatch). */
  channels?: number;
  /**
   * Adds a branch of `width`-channel 3x3 convolutions (`depth` of them) whose output is multiplied
   * by zero before it joins the logits: same results, real work (for progress bars and cancel).
   */
  work?: { width: number; depth: number };
  W?: number[][];
  B?: number[];
}

export interface BuiltModel {
  onnx: string;
  manifest: ModelManifest;
}

/** A 1x1-convolution segmentation model (see the file comment), written with its manifest. */
export function pixelModel(dir: string, name: string, options: PixelModelOptions = {}, manifest: Partial<ModelManifest['input']> = {}): BuiltModel {
  const { layout = 'NCHW', output = 'logits', fixed, inputName = 'image', outputName = 'scores', channels = 3, W = PIXEL_W, B = PIXEL_B } = options;
  const g = new GraphBuilder();
  const [n, h, w]: Dim[] = fixed ?? ['N', 'H', 'W'];
  const classes = W.length;
  let x = g.input(inputName, DataType.FLOAT, layout === 'NCHW' ? [n, channels, h, w] : [n, h, w, channels]);
  if (layout === 'NHWC') x = g.node('Transpose', [x], { perm: [0, 3, 1, 2] });
  const weights = W.map((row) => [...row, ...new Array(Math.max(0, channels - row.length)).fill(0)].slice(0, channels));
  let y = g.node('Conv', [x, g.constant(weights.flat(), [classes, channels, 1, 1]), g.constant(B)], { kernel_shape: [1, 1] });
  if (options.work) {
    const random = new Random(11);
    let z = x;
    let cin = channels;
    for (let i = 0; i <= options.work.depth; i++) {
      const cout = i === options.work.depth ? classes : options.work.width;
      const k = Float32Array.from({ length: cout * cin * 9 }, () => random.normal() * 0.1);
      z = g.node('Relu', [g.node('Conv', [z, g.constant(k, [cout, cin, 3, 3])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
      cin = cout;
    }
    y = g.node('Add', [y, g.node('Mul', [z, g.constant([0], [])])]);
  }
  let outShape: Dim[] = [n, classes, h, w];
  let outType: number = DataType.FLOAT;
  if (output === 'probabilities') y = g.node('Softmax', [y], { axis: 1 });
  if (output === 'labels') {
    y = g.node('ArgMax', [y], { axis: 1, keepdims: 0 });
    outShape = [n, h, w];
    outType = DataType.INT64;
  } else if (layout === 'NHWC') {
    y = g.node('Transpose', [y], { perm: [0, 2, 3, 1] });
    outShape = [n, h, w, classes];
  }
  g.output(y, outputName, outType, outShape);
  return writeModel(dir, name, g.toBytes(13, name), {
    input: {
      name: inputName, layout, channels: 3, mode: 'resize',
      size: fixed ? [fixed[1], fixed[2]] : [64, 64],
      mean: PIXEL_MEAN, std: PIXEL_STD,
      ...manifest,
    },
    output: { name: outputName, layout: output === 'labels' ? 'NCHW' : layout, kind: output },
  });
}

/**
 * A small UNet (three levels of 3x3 convolutions + ReLU, 16-32-64 channels, bottleneck 128,
 * nearest-neighbour upsampling and skip connections: about 0.49M parameters, the size of the
 * default architecture) with seeded random weights: real work for benches and progress bars.
 */
export function unetModel(dir: string, name: string, options: { size?: [number, number]; seed?: number; widths?: number[] } = {}): BuiltModel {
  const { size = [512, 512], seed = 7, widths = [16, 32, 64, 128] } = options;
  const random = new Random(seed);
  const g = new GraphBuilder();
  const conv = (x: string, cin: number, cout: number, k: number) => {
    const std = Math.sqrt(2 / (cin * k * k));
    const weights = Float32Array.from({ length: cout * cin * k * k }, () => random.normal() * std);
    const y = g.node('Conv', [x, g.constant(weights, [cout, cin, k, k]), g.constant(new Float32Array(cout))], { kernel_shape: [k, k], pads: [k >> 1, k >> 1, k >> 1, k >> 1] });
    return k === 1 ? y : g.node('Relu', [y]);
  };
  const block = (x: string, cin: number, cout: number) => conv(conv(x, cin, cout, 3), cout, cout, 3);
  let x = g.input('image', DataType.FLOAT, ['N', 3, 'H', 'W']);
  const skips: { value: string; channels: number }[] = [];
  let cin = 3;
  for (const width of widths.slice(0, -1)) {
    x = block(x, cin, width);
    skips.push({ value: x, channels: width });
    x = g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
    cin = width;
  }
  x = block(x, cin, widths[widths.length - 1]);
  cin = widths[widths.length - 1];
  for (const skip of skips.reverse()) {
    const up = g.node('Resize', [x, '', g.constant([1, 1, 2, 2])], { mode: 'nearest' });
    x = block(g.node('Concat', [up, skip.value], { axis: 1 }), cin + skip.channels, skip.channels);
    cin = skip.channels;
  }
  x = conv(x, cin, SAMPLE_CLASSES.length, 1);
  g.output(x, 'logits', DataType.FLOAT, ['N', SAMPLE_CLASSES.length, 'H', 'W']);
  return writeModel(dir, name, g.toBytes(13, name), {
    input: { name: 'image', layout: 'NCHW', channels: 3, mode: 'resize', size, mean: [123.7, 116.3, 103.5], std: [58.4, 57.1, 57.4] },
    output: { name: 'logits', layout: 'NCHW', kind: 'logits' },
  });
}

/** Writes `<dir>/<name>.onnx` and its manifest `<name>.json` (sample classes unless given). */
export function writeModel(dir: string, name: string, bytes: Uint8Array, io: Pick<ModelManifest, 'input' | 'output'> & Partial<ModelManifest>): BuiltModel {
  const onnxPath = path.join(dir, `${name}.onnx`);
  writeFileSync(onnxPath, bytes);
  const manifest: ModelManifest = { format: MANIFEST_FORMAT, name, classes: SAMPLE_CLASSES, ignoreIndex: 255, ...io };
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(manifest, null, 2));
  return { onnx: onnxPath, manifest };
}


/**
 * An instance-capable pixel model: the 1x1-convolution logits of `pixelModel` (weights `W`, `B`)
 * and a second output, `embedding`, a 1x1 convolution `E` of x = rgb / 255 (one row per embedding
 * dimension): objects of one class whose colours differ get embeddings that differ.
 */
export function instancePixelModel(
  dir: string,
  name: string,
  options: { W: number[][]; B: number[]; E: number[][]; embeddingLayout?: 'NCHW' | 'NHWC'; bandwidth?: number; classes: ModelManifest['classes'] },
  manifest: Partial<ModelManifest['input']> = {},
): BuiltModel {
  const { W, B, E, embeddingLayout = 'NCHW', bandwidth = 0.5, classes } = options;
  const g = new GraphBuilder();
  const x = g.input('image', DataType.FLOAT, ['N', 3, 'H', 'W']);
  const logits = g.node('Conv', [x, g.constant(W.flat(), [W.length, 3, 1, 1]), g.constant(B)], { kernel_shape: [1, 1] });
  g.output(logits, 'scores', DataType.FLOAT, ['N', W.length, 'H', 'W']);
  let emb = g.node('Conv', [x, g.constant(E.flat(), [E.length, 3, 1, 1])], { kernel_shape: [1, 1] });
  if (embeddingLayout === 'NHWC') emb = g.node('Transpose', [emb], { perm: [0, 2, 3, 1] });
  g.output(emb, 'embedding', DataType.FLOAT, embeddingLayout === 'NCHW' ? ['N', E.length, 'H', 'W'] : ['N', 'H', 'W', E.length]);
  return writeModel(dir, name, g.toBytes(13, name), {
    classes,
    input: { name: 'image', layout: 'NCHW', channels: 3, mode: 'resize', size: [64, 64], mean: PIXEL_MEAN, std: PIXEL_STD, ...manifest },
    output: { name: 'scores', layout: 'NCHW', kind: 'logits' },
    embedding: { name: 'embedding', layout: embeddingLayout, dims: E.length, bandwidth },
  });
}
