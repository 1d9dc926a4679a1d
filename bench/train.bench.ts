// Training throughput: the default UNet (4 levels, base width 16, 0.49M parameters) at 256x256,
// batch 4, on the wasm backend (the project's kernels, XNNPACK threads) against TensorFlow.js's
// stock pure-JS cpu backend, and against the PyTorch figure of the issue (1.13, CPU, same net
// and shape, on this kind of machine: 0.82 s per step).
//
// The cpu backend needs about half an hour for one step at that shape, so it runs one step at
// batch 1, 128x128 (1/16 of the pixels) and its time is scaled by the pixel count (convolution cost
// is linear in pixels); wasm runs that small shape too, for a like-for-like ratio. wasm runs with one
// thread and with all cores, and with all cores without the project's C++ kernels (the TypeScript
// kernels and XNNPACK, what runs where they are not built), each in a process of its own (the thread
// count is fixed when the backend starts), to show what the threads and the C++ kernels bring.
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import '@tensorflow/tfjs-backend-cpu';
import { tf } from '../src/engine/training/tf';
import { shutdownTrainingBackend, trainingBackend } from '../src/engine/training/backend';
import { buildArchitecture } from '../src/engine/training/architectures';
import { countParams } from '../src/engine/training/graph';
import { initWeights, disposeWeights } from '../src/engine/training/weights';
import { AdamW } from '../src/engine/training/optimizer';
import { trainStep } from '../src/engine/training/trainer';
import { Random } from '../src/engine/synthetic/random';

const PYTORCH_SECONDS_PER_STEP = 0.82;

interface Timing {
  wall: number;
  cpu: number;
}

function batchOf(n: number, size: number, seed: number) {
  const rng = new Random(seed);
  const images = Float32Array.from({ length: n * size * size * 3 }, () => rng.normal());
  const labels = Int32Array.from({ length: n * size * size }, () => Math.floor(rng.next() * 3));
  return { labelled: { images, labels, count: n } };
}

/** Seconds per training step (forward, loss, gradients, AdamW), averaged over `steps` after `warmup`. */
function timeSteps(backend: 'wasm' | 'cpu', n: number, size: number, warmup: number, steps: number): Timing {
  const graph = buildArchitecture('unet', { classes: 3, width: 16, depth: 4 });
  const weights = initWeights(graph, 1);
  const optimizer = new AdamW();
  const batch = batchOf(n, size, 2);
  for (let i = 0; i < warmup; i++) trainStep(graph, weights, undefined, optimizer, batch, { classes: 3 }, size, 1e-3);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) trainStep(graph, weights, undefined, optimizer, batch, { classes: 3 }, size, 1e-3);
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000 / steps;
  disposeWeights(weights);
  optimizer.dispose();
  void backend;
  return { wall, cpu: (c.user + c.system) / 1e6 / steps };
}

/** Child mode: times wasm with `threads` threads and prints the figures as JSON. */
async function child(threads: number): Promise<void> {
  const backend = await trainingBackend('wasm', threads);
  const big = timeSteps('wasm', 4, 256, 2, 5);
  const small = timeSteps('wasm', 1, 128, 2, 5);
  console.log(JSON.stringify({ label: backend.label, big, small }));
  await shutdownTrainingBackend();
}

function wasmRun(threads: number, native = true): { label: string; big: Timing; small: Timing } {
  const env = native ? process.env : { ...process.env, SEGMENT_NATIVE_KERNELS: '0' };
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--threads', String(threads)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`wasm run with ${threads} threads failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const threadsArg = process.argv.indexOf('--threads');
  if (threadsArg > 0) return child(Number(process.argv[threadsArg + 1]));
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0].model}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`model: UNet depth 4, width 16, ${countParams(buildArchitecture('unet', { classes: 3 })).toLocaleString('en-US')} parameters`);
  const threads = Math.min(8, os.cpus().length);
  const one = wasmRun(1);
  const all = wasmRun(threads);
  const typescript = wasmRun(threads, false);
  const { big, small } = all;
  const backend = { label: all.label };
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner while the backend starts
  await tf.setBackend('cpu');
  // IS_TEST also checks every kernel for leaked data ids, which a customGrad's saved tensors trip.
  tf.env().set('IS_TEST', false);
  const cpuSmall = timeSteps('cpu', 1, 128, 0, 1);
  const cpuBig = cpuSmall.wall * 16;
  const row = (name: string, seconds: number, images: number, cpu?: number) =>
    `${name.padEnd(64)} ${seconds.toFixed(3).padStart(9)} s/step  ${(images / seconds).toFixed(2).padStart(8)} images/s${cpu !== undefined ? `  (${cpu.toFixed(2)} CPU-s/step)` : ''}`;
  console.log('');
  console.log(row(`wasm, ${one.label}, batch 4, 256x256`, one.big.wall, 4, one.big.cpu));
  console.log(row(`wasm, ${backend.label}, batch 4, 256x256`, big.wall, 4, big.cpu));
  console.log(row(`wasm, ${typescript.label}, batch 4, 256x256`, typescript.big.wall, 4, typescript.big.cpu));
  console.log(row('wasm, batch 1, 128x128', small.wall, 1, small.cpu));
  console.log(row('stock cpu backend, batch 1, 128x128 (1 step)', cpuSmall.wall, 1, cpuSmall.cpu));
  console.log(row('stock cpu backend, batch 4, 256x256 (scaled x16)', cpuBig, 4));
  console.log(row('PyTorch 1.13 CPU (issue figure), batch 4, 256x256', PYTORCH_SECONDS_PER_STEP, 4));
  console.log('');
  console.log(`wasm / stock cpu, same shape (batch 1, 128x128):  ${(cpuSmall.wall / small.wall).toFixed(0)}x faster`);
  console.log(`wasm / stock cpu, batch 4, 256x256 (cpu scaled):  ${(cpuBig / big.wall).toFixed(0)}x faster   (target >= 300x)`);
  console.log(`wasm / PyTorch, batch 4, 256x256:                 ${(big.wall / PYTORCH_SECONDS_PER_STEP).toFixed(2)}x the time   (goal <= 2x)`);
  console.log(`wasm threads, batch 4, 256x256:                   ${(one.big.wall / big.wall).toFixed(2)}x faster with ${threads} threads than with 1`);
  console.log(`C++ kernels, batch 4, 256x256:                    ${(typescript.big.wall / big.wall).toFixed(2)}x faster than the TypeScript kernels and XNNPACK`);
}

void main();
