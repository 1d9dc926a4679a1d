/**
 * The convolution gradients that TensorFlow.js's wasm backend lacks (Conv2DBackpropFilter) or runs
 * slowly (Conv2DBackpropInput, a scalar loop), computed instead with the backend's fast forward
 * convolution (XNNPACK, SIMD, threads):
 *
 *  - dX is a convolution of dy (zero-inserted between rows and columns for strides > 1) with the
 *    kernel flipped in space and transposed in channels.
 *  - dW is a convolution of the channel-major input with dy as the filter, arranged so that whole
 *    rows are the channels (see `convFilterGradient`).
 *
 * Where the project's C++ kernels are built (nativeKernels.ts), they compute dW and the forward
 * convolution (and with it dX) in place on the heap instead, several times faster: dW's reduction
 * over every pixel is a poor fit for XNNPACK's GEMM, and wasm's 128-bit SIMD leaves AVX2/AVX-512 idle.
 *
 * Inside a kernel the inputs are wrapped as tensors (after `incRef`, since disposing a wrapper
 * releases a reference), the maths runs as ordinary ops (not recorded on the gradient tape: the
 * engine is inside a kernel), and the result's data is handed over with one more reference.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';
import { ConvGeometry, NativeKernels, nativeKernels } from './nativeKernels';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

function geometry(xShape: number[], filterShape: number[], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], strides, 1, pad, dimRoundingMode,
  );
  return {
    batch: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels,
    kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left,
  };
}

/** Pads (positive) or crops (negative) `before` and `after` on one axis of a 4-D tensor. */
function padOrCrop(t: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  if (before === 0 && after === 0) return t;
  const padding: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
  padding[axis] = [Math.max(0, before), Math.max(0, after)];
  let out = padding[axis][0] || padding[axis][1] ? tf.pad(t, padding) : t;
  if (before < 0 || after < 0) {
    const begin = [0, 0, 0, 0];
    const size = [-1, -1, -1, -1];
    begin[axis] = Math.max(0, -before);
    size[axis] = out.shape[axis] - begin[axis] - Math.max(0, -after);
    out = tf.slice(out, begin, size);
  }
  return out;
}

/** Inserts `stride - 1` zeros between rows (axis 1) or columns (axis 2): [.., n, ..] -> [.., (n-1)*s+1, ..]. */
function zeroInsert(t: tf.Tensor4D, axis: 1 | 2, stride: number): tf.Tensor4D {
  if (stride === 1) return t;
  const [b, h, w, c] = t.shape;
  const n = axis === 1 ? h : w;
  const expanded = axis === 1 ? tf.reshape(t, [b, h, 1, w, c]) : tf.reshape(t, [b, h, w, 1, c]);
  const zerosShape = axis === 1 ? [b, h, stride - 1, w, c] : [b, h, w, stride - 1, c];
  const interleaved = tf.concat([expanded, tf.zeros(zerosShape)], axis + 1);
  const flat = axis === 1 ? tf.reshape(interleaved, [b, h * stride, w, c]) : tf.reshape(interleaved, [b, h, w * stride, c]);
  const size = [b, h, w, c];
  size[axis] = (n - 1) * stride + 1;
  return tf.slice(flat, [0, 0, 0, 0], size) as tf.Tensor4D;
}

/** Gradient of a convolution with respect to its input. */
export function convInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor4D {
  const g = geometry(inputShape, filter.shape, strides, pad, dimRoundingMode);
  return tf.tidy(() => {
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    // Stride 1 with centred padding: the input gradient is a 'same' convolution, no pad pass needed.
    if (g.sh === 1 && g.sw === 1 && g.outH === g.inH && g.outW === g.inW && 2 * g.top === g.kh - 1 && 2 * g.left === g.kw - 1) {
      return tf.conv2d(dy, flipped, 1, 'same');
    }
    let d = zeroInsert(zeroInsert(dy, 1, g.sh), 2, g.sw);
    // A full correlation with the flipped kernel, cropped to the input: pad kh-1-top before, and
    // whatever makes the output exactly inH after.
    const padTop = g.kh - 1 - g.top;
    const padLeft = g.kw - 1 - g.left;
    d = padOrCrop(d, 1, padTop, g.inH + g.kh - 1 - d.shape[1] - padTop);
    d = padOrCrop(d, 2, padLeft, g.inW + g.kw - 1 - d.shape[2] - padLeft);
    return tf.conv2d(d, flipped, 1, 'valid');
  });
}

/** The wasm backend's view of its heap: tensors are Float32Arrays we may read and fill in place. */
interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

// Set by useNativeKernels (startWasm turns them on); the kernels below check it on every call.
const native: { kernels?: NativeKernels; threads: number } = { threads: 1 };

/**
 * Turns the C++ kernels on (with `threads` threads, the backend's count) or off (the TypeScript
 * ones then run: tests compare both). Returns whether they are in use.
 */
export function useNativeKernels(on: boolean, threads = native.threads): boolean {
  native.kernels = on ? nativeKernels() : undefined;
  native.threads = threads;
  return native.kernels !== undefined;
}

/**
 * New float32 outputs filled by `fill`, which gets their heap views and then the inputs' (taken
 * after the allocations, which may grow the heap and move views). For kernels, which return infos.
 */
function heapOutputs(backend: unknown, shapes: number[][], inputs: TensorInfo[], fill: (outs: Float32Array[], ins: Float32Array[]) => void): TensorInfo[] {
  const heap = backend as HeapBackend;
  const infos = shapes.map((shape) => heap.makeOutput(shape, 'float32'));
  fill(infos.map((info) => heap.typedArrayFromHeap(info)), inputs.map((t) => heap.typedArrayFromHeap(t)));
  return infos;
}

/** The same as tensors, for code that runs ops rather than a kernel. */
function heapTensors(shapes: number[][], inputs: tf.Tensor[], fill: (outs: Float32Array[], ins: Float32Array[]) => void): tf.Tensor[] {
  return heapOutputs(tf.backend(), shapes, inputs, fill).map((info) => tf.engine().makeTensorFromTensorInfo(info));
}

function heapTensor(shape: number[], inputs: tf.Tensor[], fill: (out: Float32Array, ...ins: Float32Array[]) => void): tf.Tensor {
  return heapTensors([shape], inputs, ([out], ins) => fill(out, ...ins))[0];
}

export interface FusedBatchNorm {
  forward(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, relu: boolean): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D };
  backward(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D, gamma: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D, relu: boolean): { dx: tf.Tensor4D; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D };
}

/**
 * Batch norm with batch statistics (+ ReLU) and its gradient in C++, each a few passes over the
 * activations instead of a dozen element-wise kernels; undefined unless the C++ kernels run on the
 * wasm backend (forward.ts then composes tfjs ops).
 */
export function nativeBatchNorm(): FusedBatchNorm | undefined {
  return native.kernels && tf.getBackend() === 'wasm' ? fusedBatchNorm : undefined;
}

const fusedBatchNorm: FusedBatchNorm = {
  forward: (x, gamma, beta, relu) => {
    const c = x.shape[3];
    const [y, mean, variance] = heapTensors([x.shape, [c], [c]], [x, gamma, beta], ([yv, m, v], [xv, g, b]) => native.kernels!.batchNorm(xv, g, b, yv, m, v, relu, native.threads));
    return { y: y as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  },
  backward: (x, y, dy, gamma, mean, variance, relu) => {
    const c = x.shape[3];
    const [dx, dGamma, dBeta] = heapTensors([x.shape, [c], [c]], [x, y, dy, gamma, mean, variance], ([d, dg, db], [xv, yv, dyv, g, m, v]) =>
      native.kernels!.batchNormGradient(xv, yv, dyv, g, m, v, d, dg, db, relu, native.threads),
    );
    return { dx: dx as tf.Tensor4D, dGamma: dGamma as tf.Tensor1D, dBeta: dBeta as tf.Tensor1D };
  },
};

/**
 * Gradient of a convolution with respect to its filter.
 *
 * dW[i,j,c,o] = sum over n,y,x of xp[n, y*sh+i, x*sw+j, c] * dy[n,y,x,o]. For each column offset j,
 * the rows of the channel-major input [c, row, (x, n)] are one long vector per row, so the sum over
 * (y, x, n) is a convolution over rows (dilated by sh) whose channels are the (x, n) pairs: with
 * hundreds of channels per tap XNNPACK runs it as a fast GEMM. The kw column offsets are stacked
 * on the batch axis, built by copying row segments on the heap.
 */
export function convFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: number | [number, number], pad: Pad, dimRoundingMode?: 'floor' | 'round' | 'ceil'): tf.Tensor4D {
  const g = geometry(x.shape, filterShape, strides, pad, dimRoundingMode);
  return tf.tidy(() => {
    const needH = (g.outH - 1) * g.sh + g.kh;
    const xt = tf.transpose(x, [3, 1, 2, 0]); // [inC, inH, inW, batch]
    const n = g.batch;
    const rowIn = g.inW * n;
    const rowOut = g.outW * n;
    // images[j, c, y, (xo, b)] = x[b, y - top, xo*sw + j - left, c], zero outside x (the padding).
    const images = heapTensor([g.kw * g.inC, needH, 1, rowOut], [xt], (out, src) => {
      for (let j = 0; j < g.kw; j++) {
        // Output columns whose source column lies inside x.
        const first = Math.max(0, Math.ceil((g.left - j) / g.sw));
        const last = Math.min(g.outW, Math.floor((g.inW - 1 + g.left - j) / g.sw) + 1);
        for (let c = 0; c < g.inC; c++) {
          for (let y = 0; y < needH; y++) {
            const to = ((j * g.inC + c) * needH + y) * rowOut;
            const sy = y - g.top;
            if (sy < 0 || sy >= g.inH || last <= first) {
              out.fill(0, to, to + rowOut);
              continue;
            }
            out.fill(0, to, to + first * n);
            out.fill(0, to + last * n, to + rowOut);
            const from = (c * g.inH + sy) * rowIn;
            if (g.sw === 1) {
              const start = from + (first + j - g.left) * n;
              out.set(src.subarray(start, start + (last - first) * n), to + first * n);
            } else {
              for (let xo = first; xo < last; xo++) {
                const f = from + (xo * g.sw + j - g.left) * n;
                for (let b = 0; b < n; b++) out[to + xo * n + b] = src[f + b];
              }
            }
          }
        }
      }
    }) as tf.Tensor4D;
    const kernel = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [g.outH, 1, rowOut, g.outC]) as tf.Tensor4D;
    const rows = tf.conv2d(images, kernel, 1, 'valid', 'NHWC', [g.sh, 1]); // [kw*inC, kh, 1, outC]
    return tf.transpose(tf.reshape(rows, [g.kw, g.inC, g.kh, g.outC]), [2, 0, 1, 3]) as tf.Tensor4D;
  });
}

/** Runs `fn` on the kernel's inputs as tensors and returns its result as the kernel's output. */
function composite(backend: KernelBackend, inputs: TensorInfo[], fn: (...t: tf.Tensor4D[]) => tf.Tensor): TensorInfo {
  const engine = tf.engine();
  const wrapped = inputs.map((info) => {
    backend.incRef(info.dataId);
    return engine.makeTensorFromTensorInfo(info) as tf.Tensor4D;
  });
  const out = tf.tidy(() => fn(...wrapped));
  tf.dispose(wrapped);
  // The returned info keeps the data alive once `out` (a tensor of this scope) is disposed.
  backend.incRef(out.dataId);
  const info: TensorInfo = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
  out.dispose();
  return info;
}

/**
 * MaxPoolGrad for 2x2 windows with stride 2 (every pooling the architectures use), on the heap in
 * one pass: the wasm kernel is a generic scalar loop. Like tfjs's reference, the gradient goes to
 * the first maximum of each window.
 */
function maxPoolGrad2x2(dy: Float32Array, x: Float32Array, out: Float32Array, n: number, h: number, w: number, c: number): void {
  const ph = h >> 1;
  const pw = w >> 1;
  const row = w * c;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
        const p01 = p00 + c;
        const p10 = p00 + row;
        const p11 = p10 + c;
        const d = ((b * ph + i) * pw + j) * c;
        for (let k = 0; k < c; k++) {
          const v00 = x[p00 + k];
          const v01 = x[p01 + k];
          const v10 = x[p10 + k];
          const v11 = x[p11 + k];
          let best = 0;
          let max = v00;
          if (v01 > max) { max = v01; best = 1; }
          if (v10 > max) { max = v10; best = 2; }
          if (v11 > max) best = 3;
          const g = dy[d + k];
          out[p00 + k] = best === 0 ? g : 0;
          out[p01 + k] = best === 1 ? g : 0;
          out[p10 + k] = best === 2 ? g : 0;
          out[p11 + k] = best === 3 ? g : 0;
        }
      }
    }
  }
}

let registered = false;

/** Registers the project's convolution gradient kernels for the wasm backend (once). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const stockMaxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  const stockResizeNearestGrad = tf.getKernel('ResizeNearestNeighborGrad', 'wasm');
  if (!stockMaxPoolGrad || !stockResizeNearestGrad) throw new Error('the wasm backend must be imported before its kernels are replaced');
  // The stock kernel's set-up (kept) binds its wasm function, used below for other pool shapes.
  replaceWasmKernel('MaxPoolGrad', (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
    const [n, h, w, c] = input.shape;
    const two = (v: number | [number, number]) => (Array.isArray(v) ? v[0] === 2 && v[1] === 2 : v === 2);
    if (!two(a.filterSize) || !two(a.strides) || a.pad !== 'valid' || h % 2 || w % 2) return stockMaxPoolGrad.kernelFunc(args);
    return heapOutputs(args.backend, [input.shape], [dy, input], ([out], [d, xv]) => maxPoolGrad2x2(d, xv, out, n, h, w, c))[0];
  });
  // Nearest upsampling by an integer factor f sends each output pixel's gradient to one input
  // pixel: the input's gradient is the sum of its f x f block, an average pool times f^2 (XNNPACK).
  replaceWasmKernel('ResizeNearestNeighborGrad', (args) => {
    const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
    const a = args.attrs as unknown as tf.ResizeNearestNeighborGradAttrs;
    const f = dy.shape[1] / images.shape[1];
    if (a.alignCorners || f !== dy.shape[2] / images.shape[2] || !Number.isInteger(f)) return stockResizeNearestGrad.kernelFunc(args);
    return composite(args.backend as KernelBackend, [dy], (d) => tf.mul(tf.avgPool(d, f, f, 'valid'), f * f));
  });
  // The engine clones every tensor a gradient saves (saveTensorsForBackwardMode): the stock kernel
  // copies it, a pass over each saved activation. Tensors are immutable, so the clone can share the
  // data, as Reshape does here and Identity does on the cpu backend.
  const stockIdentity = tf.getKernel('Identity', 'wasm');
  if (!stockIdentity) throw new Error('the wasm backend must be imported before its kernels are replaced');
  replaceWasmKernel('Identity', (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stockIdentity.kernelFunc(args);
    (args.backend as KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  // The forward convolution, which the input gradient runs on too: the C++ kernel where it is
  // built (NHWC, no dilation: the atrous convolutions go through spaceToBatchND), else XNNPACK's.
  const stockConv = tf.getKernel('Conv2D', 'wasm');
  if (!stockConv) throw new Error('the wasm backend must be imported before its kernels are replaced');
  replaceWasmKernel('Conv2D', (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DAttrs;
    const one = (v: number | [number, number]) => (Array.isArray(v) ? v[0] === 1 && v[1] === 1 : v === 1);
    if (!native.kernels || a.dataFormat === 'NCHW' || !one(a.dilations) || x.dtype !== 'float32' || filter.dtype !== 'float32') return stockConv.kernelFunc(args);
    const kernels = native.kernels;
    const g = geometry(x.shape, filter.shape, a.strides, a.pad as Pad, a.dimRoundingMode);
    return heapOutputs(args.backend, [[g.batch, g.outH, g.outW, g.outC]], [x, filter], ([out], [xv, w]) => kernels.conv(xv, w, out, g, native.threads))[0];
  });
  replaceWasmKernel('Conv2DBackpropInput', ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput (wasm): NCHW is not supported; use NHWC');
    return composite(backend as KernelBackend, [dy, filter], (d, f) => convInputGradient(d, f, a.inputShape, a.strides, a.pad as Pad, a.dimRoundingMode));
  });
  replaceWasmKernel('Conv2DBackpropFilter', ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (a.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter (wasm): NCHW is not supported; use NHWC');
    const kernels = native.kernels;
    if (kernels && x.dtype === 'float32' && dy.dtype === 'float32') {
      const g = geometry(x.shape, a.filterShape, a.strides, a.pad as Pad, a.dimRoundingMode);
      return heapOutputs(backend, [a.filterShape], [x, dy], ([out], [xv, d]) => kernels.filterGradient(xv, d, out, g, native.threads))[0];
    }
    return composite(backend as KernelBackend, [x, dy], (xx, d) => convFilterGradient(xx, d, a.filterShape, a.strides, a.pad as Pad, a.dimRoundingMode));
  });
}

/** Puts `kernelFunc` in the place of the wasm backend's kernel `name`, keeping the stock one's set-up (it binds wasm functions). */
function replaceWasmKernel(name: string, kernelFunc: tf.KernelFunc): void {
  const stock = tf.getKernel(name, 'wasm');
  if (stock) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: stock?.setupFunc, kernelFunc });
}
