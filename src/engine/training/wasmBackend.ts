/**
 * Starts TensorFlow.js's wasm backend in Node with SIMD, XNNPACK threads and the project's kernels.
 *
 * tfjs-backend-wasm turns threads off in Node (tensorflow/tfjs#3830): its pthread workers are
 * started from Blob URLs, which Node's worker_threads cannot load. The Emscripten glue itself
 * supports Node, so we write the two scripts a pthread worker needs to a temporary folder and hand
 * their paths over instead of Blob URLs. tfjs also caps the pool at half the logical cores
 * (assuming hyper-threading), so during start-up `os.cpus()` reports enough cores for the count asked.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { registerWasmKernels, useNativeKernels } from './wasmKernels';

const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Where the .wasm binaries are: beside the bundle (dist/, in the VSIX) or in node_modules (tests). */
export function wasmDirectory(): string {
  // SEGMENT_WASM_DIR pins the folder (packagers; tests of the refusal).
  if (process.env.SEGMENT_WASM_DIR) {
    const dir = process.env.SEGMENT_WASM_DIR;
    if (!WASM_FILES.every((f) => fs.existsSync(path.join(dir, f)))) throw new Error(`the TensorFlow.js wasm binaries (${WASM_FILES.join(', ')}) are not in SEGMENT_WASM_DIR=${dir}`);
    return dir;
  }
  const candidates = [__dirname, path.join(__dirname, '..'), path.join(__dirname, '..', '..', '..', 'dist')];
  try {
    candidates.push(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // not installed beside us: the bundle's own copy must be there
  }
  const found = candidates.find((dir) => WASM_FILES.every((f) => fs.existsSync(path.join(dir, f))));
  if (!found) throw new Error(`the TensorFlow.js wasm binaries (${WASM_FILES.join(', ')}) are missing; looked in ${candidates.join(', ')}`);
  return found;
}

export interface WasmStart {
  threads: number;
  simd: boolean;
  /** The project's C++ training kernels run (nativeKernels.ts). */
  native: boolean;
}

/** Writes the pthread worker's scripts (once per content) and returns the worker script's path. */
function writeThreadScripts(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as (...a: unknown[]) => unknown;
  const mainScript = `var WasmBackendModuleThreadedSimd = ${factory.toString()}`;
  const hash = createHash('sha1').update(mainScript).update(wasmWorkerContents).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `segment-studio-tfjs-wasm-${hash}`);
  const mainFile = path.join(dir, 'main.js');
  const workerFile = path.join(dir, 'worker.js');
  // The worker is given the main script as a Blob; point it at the file instead.
  const worker = `${wasmWorkerContents.replace(/\n/g, '\\n')}
;(function () {
  var handle = self.onmessage;
  self.onmessage = function (e) {
    if (e.data && e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string') e.data.urlOrBlob = ${JSON.stringify(mainFile)};
    return handle(e);
  };
})();
`;
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of [[mainFile, mainScript], [workerFile, worker]] as const) {
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  }
  return workerFile;
}

/**
 * Makes 'wasm' the active backend. `threads` > 1 asks for XNNPACK threads (falls back to one
 * thread if they cannot start). Returns what runs.
 */
export async function startWasm(threads: number): Promise<WasmStart> {
  registerWasmKernels();
  wasmBackend.setWasmPaths(wasmDirectory() + path.sep);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const wantThreads = threads > 1 && simd && typeof SharedArrayBuffer === 'function';
  const listeners = { uncaught: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
  let ok = false;
  if (wantThreads) {
    const workerFile = writeThreadScripts();
    const realCreate = URL.createObjectURL;
    // The real module object (an `import * as` namespace is a copy), as Emscripten's require('os') sees it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const osModule = require('node:os') as { cpus: typeof os.cpus };
    const realCpus = osModule.cpus;
    URL.createObjectURL = ((obj: Blob) => (obj.type === 'application/javascript' ? workerFile : realCreate(obj))) as typeof URL.createObjectURL;
    osModule.cpus = () => Array.from({ length: threads * 2 }, () => realCpus()[0]);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmBackend.setThreadsCount(threads);
    try {
      ok = await tf.setBackend('wasm');
    } finally {
      osModule.cpus = realCpus;
    }
    // Workers started later (the pool grows on demand) still need the file path.
    if (!ok) URL.createObjectURL = realCreate;
  }
  if (!ok) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    ok = await tf.setBackend('wasm');
  }
  // Emscripten installs handlers that re-throw every uncaught error with its whole minified source;
  // the process's own error handling stays in charge.
  for (const l of process.listeners('uncaughtException')) if (!listeners.uncaught.includes(l)) process.off('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!listeners.rejection.includes(l)) process.off('unhandledRejection', l);
  if (!ok) throw new Error('the TensorFlow.js wasm backend did not start');
  const count = wasmBackend.getThreadsCount();
  return { threads: count, simd, native: useNativeKernels(true, threads > 1 ? Math.max(count, threads) : 1) };
}
