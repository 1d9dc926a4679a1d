/**
 * The project's C++ training kernels (native/: convolution, its filter gradient, batch norm and its
 * gradient), built by esbuild.mjs into dist/training-kernels.node with g++. They work in place on
 * the wasm backend's heap. Optional: where they were not built (no compiler, another platform) or
 * fail to load, the TypeScript kernels of wasmKernels.ts and forward.ts run instead.
 * SEGMENT_NATIVE_KERNELS=0 turns them off.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const NATIVE_KERNELS_FILE = 'training-kernels.node';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

interface Binding {
  conv(x: Float32Array, w: Float32Array, y: Float32Array, geometry: Int32Array, threads: number): void;
  filterGradient(x: Float32Array, dy: Float32Array, out: Float32Array, geometry: Int32Array, threads: number): void;
  batchNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, mean: Float32Array, variance: Float32Array, relu: boolean, threads: number): void;
  batchNormGradient(
    x: Float32Array, y: Float32Array, dy: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array,
    dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array, relu: boolean, threads: number,
  ): void;
}

export interface NativeKernels {
  file: string;
  /** The output (NHWC) of an NHWC convolution with an HWIO filter, with `threads` threads. */
  conv(x: Float32Array, w: Float32Array, y: Float32Array, g: ConvGeometry, threads: number): void;
  /** dW (HWIO) of an NHWC convolution from its input and dy, with `threads` threads. */
  filterGradient(x: Float32Array, dy: Float32Array, out: Float32Array, g: ConvGeometry, threads: number): void;
  /** Batch norm with the batch's statistics (+ ReLU) over NHWC x: y, and the channels' means and biased variances. */
  batchNorm: Binding['batchNorm'];
  /** Its gradient: dx, dgamma and dbeta. */
  batchNormGradient: Binding['batchNormGradient'];
}

let loaded: { kernels?: NativeKernels; error?: string } | undefined;

/** Where the built module is: beside the bundle (dist/, in the VSIX) or in the repository's dist/ (tests from source). */
function candidates(): string[] {
  return [__dirname, path.join(__dirname, '..'), path.join(__dirname, '..', '..', '..', 'dist')].map((dir) => path.join(dir, NATIVE_KERNELS_FILE));
}

/** The native kernels, or undefined (see `nativeKernelsError` for why). Loaded once. */
export function nativeKernels(): NativeKernels | undefined {
  loaded ??= load();
  return loaded.kernels;
}

/** Why the native kernels are not in use, or undefined when they are. */
export function nativeKernelsError(): string | undefined {
  loaded ??= load();
  return loaded.error;
}

function load(): { kernels?: NativeKernels; error?: string } {
  if (process.env.SEGMENT_NATIVE_KERNELS === '0') return { error: 'turned off by SEGMENT_NATIVE_KERNELS=0' };
  const file = candidates().find((f) => fs.existsSync(f));
  if (!file) return { error: `${NATIVE_KERNELS_FILE} was not built (esbuild.mjs builds it where g++ and Node's headers exist)` };
  try {
    const module = { exports: {} as Binding };
    process.dlopen(module, file);
    const binding = module.exports;
    const packed = (g: ConvGeometry) => Int32Array.of(g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kh, g.kw, g.sh, g.sw, g.top, g.left);
    return {
      kernels: {
        file,
        conv: (x, w, y, g, threads) => binding.conv(x, w, y, packed(g), threads),
        filterGradient: (x, dy, out, g, threads) => binding.filterGradient(x, dy, out, packed(g), threads),
        batchNorm: binding.batchNorm,
        batchNormGradient: binding.batchNormGradient,
      },
    };
  } catch (e) {
    return { error: `${file} did not load: ${(e as Error).message}` };
  }
}
