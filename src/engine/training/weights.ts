/** A model's tensors: seeded initialisation, the EMA teacher, batch-norm running averages. */
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';
import { Graph, ParamSpec } from './graph';
import { BatchStats, Weights } from './forward';
import { Random } from '../synthetic/random';

/** Initial values drawn in JavaScript from the seed, so every backend starts from the same numbers. */
export function initialValues(spec: ParamSpec, rng: Random): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'ones') out.fill(1);
  else if (spec.init === 'he') {
    const std = Math.sqrt(2 / (spec.fanIn ?? 1));
    for (let i = 0; i < size; i++) out[i] = rng.normal() * std;
  }
  return out;
}

export function initWeights(graph: Graph, seed: number): Weights {
  const rng = new Random(seed);
  const params = new Map<string, TF.Variable>();
  for (const spec of graph.params) params.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(initialValues(spec, rng), spec.shape), true)));
  const state = new Map<string, TF.Tensor>();
  for (const spec of graph.state) state.set(spec.name, tf.tensor(initialValues(spec, rng), spec.shape));
  return { params, state };
}

/** A copy that does not train (the EMA teacher). */
export function cloneWeights(w: Weights): Weights {
  const params = new Map<string, TF.Variable>();
  for (const [k, v] of w.params) params.set(k, tf.tidy(() => tf.variable(tf.clone(v), false)));
  const state = new Map<string, TF.Tensor>();
  for (const [k, v] of w.state) state.set(k, tf.clone(v));
  return { params, state };
}

/** teacher = momentum * teacher + (1 - momentum) * student, parameters and running statistics. */
export function emaUpdate(teacher: Weights, student: Weights, momentum: number): void {
  for (const [k, t] of teacher.params) tf.tidy(() => t.assign(tf.add(tf.mul(t, momentum), tf.mul(student.params.get(k)!, 1 - momentum))));
  for (const [k, t] of teacher.state) {
    const next = tf.tidy(() => tf.add(tf.mul(t, momentum), tf.mul(student.state.get(k)!, 1 - momentum)));
    t.dispose();
    teacher.state.set(k, next);
  }
}

/**
 * Moves the running mean and variance towards this batch's, then frees the batch's. The momentum
 * is PyTorch's 0.1, but a plain average over the first batches (1 / updates), so that a model
 * validated after a few steps already has sensible statistics.
 */
export function updateRunningStats(w: Weights, stats: Map<string, BatchStats>, updates: number): void {
  const momentum = Math.max(0.1, 1 / Math.max(1, updates));
  for (const [name, { mean, variance }] of stats) {
    for (const [key, value] of [[`${name}.bn.mean`, mean], [`${name}.bn.var`, variance]] as const) {
      const old = w.state.get(key)!;
      w.state.set(key, tf.tidy(() => tf.add(tf.mul(old, 1 - momentum), tf.mul(value, momentum))));
      old.dispose();
    }
    tf.dispose([mean, variance]);
  }
  stats.clear();
}

export function disposeWeights(w: Weights): void {
  tf.dispose([...w.params.values(), ...w.state.values()]);
  w.params.clear();
  w.state.clear();
}

/** Weights as plain arrays (for checkpoints and export). */
export async function readWeights(w: Weights): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of [...w.params, ...w.state]) out.set(k, { shape: v.shape, data: (await v.data()) as Float32Array });
  return out;
}
