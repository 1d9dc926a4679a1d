/**
 * Runs a graph (`graph.ts`) with TensorFlow.js: NHWC float input, normalised; NHWC logits out.
 * In training mode batch norm uses the batch's statistics and reports them, so the caller can
 * move the running averages after the step.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';
import { ConvNode, Graph } from './graph';
import { nativeBatchNorm } from './wasmKernels';

export const BN_EPSILON = 1e-5;

/** A model's tensors: trainable variables and batch-norm running statistics. */
export interface Weights {
  params: Map<string, TF.Variable>;
  state: Map<string, TF.Tensor>;
}

export interface BatchStats {
  mean: TF.Tensor;
  variance: TF.Tensor;
}

export interface ForwardOptions {
  training: boolean;
  /** Filled in training mode with each batch norm's batch mean and variance (kept: the caller disposes them). */
  batchStats?: Map<string, BatchStats>;
}

/**
 * Per-channel sum over batch, height and width. An average pool over the whole image (XNNPACK,
 * streaming) is the fastest reduction over leading axes on wasm: tfjs's sum transposes first, and
 * a matMul with a row of ones re-packs the whole tensor as its weights on every call.
 */
function channelSum(x: TF.Tensor4D): TF.Tensor4D {
  const [, h, w] = x.shape;
  return tf.mul(tf.sum(tf.avgPool(x, [h, w], [h, w], 'valid'), 0, true), h * w);
}

/**
 * Batch norm with batch statistics, optionally followed by ReLU, with a hand-written gradient
 * (tfjs's own goes through Tile and reductions over leading axes, both slow on wasm):
 * with g = dy through the ReLU, c = x - mean and s = gamma / sigma,
 * dbeta = sum g, dgamma = sum(g c) / sigma, dx = s g - s dbeta / M - s c sum(g c) / (sigma^2 M).
 */
function batchNormTraining(x: TF.Tensor4D, gamma: TF.Tensor1D, beta: TF.Tensor1D, relu: boolean, report: (mean: TF.Tensor, variance: TF.Tensor) => void): TF.Tensor4D {
  const fused = nativeBatchNorm();
  if (fused) {
    // The same maths in C++, on the wasm heap (wasmKernels.ts).
    const op = tf.customGrad(((xIn: TF.Tensor4D, gammaIn: TF.Tensor1D, betaIn: TF.Tensor1D, save: TF.GradSaveFunc) => {
      const { y, mean, variance } = fused.forward(xIn, gammaIn, betaIn, relu);
      report(mean, variance);
      save([xIn, y, gammaIn, mean, variance]);
      return {
        value: y,
        gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
          const [xs, ys, gs, ms, vs] = saved;
          const { dx, dGamma, dBeta } = fused.backward(xs as TF.Tensor4D, ys as TF.Tensor4D, dy as TF.Tensor4D, gs as TF.Tensor1D, ms as TF.Tensor1D, vs as TF.Tensor1D, relu);
          return [dx, dGamma, dBeta];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(x, gamma, beta) as TF.Tensor4D;
  }
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((xIn: TF.Tensor4D, gammaIn: TF.Tensor, betaIn: TF.Tensor, save: TF.GradSaveFunc) => {
    const mean = tf.div(channelSum(xIn), m);
    const centered = tf.sub(xIn, mean) as TF.Tensor4D;
    const variance = tf.div(channelSum(tf.square(centered) as TF.Tensor4D), m);
    const invStd = tf.rsqrt(tf.add(variance, BN_EPSILON));
    const scale = tf.mul(invStd, gammaIn);
    let y = tf.add(tf.mul(centered, scale), betaIn) as TF.Tensor4D;
    if (relu) y = tf.relu(y);
    report(tf.reshape(mean, [c]), tf.reshape(variance, [c]));
    save([centered, invStd, scale, y]);
    return {
      value: y,
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => {
        const [cen, inv, sc, out] = saved as TF.Tensor4D[];
        const g = (relu ? tf.mul(dy, tf.step(out)) : dy) as TF.Tensor4D;
        const dBeta = channelSum(g);
        const gc = channelSum(tf.mul(g, cen) as TF.Tensor4D);
        // Per-channel coefficients first, then two passes over the big tensors.
        const shift = tf.mul(sc, tf.div(dBeta, -m));
        const alongC = tf.mul(sc, tf.div(tf.mul(gc, tf.square(inv)), -m));
        const dx = tf.add(tf.add(tf.mul(g, sc), tf.mul(cen, alongC)), shift);
        return [dx, tf.reshape(tf.mul(gc, inv), [c]), tf.reshape(dBeta, [c])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, gamma, beta) as TF.Tensor4D;
}

export function upsample(x: TF.Tensor4D, factor: number, mode: 'nearest' | 'bilinear'): TF.Tensor4D {
  const size: [number, number] = [x.shape[1] * factor, x.shape[2] * factor];
  return mode === 'nearest' ? tf.image.resizeNearestNeighbor(x, size, false, false) : tf.image.resizeBilinear(x, size, false, true);
}

/** 'same' convolution; atrous rates > 1 run as spaceToBatchND -> conv -> batchToSpaceND, which trains. */
function convolve(node: ConvNode, x: TF.Tensor4D, w: TF.Tensor4D): TF.Tensor4D {
  if (node.dilation === 1) return tf.conv2d(x, w, node.stride, 'same');
  if (node.stride !== 1) throw new Error(`${node.name}: atrous convolution needs stride 1`);
  const r = node.dilation;
  const total = (node.kernel - 1) * r;
  const before = Math.floor(total / 2);
  const after = total - before;
  const extraH = (r - (x.shape[1] % r)) % r;
  const extraW = (r - (x.shape[2] % r)) % r;
  const spread = tf.spaceToBatchND(x, [r, r], [[before, after + extraH], [before, after + extraW]]) as TF.Tensor4D;
  const y = tf.conv2d(spread, w, 1, 'valid');
  return tf.batchToSpaceND(y, [r, r], [[0, extraH], [0, extraW]]) as TF.Tensor4D;
}

/** NHWC logits. */
export function forward(graph: Graph, weights: Weights, input: TF.Tensor4D, options: ForwardOptions): TF.Tensor4D {
  return run(graph, weights, input, options)[graph.output];
}

/** NHWC logits and, for a graph with the instance head, NHWC embeddings. */
export function forwardHeads(graph: Graph, weights: Weights, input: TF.Tensor4D, options: ForwardOptions): { logits: TF.Tensor4D; embedding?: TF.Tensor4D } {
  const values = run(graph, weights, input, options);
  return { logits: values[graph.output], embedding: graph.embedding !== undefined ? values[graph.embedding] : undefined };
}

function run(graph: Graph, weights: Weights, input: TF.Tensor4D, options: ForwardOptions): TF.Tensor4D[] {
  const values: TF.Tensor4D[] = [];
  const uses = useCounts(graph);
  const param = (name: string) => {
    const p = weights.params.get(name);
    if (!p) throw new Error(`missing parameter ${name}`);
    return p;
  };
  graph.nodes.forEach((node, index) => {
    let out: TF.Tensor4D;
    switch (node.op) {
      case 'input':
        out = input;
        break;
      case 'conv': {
        const w = param(`${node.name}.w`) as TF.Tensor4D;
        const source = graph.nodes[node.input];
        if (source.op === 'concat' && uses[node.input] === 1) {
          // conv(concat(parts), W) = sum of conv(part, W's slice): no concat and no split in the gradient.
          let offset = 0;
          out = source.inputs
            .map((i) => {
              const part = values[i];
              const slice = tf.slice(w, [0, 0, offset, 0], [node.kernel, node.kernel, part.shape[3], node.outC]) as TF.Tensor4D;
              offset += part.shape[3];
              return convolve(node, part, slice);
            })
            .reduce((a, b) => tf.add(a, b));
        } else {
          out = convolve(node, values[node.input], w);
        }
        if (node.bn) {
          const gamma = param(`${node.name}.bn.gamma`) as TF.Tensor1D;
          const beta = param(`${node.name}.bn.beta`) as TF.Tensor1D;
          if (options.training) {
            out = batchNormTraining(out, gamma, beta, node.relu, (mean, variance) => options.batchStats?.set(node.name, { mean: tf.keep(mean), variance: tf.keep(variance) }));
          } else {
            const mean = weights.state.get(`${node.name}.bn.mean`) as TF.Tensor1D;
            const variance = weights.state.get(`${node.name}.bn.var`) as TF.Tensor1D;
            out = tf.batchNorm(out, mean, variance, beta, gamma, BN_EPSILON);
            if (node.relu) out = tf.relu(out);
          }
        } else {
          out = tf.add(out, param(`${node.name}.b`));
          if (node.relu) out = tf.relu(out);
        }
        break;
      }
      case 'maxpool':
        out = tf.maxPool(values[node.input], 2, 2, 'valid');
        break;
      case 'unpool': {
        // 1 where `pre` equals its window's max, else 0: 1 - step(max - pre), whose gradient is zero
        // (tfjs has no gradient for equal, and no stopGradient).
        const below = tf.sub(upsample(values[node.pooled], 2, 'nearest'), values[node.pre]);
        const mask = tf.sub(1, tf.step(below));
        out = tf.mul(upsample(values[node.input], 2, 'nearest'), mask);
        break;
      }
      case 'upsample':
        out = upsample(values[node.input], node.factor, node.mode);
        break;
      case 'concat':
        // Only materialised when something other than one convolution reads it.
        out = uses[index] === 1 && graph.nodes.some((n) => n.op === 'conv' && n.input === index) ? (undefined as unknown as TF.Tensor4D) : tf.concat(node.inputs.map((i) => values[i]), 3);
        break;
      case 'add':
        out = node.inputs.slice(1).reduce((a, i) => tf.add(a, values[i]), values[node.inputs[0]]);
        break;
      case 'globalPool':
        out = tf.mean(values[node.input], [1, 2], true);
        break;
      case 'broadcast': {
        const like = values[node.like];
        out = tf.tile(values[node.input], [1, like.shape[1], like.shape[2], 1]);
        break;
      }
    }
    values[index] = out;
  });
  return values;
}

/** How many nodes (and the output) read each node. */
export function useCounts(graph: Graph): number[] {
  const uses = new Array<number>(graph.nodes.length).fill(0);
  for (const node of graph.nodes) {
    if ('input' in node) uses[node.input]++;
    if ('inputs' in node) for (const i of node.inputs) uses[i]++;
    if (node.op === 'unpool') {
      uses[node.pre]++;
      uses[node.pooled]++;
    }
    if (node.op === 'broadcast') uses[node.like]++;
  }
  uses[graph.output]++;
  if (graph.embedding !== undefined) uses[graph.embedding]++;
  return uses;
}
