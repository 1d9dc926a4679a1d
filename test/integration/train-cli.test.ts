/**
 * `segment train` as users run it: the built CLI in a child process, its --json events and final
 * object, bad arguments, SIGINT, and the backend chain's fallback and refusal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CLI, REPO, runCli } from '../helpers/cli';
import { SAMPLE, tempDir } from '../helpers/dataset';

const TINY = ['--width', '8', '--depth', '3', '--size', '128', '--batch', '4'];

test('segment train --json streams step and epoch events and ends with the DESIGN.md done object', async (t) => {
  const out = tempDir(t);
  const run = await runCli(['train', SAMPLE, ...TINY, '--steps', '4', '--val-every', '2', '--seed', '3', '--labelled-fraction', '0.5', '--semi', 'fixmatch', '--out', out, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const progress = run.events.filter((e) => e.event === 'progress');
  const start = progress.find((e) => e.kind === 'start')!;
  assert.match(start.backend, /^wasm/);
  // No native TensorFlow here: the start event says why each faster backend was passed over.
  assert.ok(start.backendsPassedOver.some((s: string) => s.startsWith('@tensorflow/tfjs-node-gpu: ')), start.backendsPassedOver.join('; '));
  assert.ok(start.backendsPassedOver.some((s: string) => s.startsWith('@tensorflow/tfjs-node: ')), start.backendsPassedOver.join('; '));
  assert.equal(start.trainImages, 7, 'half of the 14 training masks');
  assert.equal(start.semi, 'fixmatch');
  const steps = progress.filter((e) => e.kind === 'step');
  assert.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4]);
  for (const s of steps) for (const k of ['epoch', 'loss', 'lr', 'imagesPerSecond', 'secondsLeft', 'unsupervisedLoss']) assert.equal(typeof s[k], 'number', k);
  const epochs = progress.filter((e) => e.kind === 'epoch');
  assert.deepEqual(epochs.map((e) => e.step), [2, 4]);
  assert.ok(epochs.every((e) => e.valMIoU >= 0 && e.valMIoU <= 1 && e.perClass.length === 3));
  const done = run.done!;
  assert.equal(done.command, 'train');
  for (const k of ['model', 'backend']) assert.equal(typeof done[k], 'string', k);
  for (const k of ['valMIoU', 'imagesPerSecond', 'steps']) assert.equal(typeof done[k], 'number', k);
  assert.equal(done.steps, 4);
  assert.equal(done.model, path.join(out, 'model.onnx'));
  assert.ok(existsSync(done.model) && existsSync(path.join(out, 'model.json')));
});

test('segment train refuses bad arguments with exit code 2', async () => {
  for (const args of [
    ['--arch', 'resnet'],
    ['--steps', 'many'],
    ['--labelled-fraction', '0'],
    ['--labelled-fraction', '1.5'],
    ['--semi', 'meanteacher'],
    ['--size', '100'],
  ]) {
    const run = await runCli(['train', SAMPLE, ...args]);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(args[0].replace(/-/g, '\\-')));
  }
  const missing = await runCli(['train', path.join(REPO, 'no-such-dataset'), '--json']);
  assert.equal(missing.code, 2);
  assert.match(missing.events[0].message, /dataset folder not found/);
});

test('SIGINT stops after the current step with the checkpoint and the model on disk (exit 1, stopped)', async (t) => {
  const out = tempDir(t);
  const child = spawn(process.execPath, [CLI, 'train', SAMPLE, ...TINY, '--steps', '200', '--val-every', '3', '--out', out, '--json'], { cwd: REPO });
  let stdout = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    stdout += d;
    // Interrupt once the first validation has written a checkpoint.
    if (!sent && stdout.includes('"kind":"epoch"')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const done = events.find((e) => e.event === 'done');
  assert.equal(code, 1);
  assert.equal(done.stopped, true);
  assert.ok(done.steps >= 3 && done.steps < 200, `stopped at step ${done.steps}`);
  const lastStep = events.filter((e) => e.kind === 'step').pop();
  assert.equal(lastStep.step, done.steps, 'no step started after the interrupt finished');
  for (const f of ['last.ckpt', 'best.ckpt', 'model.onnx', 'model.json']) assert.ok(existsSync(path.join(out, f)), f);
  assert.equal(JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')).training.steps, done.steps);
});

test('the backend chain falls back to wasm when tfjs-node-gpu and tfjs-node are missing, and refuses clearly when nothing can train', async (t) => {
  const out = tempDir(t);
  const auto = await runCli(['train', SAMPLE, ...TINY, '--steps', '1', '--out', out, '--json']);
  assert.equal(auto.code, 0, auto.stderr);
  assert.match(auto.done!.backend, /^wasm \(SIMD, \d+ threads?, C\+\+ kernels\)$/);
  // Without the C++ kernels (not built, or turned off) the TypeScript ones train, and the label says so.
  const typescript = await runCli(['train', SAMPLE, ...TINY, '--steps', '1', '--out', out, '--json'], { env: { SEGMENT_NATIVE_KERNELS: '0' } });
  assert.equal(typescript.code, 0, typescript.stderr);
  assert.match(typescript.done!.backend, /^wasm \(SIMD, \d+ threads?\)$/);
  const native = await runCli(['train', SAMPLE, ...TINY, '--steps', '1', '--backend', 'tensorflow', '--out', out, '--json']);
  assert.equal(native.code, 2);
  assert.match(native.events[0].message, /@tensorflow\/tfjs-node-gpu not installed.*@tensorflow\/tfjs-node not installed/);
  // Without the wasm binaries nothing is left: a refusal that says why, never the pure-JS cpu backend.
  const refused = await runCli(['train', SAMPLE, ...TINY, '--steps', '1', '--out', out, '--json'], { env: { SEGMENT_WASM_DIR: tempDir(t) } });
  assert.equal(refused.code, 2);
  assert.match(refused.events[0].message, /no TensorFlow\.js backend can train here/);
  assert.match(refused.events[0].message, /wasm binaries/);
  assert.match(refused.events[0].message, /cpu backend is not used/);
});
