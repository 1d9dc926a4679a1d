/**
 * The project's wasm kernels (convolution gradients, in C++ and in TypeScript, 2x2 max-pool
 * gradient, nearest-resize gradient) and hand-written gradients (batch norm, atrous convolution)
 * against independent references: TensorFlow.js's pure-JS cpu backend, and central finite differences.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import type * as TF from '@tensorflow/tfjs-core';
import { tf } from '../../src/engine/training/tf';
import { shutdownTrainingBackend, trainingBackend } from '../../src/engine/training/backend';
import { forward, Weights } from '../../src/engine/training/forward';
import { GraphBuilder } from '../../src/engine/training/graph';
import { initWeights } from '../../src/engine/training/weights';
import { nativeKernels, nativeKernelsError } from '../../src/engine/training/nativeKernels';
import { useNativeKernels } from '../../src/engine/training/wasmKernels';
import { Random } from '../../src/engine/synthetic/random';

before(async () => {
  const b = await trainingBackend('wasm', 2);
  assert.equal(b.kind, 'wasm');
});

// The convolution gradients and batch norm have two implementations: the C++ one (built by `npm run
// build` on Linux x64) and the TypeScript one that runs where it is not built. Both face the same references.
const BUILDS_NATIVE = process.platform === 'linux' && process.arch === 'x64';
const IMPLEMENTATIONS = ([['C++', true], ['TypeScript', false]] as const).filter(([, native]) => BUILDS_NATIVE || !native);

async function withImplementation(native: boolean, fn: () => Promise<void>): Promise<void> {
  assert.equal(useNativeKernels(native), native, native ? 'the C++ kernels should be in use' : 'the TypeScript kernels should be in use');
  try {
    await fn();
  } finally {
    useNativeKernels(true);
  }
}

test('the C++ kernels are built and in use on Linux x64 (esbuild.mjs builds them with g++), and say why not elsewhere', () => {
  if (!BUILDS_NATIVE) return assert.match(nativeKernelsError() ?? '', /not built/);
  const kernels = nativeKernels();
  assert.ok(kernels, 'dist/training-kernels.node is missing or did not load: run npm run build');
  assert.match(kernels.file, /training-kernels\.node$/);
});

if (BUILDS_NATIVE) {
  test('the C++ kernels refuse arrays that do not match their shapes, before touching memory', () => {
    const kernels = nativeKernels();
    assert.ok(kernels);
    const g = { batch: 1, inH: 4, inW: 4, inC: 2, outH: 4, outW: 4, outC: 3, kh: 3, kw: 3, sh: 1, sw: 1, top: 1, left: 1 };
    const f = (n: number) => new Float32Array(n);
    assert.throws(() => kernels.filterGradient(f(32), f(47), f(54), g, 2), /filterGradient: argument 2 has 47 values, not 48/);
    assert.throws(() => kernels.filterGradient(f(32), f(48), new Float64Array(54) as unknown as Float32Array, g, 2), /argument 3 must be a Float32Array/);
    assert.throws(() => kernels.conv(f(32), f(54), f(48), { ...g, sh: 0 }, 2), /conv: the geometry is not a convolution's/);
    assert.throws(() => kernels.batchNorm(f(30), f(4), f(4), f(30), f(4), f(4), true, 2), /not a whole number of pixels/);
    assert.throws(() => kernels.batchNormGradient(f(32), f(32), f(31), f(4), f(4), f(4), f(32), f(4), f(4), true, 2), /argument 3 has 31 values, not 32/);
  });
}

after(() => shutdownTrainingBackend());

function randomArray(n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: n }, () => rng.range(-1, 1));
}

/** Runs `fn` on `backend` with fresh tensors made from plain arrays, and returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', fn: () => TF.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(fn);
  const values = out.map((t) => t.dataSync() as Float32Array);
  tf.dispose(out);
  await tf.setBackend('wasm');
  return values;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string, tolerance = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: sizes differ`);
  let scale = 1e-6;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance * scale, `${what}: max difference ${worst} exceeds ${tolerance} x ${scale}`);
}

const conv2dGrads = (xShape: number[], wShape: number[], stride: number, pad: 'same' | 'valid', seed: number) => () => {
  const x = tf.tensor4d(randomArray(xShape.reduce((a, b) => a * b), seed), xShape as [number, number, number, number]);
  const w = tf.tensor4d(randomArray(wShape.reduce((a, b) => a * b), seed + 1), wShape as [number, number, number, number]);
  const y = tf.conv2d(x, w, stride, pad);
  const r = tf.tensor(randomArray(y.size, seed + 2), y.shape);
  const [dx, dw] = tf.grads((a: TF.Tensor, b: TF.Tensor) => tf.sum(tf.mul(tf.conv2d(a as TF.Tensor4D, b as TF.Tensor4D, stride, pad), r)))([x, w]);
  return [dx, dw];
};

for (const [implementation, native] of IMPLEMENTATIONS) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const k of [1, 3, 5]) {
        test(`Conv2DBackpropInput and Conv2DBackpropFilter (${implementation}) match the cpu backend: kernel ${k}, stride ${stride}, ${pad}`, () =>
          withImplementation(native, async () => {
            // Odd sizes make 'same' padding asymmetric for stride 2; two images exercise the batch axis.
            const xShape = [2, 11, 13, 3];
            const wShape = [k, k, 3, 4];
            const seed = k * 10 + stride;
            const [dxW, dwW] = await on('wasm', conv2dGrads(xShape, wShape, stride, pad, seed));
            const [dxC, dwC] = await on('cpu', conv2dGrads(xShape, wShape, stride, pad, seed));
            assertClose(dxW, dxC, 'dx');
            assertClose(dwW, dwC, 'dW');
          }));
      }
    }
  }

  test(`the filter gradient (${implementation}) also matches at the sizes training uses (many channels, batch 4, odd counts)`, () =>
    withImplementation(native, async () => {
      // 40 input and 27 output channels go through every block width of the C++ kernel.
      for (const [xShape, wShape] of [[[4, 16, 16, 16], [3, 3, 16, 24]], [[3, 9, 10, 40], [3, 3, 40, 27]]]) {
        const fn = conv2dGrads(xShape, wShape, 1, 'same', 7);
        const [dxW, dwW] = await on('wasm', fn);
        const [dxC, dwC] = await on('cpu', fn);
        assertClose(dxW, dxC, 'dx');
        assertClose(dwW, dwC, 'dW');
      }
    }));
}

test('conv2dTranspose (a Conv2DBackpropInput forward) matches the cpu backend, stride 2', async () => {
  const fn = () => {
    const x = tf.tensor4d(randomArray(2 * 5 * 6 * 4, 3), [2, 5, 6, 4]);
    const w = tf.tensor4d(randomArray(4 * 4 * 3 * 4, 4), [4, 4, 3, 4]);
    return [tf.conv2dTranspose(x, w, [2, 10, 12, 3], 2, 'same')];
  };
  const [w] = await on('wasm', fn);
  const [c] = await on('cpu', fn);
  assertClose(w, c, 'conv2dTranspose');
});

test('MaxPoolGrad 2x2 matches the cpu backend, ties included (first maximum wins)', async () => {
  const fn = (values: Float32Array) => () => {
    const x = tf.tensor4d(values, [2, 6, 8, 3]);
    const r = tf.tensor(randomArray(2 * 3 * 4 * 3, 9), [2, 3, 4, 3]);
    return [tf.grad((a: TF.Tensor) => tf.sum(tf.mul(tf.maxPool(a as TF.Tensor4D, 2, 2, 'valid'), r)))(x)];
  };
  const random = randomArray(2 * 6 * 8 * 3, 5);
  const ties = random.map((v) => Math.round(v)); // many equal values in each window
  for (const values of [random, ties]) {
    const [w] = await on('wasm', fn(values));
    const [c] = await on('cpu', fn(values));
    assertClose(w, c, 'maxPool gradient', 0);
  }
  // Other pool shapes still go through the stock kernel, and still agree.
  const three = () => {
    const x = tf.tensor4d(random, [2, 6, 8, 3]);
    return [tf.grad((a: TF.Tensor) => tf.sum(tf.maxPool(a as TF.Tensor4D, 3, 3, 'valid')))(x)];
  };
  assertClose((await on('wasm', three))[0], (await on('cpu', three))[0], 'maxPool 3x3 gradient', 0);
});

test('ResizeNearestNeighborGrad matches the cpu backend image by image (integer and other factors)', async () => {
  for (const [h, w, oh, ow] of [[4, 5, 8, 10], [3, 4, 9, 12], [4, 6, 6, 9]]) {
    const batch = 3;
    const x = randomArray(batch * h * w * 2, h);
    const r = randomArray(batch * oh * ow * 2, w);
    const grad = (from: number, count: number) => () => {
      const xs = tf.tensor4d(x.subarray(from * h * w * 2, (from + count) * h * w * 2), [count, h, w, 2]);
      const rs = tf.tensor4d(r.subarray(from * oh * ow * 2, (from + count) * oh * ow * 2), [count, oh, ow, 2]);
      return [tf.grad((a: TF.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as TF.Tensor4D, [oh, ow]), rs)))(xs)];
    };
    const [wasm] = await on('wasm', grad(0, batch));
    // The cpu backend's own kernel is wrong for batches > 1: one image at a time.
    const reference = new Float32Array(wasm.length);
    for (let b = 0; b < batch; b++) reference.set((await on('cpu', grad(b, 1)))[0], b * h * w * 2);
    assertClose(wasm, reference, `resize ${h}x${w} -> ${oh}x${ow}`);
  }
});

/** A graph of one atrous 3x3 convolution with bias. */
function atrousConv(): { graph: ReturnType<GraphBuilder['build']>; weights: Weights } {
  const g = new GraphBuilder(3);
  const graph = g.build('test', g.conv(0, 'c', 4, { dilation: 2, bn: false, relu: false }), 4, 1, {});
  return { graph, weights: initWeights(graph, 3) };
}

for (const [implementation, native] of IMPLEMENTATIONS) {
  test(`batch norm + ReLU (${implementation}): output, batch statistics and gradient match tfjs batchNorm on the cpu backend`, () =>
    withImplementation(native, async () => {
      // 4 channels, and 20 (more than a vector, not a multiple of one), over a few hundred pixels.
      for (const [n, h, w, c] of [[2, 6, 7, 4], [3, 9, 11, 20]]) {
        const size = n * h * w * c;
        const x = randomArray(size, 21 + c).map((v, i) => v * (1 + (i % c)) + (i % c) * 0.5); // channels of different scales and means
        const gamma = randomArray(c, 22).map((v) => v + 1.5);
        const beta = randomArray(c, 23);
        const r = randomArray(size, 24);
        const shape = [n, h, w, c] as [number, number, number, number];
        const ours = () => {
          const g = new GraphBuilder(c);
          // A 1x1 identity convolution feeds the batch norm, so only the batch norm is at stake.
          const graph = g.build('bn', g.conv(0, 'c', c, { kernel: 1 }), c, 1, {});
          const weights: Weights = {
            params: new Map([
              ['c.w', tf.variable(tf.reshape(tf.eye(c), [1, 1, c, c]))],
              ['c.bn.gamma', tf.variable(tf.tensor1d(gamma))],
              ['c.bn.beta', tf.variable(tf.tensor1d(beta))],
            ]),
            state: new Map(),
          };
          const xt = tf.tensor4d(x, shape);
          const rt = tf.tensor4d(r, shape);
          const batchStats = new Map();
          const y = forward(graph, weights, xt, { training: true, batchStats });
          const stats = batchStats.get('c')!;
          const loss = (input: TF.Tensor4D) => tf.sum(tf.mul(forward(graph, weights, input, { training: true }), rt)) as TF.Scalar;
          const dx = tf.grad((a: TF.Tensor) => loss(a as TF.Tensor4D))(xt);
          const { grads } = tf.variableGrads(() => loss(xt), [weights.params.get('c.bn.gamma')!, weights.params.get('c.bn.beta')!]);
          return [y, stats.mean, stats.variance, dx, grads[weights.params.get('c.bn.gamma')!.name], grads[weights.params.get('c.bn.beta')!.name]];
        };
        const reference = () => {
          const xt = tf.tensor4d(x, shape);
          const rt = tf.tensor4d(r, shape);
          const { mean, variance } = tf.moments(xt, [0, 1, 2]);
          const bn = (a: TF.Tensor, gm: TF.Tensor, bt: TF.Tensor) => {
            const m = tf.moments(a, [0, 1, 2]);
            return tf.relu(tf.batchNorm(a as TF.Tensor4D, m.mean as TF.Tensor1D, m.variance as TF.Tensor1D, bt as TF.Tensor1D, gm as TF.Tensor1D, 1e-5));
          };
          const y = bn(xt, tf.tensor1d(gamma), tf.tensor1d(beta));
          return [y, mean, variance, ...tf.grads((a: TF.Tensor, gm: TF.Tensor, bt: TF.Tensor) => tf.sum(tf.mul(bn(a, gm, bt), rt)))([xt, tf.tensor1d(gamma), tf.tensor1d(beta)])];
        };
        const [y, mean, variance, dx, dGamma, dBeta] = await on('wasm', ours);
        const [ry, rMean, rVariance, rx, rGamma, rBeta] = await on('cpu', reference);
        assertClose(y, ry, `${c} channels: batch norm output`, 1e-4);
        assertClose(mean, rMean, `${c} channels: batch mean`, 1e-4);
        assertClose(variance, rVariance, `${c} channels: batch variance`, 1e-4);
        assertClose(dx, rx, `${c} channels: batch norm dx`, 1e-3);
        assertClose(dGamma, rGamma, `${c} channels: batch norm dgamma`, 1e-3);
        assertClose(dBeta, rBeta, `${c} channels: batch norm dbeta`, 1e-3);
      }
    }));
}

test('the atrous convolution (spaceToBatchND -> conv -> batchToSpaceND) equals a dilated convolution and its gradient equals finite differences', async () => {
  const { graph, weights } = atrousConv();
  const xShape: [number, number, number, number] = [1, 9, 10, 3];
  const x = tf.tensor4d(randomArray(270, 31), xShape);
  const w = weights.params.get('c.w')! as unknown as TF.Tensor4D;
  const ours = forward(graph, weights, x, { training: false });
  const direct = tf.add(tf.conv2d(x, w, 1, 'same', 'NHWC', 2), weights.params.get('c.b')!);
  assertClose(ours.dataSync() as Float32Array, direct.dataSync() as Float32Array, 'atrous forward', 1e-5);
  // The loss is linear in the weights, so central differences are exact up to rounding.
  const r = tf.tensor(randomArray(ours.size, 32), ours.shape);
  const loss = () => tf.sum(tf.mul(forward(graph, weights, x, { training: false }), r)) as TF.Scalar;
  const { grads } = tf.variableGrads(loss, [weights.params.get('c.w')!]);
  const analytic = Object.values(grads)[0].dataSync() as Float32Array;
  const base = w.dataSync().slice() as Float32Array;
  const rng = new Random(33);
  for (let probe = 0; probe < 12; probe++) {
    const i = Math.floor(rng.next() * base.length);
    const eps = 0.05;
    const at = (v: number) => {
      const moved = base.slice();
      moved[i] = v;
      weights.params.get('c.w')!.assign(tf.tensor4d(moved, w.shape));
      return loss().dataSync()[0];
    };
    const numeric = (at(base[i] + eps) - at(base[i] - eps)) / (2 * eps);
    assert.ok(Math.abs(numeric - analytic[i]) <= 2e-3 * Math.max(1, Math.abs(numeric)), `dW[${i}]: analytic ${analytic[i]} vs finite differences ${numeric}`);
  }
  weights.params.get('c.w')!.assign(tf.tensor4d(base, w.shape));
  tf.dispose([x, ours, direct, r, ...Object.values(grads)]);
});
