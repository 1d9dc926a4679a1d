/**
 * AdamW (Loshchilov & Hutter) with a warm-up and cosine learning-rate schedule. Written out with
 * plain ops so its state (moments and step) is ours to checkpoint and restore exactly.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from './tf';

export interface AdamState {
  step: number;
  m: Map<string, TF.Tensor>;
  v: Map<string, TF.Tensor>;
}

export class AdamW {
  readonly state: AdamState = { step: 0, m: new Map(), v: new Map() };

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
    private readonly weightDecay = 1e-4,
  ) {}

  apply(params: Map<string, TF.Variable>, grads: Record<string, TF.Tensor>, lr: number): void {
    this.state.step++;
    const t = this.state.step;
    const c1 = 1 - this.beta1 ** t;
    const c2 = 1 - this.beta2 ** t;
    for (const [name, p] of params) {
      const g = grads[name];
      if (!g) continue;
      const prevM = this.state.m.get(name);
      const prevV = this.state.v.get(name);
      const [m, v] = tf.tidy(() => [
        prevM ? tf.add(tf.mul(prevM, this.beta1), tf.mul(g, 1 - this.beta1)) : tf.mul(g, 1 - this.beta1),
        prevV ? tf.add(tf.mul(prevV, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)) : tf.mul(tf.square(g), 1 - this.beta2),
      ]);
      tf.dispose([prevM, prevV]);
      this.state.m.set(name, m);
      this.state.v.set(name, v);
      // Decay only weights (not biases and batch-norm scales), decoupled from the gradient.
      const decay = name.endsWith('.w') ? this.weightDecay : 0;
      // Inside tidy: assign takes its own reference, and the new value's tensor is freed.
      tf.tidy(() => {
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        p.assign(tf.sub(tf.mul(p, 1 - lr * decay), tf.mul(update, lr)));
      });
    }
  }

  dispose(): void {
    tf.dispose([...this.state.m.values(), ...this.state.v.values()]);
    this.state.m.clear();
    this.state.v.clear();
  }
}

/** Linear warm-up over the first 5% of steps (at most 100), then cosine decay to 1% of the peak. */
export function learningRate(step: number, total: number, peak: number): number {
  const warm = Math.min(100, Math.max(1, Math.round(total * 0.05)));
  if (step < warm) return (peak * (step + 1)) / warm;
  const progress = Math.min(1, (step - warm) / Math.max(1, total - warm));
  return peak * (0.01 + 0.99 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
