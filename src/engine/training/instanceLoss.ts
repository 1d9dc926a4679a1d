/**
 * The discriminative loss (De Brabandere, Neven and Van Gool 2017) on per-pixel embeddings: pixels are
 * pulled to within delta_v of their instance's mean, instance means pushed at least 2 delta_d apart,
 * and the means kept near the origin. Each image's instances are gathered with a one-hot matrix
 * (matMul has a gradient on every backend; segment sums have none on wasm).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';

export const DISCRIMINATIVE = { deltaV: 0.5, deltaD: 1.5, alpha: 1, beta: 1, gamma: 0.001 };
/** Embedding dimensions of the instance head. */
export const EMBEDDING_DIMS = 8;
/**
 * Mean-shift window at prediction time: with pixels within delta_v of their mean and means 2 delta_d
 * apart, 2 (delta_d - delta_v) is the widest window around any pixel that cannot reach another
 * object's pixels; the widest is the kindest to an embedding that has not fully converged.
 */
export const EMBEDDING_BANDWIDTH = 2 * (DISCRIMINATIVE.deltaD - DISCRIMINATIVE.deltaV);

/** Instance ids of one image renumbered 0..K-1 (-1: no instance), and K. */
export interface InstanceTargets {
  index: Int32Array;
  count: number;
}

/**
 * Renumbers the instance ids of image `i` of a batch (`ids`, n x plane, values <= 0: none) as 0..K-1,
 * in order of first appearance.
 */
export function instanceTargets(ids: Int32Array, plane: number, i: number): InstanceTargets {
  const index = new Int32Array(plane);
  const seen = new Map<number, number>();
  for (let p = 0; p < plane; p++) {
    const id = ids[i * plane + p];
    if (id <= 0) {
      index[p] = -1;
      continue;
    }
    let k = seen.get(id);
    if (k === undefined) seen.set(id, (k = seen.size));
    index[p] = k;
  }
  return { index, count: seen.size };
}

const EPS = 1e-8;

/** The loss of one image: `embedding` [P, D], targets over its P pixels. Undefined without instances. */
function imageLoss(embedding: TF.Tensor2D, t: InstanceTargets, o = DISCRIMINATIVE): TF.Scalar | undefined {
  if (t.count === 0) return undefined;
  const K = t.count;
  const counts = new Float32Array(K);
  // [P, K] membership, built here: pixels of no instance are rows of zeros (wasm's oneHot wants K >= 2).
  const membership = new Float32Array(t.index.length * K);
  t.index.forEach((k, p) => {
    if (k < 0) return;
    counts[k]++;
    membership[p * K + k] = 1;
  });
  const onehot = tf.tensor2d(membership, [t.index.length, K]);
  const sizes = tf.tensor1d(counts);
  const means = tf.div(tf.matMul(onehot, embedding, true, false), tf.expandDims(sizes, 1)) as TF.Tensor2D; // [K, D]
  // Pull: hinge on each pixel's distance to its own mean, averaged per instance, then over instances.
  const own = tf.matMul(onehot, means); // [P, D]; zeros for pixels of no instance (left out below)
  const distance = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(embedding, own)), 1), EPS));
  const pull = tf.square(tf.relu(tf.sub(distance, o.deltaV)));
  const variance = tf.mean(tf.div(tf.squeeze(tf.matMul(onehot, tf.expandDims(pull, 1), true, false), [1]), sizes));
  // Push: hinge on the distance between every pair of means.
  let push: TF.Tensor = tf.scalar(0);
  if (K > 1) {
    const between = tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(tf.expandDims(means, 1), tf.expandDims(means, 0))), 2), EPS)); // [K, K]
    const offDiagonal = tf.sub(1, tf.eye(K));
    push = tf.div(tf.sum(tf.mul(tf.square(tf.relu(tf.sub(2 * o.deltaD, between))), offDiagonal)), K * (K - 1));
  }
  const regulariser = tf.mean(tf.sqrt(tf.add(tf.sum(tf.square(means), 1), EPS)));
  return tf.addN([tf.mul(variance, o.alpha), tf.mul(push, o.beta), tf.mul(regulariser, o.gamma)]) as TF.Scalar;
}

/**
 * Mean over the images of the batch that hold instances of their per-image losses; `embedding` is
 * [n, h, w, D] (NHWC), `targets[i]` the renumbered ids of image i. Zero when no image has any.
 */
export function discriminativeLoss(embedding: TF.Tensor4D, targets: InstanceTargets[]): TF.Scalar {
  const [n, h, w, d] = embedding.shape;
  const flat = tf.reshape(embedding, [n, h * w, d]) as TF.Tensor3D;
  const losses: TF.Scalar[] = [];
  for (let i = 0; i < n; i++) {
    if (!targets[i] || targets[i].count === 0) continue;
    const image = tf.reshape(tf.slice(flat, [i, 0, 0], [1, -1, -1]), [h * w, d]) as TF.Tensor2D;
    const loss = imageLoss(image, targets[i]);
    if (loss) losses.push(loss);
  }
  if (losses.length === 0) return tf.scalar(0);
  return tf.div(tf.addN(losses), losses.length) as TF.Scalar;
}
