import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { JobFailedError } from '../../src/extension/workerClient';
import { startWorker } from '../helpers/worker';
import { REPO } from '../helpers/cli';
import { SAMPLE } from '../helpers/dataset';

const client = startWorker;

test('a ping job makes the round trip to a real worker process', async (t) => {
  const worker = client(t);
  const result = await worker.run('ping', { echo: 'hello' });
  assert.equal(result.echo, 'hello');
  assert.notEqual(result.pid, process.pid, 'the job ran in another process');
  assert.equal(result.pid, worker.pid);
  const again = await worker.run('ping', { echo: 'again' });
  assert.equal(again.pid, result.pid, 'the worker stays warm between jobs');
});

test('progress events stream before the result', async (t) => {
  const worker = client(t);
  const seen: number[] = [];
  const result = await worker.run('ping', { echo: 'x', steps: 4, delayMs: 5 }, { onProgress: (p) => seen.push(p.done) });
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.equal(result.echo, 'x');
});

test('a cancelled job fails with code "cancelled" and the worker goes on', async (t) => {
  const worker = client(t);
  const controller = new AbortController();
  const started = Date.now();
  const job = worker.run('ping', { echo: 'slow', steps: 100, delayMs: 50 }, {
    signal: controller.signal,
    onProgress: (p) => p.done === 2 && controller.abort(),
  });
  await assert.rejects(job, (e: JobFailedError) => e.code === 'cancelled');
  assert.ok(Date.now() - started < 2000, 'cancel stops the job quickly');
  assert.equal((await worker.run('ping', { echo: 'next' })).echo, 'next');
});

test('a crash of the worker fails its job clearly, and the next job starts a new worker', async (t) => {
  const worker = client(t);
  const first = await worker.run('ping', { echo: 'a' });
  const job = worker.run('ping', { echo: 'doomed', steps: 100, delayMs: 50 }, {
    onProgress: (p) => p.done === 1 && process.kill(first.pid, 'SIGKILL'),
  });
  await assert.rejects(job, (e: JobFailedError) => e.code === 'crashed' && /killed by SIGKILL/.test(e.message) && /next job starts a new one/.test(e.message));
  const next = await worker.run('ping', { echo: 'b' });
  assert.notEqual(next.pid, first.pid);
});

test('engine jobs run in the worker: stats and locate', async (t) => {
  const worker = client(t);
  const stats = await worker.run('stats', { root: SAMPLE });
  assert.equal(stats.images, 32);
  assert.equal(stats.labelled, 24);
  const located = await worker.run('locate', { image: path.join(SAMPLE, 'images', 'df_003.jpg') });
  assert.equal(located.dataset?.root, SAMPLE);
  assert.equal(located.dataset?.item.mask, 'masks/df_003.png');
  assert.equal(located.dataset?.index, 2);
  assert.equal(located.dataset?.count, 32);
  const outside = await worker.run('locate', { image: path.join(REPO, 'package.json') });
  assert.equal(outside.dataset, undefined);
});

test('a job with bad input fails with the engine message and code "bad-input"', async (t) => {
  const worker = client(t);
  await assert.rejects(worker.run('stats', { root: '/no/such/folder' }), (e: JobFailedError) => e.code === 'bad-input' && /dataset folder not found/.test(e.message));
});
