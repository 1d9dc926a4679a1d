/**
 * The onnxruntime-node that inference uses: the copy in a SEGMENT_NATIVE_MODULES folder when that copy
 * holds the CUDA provider ("Segment: Install GPU Acceleration" puts one in the extension's storage),
 * else the one shipped beside the extension (CPU, plus CUDA after `npm run gpu:install` in a checkout).
 * Only one copy may load in a process: both bind to a library named libonnxruntime.so.1, and the
 * loader would tie a second binding to the first library, whose folder lacks the provider.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';

const CUDA_PROVIDER = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';

/** The folder of an onnxruntime-node package that has the CUDA provider, among SEGMENT_NATIVE_MODULES. */
export function installedOrtWithCuda(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.SEGMENT_NATIVE_MODULES ?? '').split(path.delimiter).filter(Boolean)) {
    const pkg = path.join(dir, 'node_modules', 'onnxruntime-node');
    if (existsSync(path.join(pkg, 'bin', 'napi-v6', process.platform, process.arch, CUDA_PROVIDER))) return pkg;
  }
  return undefined;
}

// createRequire: a require esbuild leaves alone (onnxruntime-node is external there).
export const ort: typeof Ort = createRequire(__filename)(installedOrtWithCuda() ?? 'onnxruntime-node');
