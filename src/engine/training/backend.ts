/**
 * Picks the TensorFlow.js backend that trains, once per process: @tensorflow/tfjs-node-gpu (CUDA)
 * -> @tensorflow/tfjs-node (native CPU) -> the wasm backend with the project's kernels and threads
 * -> a clear refusal. The pure-JS cpu backend is never used for training: it is thousands of times
 * slower than PyTorch on convolution gradients and its nearest-resize gradient is wrong for
 * batches larger than one. The native packages are optional installs (`npm run gpu:install`),
 * looked up beside the extension and in the folders of SEGMENT_NATIVE_MODULES.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendChoice } from '../../core/training';
import { tf, Tf, useTf } from './tf';
import { startWasm } from './wasmBackend';
import { nativeKernelsError } from './nativeKernels';

export interface TrainingBackend {
  /** What the user sees: 'tensorflow-gpu (tfjs-node-gpu)', 'wasm (SIMD, 2 threads)'. */
  label: string;
  kind: 'tensorflow-gpu' | 'tensorflow' | 'wasm';
  threads?: number;
  /** Each backend tried before, with why it was passed over. */
  skipped: { name: string; reason: string }[];
}

let active: Promise<TrainingBackend> | undefined;
let activeChoice: string | undefined;

export class NoBackendError extends Error {
  override name = 'NoBackendError';
}

/** Loads an optional native package, or says why it could not be. */
function requireOptional(name: string): { module?: unknown; reason?: string } {
  const dirs = (process.env.SEGMENT_NATIVE_MODULES ?? '').split(path.delimiter).filter(Boolean);
  const attempts = [name, ...dirs.map((d) => path.join(d, 'node_modules', name))];
  let reason = 'not installed (npm run gpu:install adds it where a network exists)';
  for (const id of attempts) {
    try {
      // A require esbuild leaves alone (the packages are external there as well).
      return { module: createRequire(__filename)(id) };
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND' || !String(err.message).includes(name)) reason = `failed to load: ${err.message.split('\n')[0]}`;
    }
  }
  return { reason };
}

async function tryNative(name: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<{ ok: true } | { ok: false; reason: string }> {
  const loaded = requireOptional(name);
  if (!loaded.module) return { ok: false, reason: loaded.reason! };
  const ns = loaded.module as Tf;
  try {
    if (!(await ns.setBackend('tensorflow'))) return { ok: false, reason: 'its backend did not start' };
    useTf(ns);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

export function defaultThreads(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(8, cores));
}

/** Starts (once) and returns the training backend. A later call with another choice is refused. */
export function trainingBackend(choice: BackendChoice = 'auto', threads = defaultThreads()): Promise<TrainingBackend> {
  const key = `${choice}/${threads}`;
  if (active) {
    if (activeChoice !== key && choice !== 'auto') {
      return active.then((b) => {
        if ((choice === 'wasm') !== (b.kind === 'wasm')) throw new NoBackendError(`this process already trains on ${b.label}; start a new one for ${choice}`);
        return b;
      });
    }
    return active;
  }
  activeChoice = key;
  active = start(choice, threads);
  active.catch(() => {
    active = undefined;
  });
  return active;
}

async function start(choice: BackendChoice, threads: number): Promise<TrainingBackend> {
  const skipped: TrainingBackend['skipped'] = [];
  if (choice !== 'wasm') {
    for (const [name, kind] of [['@tensorflow/tfjs-node-gpu', 'tensorflow-gpu'], ['@tensorflow/tfjs-node', 'tensorflow']] as const) {
      const r = await tryNative(name);
      if (r.ok) return { label: `${kind} (${name.replace('@tensorflow/', '')})`, kind, skipped };
      skipped.push({ name, reason: r.reason });
    }
    if (choice === 'tensorflow') {
      throw new NoBackendError(`no native TensorFlow backend: ${skipped.map((s) => `${s.name} ${s.reason}`).join('; ')}`);
    }
  }
  try {
    const wasm = await startWasm(threads);
    const why = nativeKernelsError();
    if (why) skipped.push({ name: 'the C++ training kernels', reason: why });
    return { label: `wasm (${wasm.simd ? 'SIMD' : 'no SIMD'}, ${wasm.threads} thread${wasm.threads === 1 ? '' : 's'}${wasm.native ? ', C++ kernels' : ''})`, kind: 'wasm', threads: wasm.threads, skipped };
  } catch (e) {
    skipped.push({ name: '@tensorflow/tfjs-backend-wasm', reason: (e as Error).message });
  }
  throw new NoBackendError(
    'no TensorFlow.js backend can train here: ' +
      skipped.map((s) => `${s.name}: ${s.reason}`).join('; ') +
      '. (The pure-JavaScript cpu backend is not used: it is thousands of times too slow for convolution gradients.)',
  );
}

/**
 * Stops the backend's threads so the process can exit (the wasm backend's pthreads keep Node's
 * event loop alive). The backend cannot be used again in this process afterwards.
 */
export async function shutdownTrainingBackend(): Promise<void> {
  if (!active) return;
  const backend = await active.catch(() => undefined);
  active = undefined;
  activeChoice = undefined;
  if (backend?.kind === 'wasm') tf.removeBackend('wasm');
}
