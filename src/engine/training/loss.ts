/**
 * Losses over NHWC logits and integer labels (class channel, IGNORE = -1 for "not labelled"):
 * cross-entropy that skips ignored pixels and weighs classes (as PyTorch's weight + ignore_index
 * with mean reduction), and an optional soft Dice term on the labelled pixels.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { ClassWeighting } from '../../core/training';
import { tf } from './tf';

export interface LossOptions {
  classes: number;
  /** Per class channel; all ones when absent. */
  classWeights?: number[];
  dice?: boolean;
  /**
   * Divide the cross-entropy sum by this many pixels instead of the (weighted) labelled ones: the
   * pseudo-label loss is averaged over every pixel of the unlabelled images (UniMatch), so a few
   * confident pixels early on do not weigh as much as a fully labelled image.
   */
  pixels?: number;
}

export function segmentationLoss(logits: TF.Tensor4D, labels: TF.Tensor3D, options: LossOptions): TF.Scalar {
  return tf.tidy(() => {
    // oneHot of IGNORE (-1) is all zeros: ignored pixels drop out of every sum below.
    const onehot = tf.oneHot(labels, options.classes) as TF.Tensor4D;
    const weighted = options.classWeights ? tf.mul(onehot, tf.tensor1d(options.classWeights)) : onehot;
    const logProbs = tf.logSoftmax(logits);
    const total = options.pixels ?? tf.maximum(tf.sum(weighted), 1e-6);
    let loss = tf.div(tf.neg(tf.sum(tf.mul(weighted, logProbs))), total) as TF.Scalar;
    if (options.dice) loss = tf.add(loss, diceLoss(tf.exp(logProbs) as TF.Tensor4D, onehot)) as TF.Scalar;
    return loss;
  });
}

/** 1 - mean over classes present in the batch's labels of 2|P∩T| / (|P| + |T|), on labelled pixels only. */
function diceLoss(probs: TF.Tensor4D, onehot: TF.Tensor4D): TF.Scalar {
  const labelled = tf.sum(onehot, 3, true);
  const p = tf.mul(probs, labelled);
  const inter = tf.sum(tf.mul(p, onehot), [0, 1, 2]);
  const denom = tf.add(tf.sum(p, [0, 1, 2]), tf.sum(onehot, [0, 1, 2]));
  const present = tf.cast(tf.greater(tf.sum(onehot, [0, 1, 2]), 0), 'float32');
  const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(denom, 1));
  return tf.sub(1, tf.div(tf.sum(tf.mul(dice, present)), tf.maximum(tf.sum(present), 1))) as TF.Scalar;
}

/**
 * Class weights from pixel counts: 'inverse' (1/frequency) or 'median' (median frequency / frequency,
 * Eigen & Fergus), normalised to mean 1 over the classes seen and clipped to [0.1, 10] so a class
 * with a handful of pixels cannot dominate. Classes never seen get weight 1.
 */
export function classWeightsFrom(counts: number[], mode: ClassWeighting): number[] | undefined {
  if (mode === 'none') return undefined;
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const freq = counts.map((c) => c / total);
  const seen = freq.filter((f) => f > 0).sort((a, b) => a - b);
  const median = seen.length % 2 ? seen[(seen.length - 1) / 2] : (seen[seen.length / 2 - 1] + seen[seen.length / 2]) / 2;
  const raw = freq.map((f) => (f > 0 ? (mode === 'median' ? median / f : 1 / f) : 0));
  const mean = raw.filter((w) => w > 0).reduce((a, b) => a + b, 0) / seen.length;
  return raw.map((w) => (w > 0 ? Math.min(10, Math.max(0.1, w / mean)) : 1));
}
