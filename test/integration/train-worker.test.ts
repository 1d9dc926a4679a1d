/**
 * The train job in a real worker process (as the extension runs it): streamed events, Stop, and a
 * worker crash that fails the job while the checkpoint survives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { JobFailedError, WorkerClient } from '../../src/extension/workerClient';
import { TrainEvent } from '../../src/core/training';
import { REPO } from '../helpers/cli';
import { SAMPLE, tempDir } from '../helpers/dataset';

const WORKER = path.join(REPO, 'dist', 'worker.js');
const TINY = { width: 8, depth: 3, size: 128, batch: 4 };

function client(t: { after(fn: () => void): void }): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run "npm run build" first`);
  const c = new WorkerClient(WORKER);
  t.after(() => c.dispose());
  return c;
}

test('the train job streams its events to the host, and Stop ends it with the best model exported', async (t) => {
  const worker = client(t);
  const out = tempDir(t);
  const controller = new AbortController();
  const events: TrainEvent[] = [];
  const result = await worker.run('train', { root: SAMPLE, ...TINY, steps: 300, valEvery: 2, previews: 1, out }, {
    signal: controller.signal,
    onProgress: (p) => {
      if (!p.train) return;
      events.push(p.train);
      if (p.train.kind === 'epoch' && p.train.step === 4) controller.abort();
    },
  });
  assert.equal(result.stopped, true);
  // Stop reaches the worker while step 5 (or, on a busy machine, 6) runs: that step finishes, no other starts.
  assert.ok(result.steps >= 4 && result.steps <= 6, `stopped at step ${result.steps}`);
  assert.ok(existsSync(result.model));
  const epoch = events.find((e) => e.kind === 'epoch');
  assert.ok(epoch && epoch.kind === 'epoch' && epoch.previews?.length === 1);
  // Binary previews cross the process boundary as bytes, not as JSON.
  assert.ok(epoch.kind === 'epoch' && epoch.previews![0].image instanceof Uint8Array);
  // The worker goes on serving jobs.
  assert.equal((await worker.run('ping', { echo: 'after' })).echo, 'after');
});

test('a worker crash fails the training job clearly and the last checkpoint survives', async (t) => {
  const worker = client(t);
  const out = tempDir(t);
  const { pid } = await worker.run('ping', { echo: 'x' });
  const job = worker.run('train', { root: SAMPLE, ...TINY, steps: 300, valEvery: 2, out }, {
    onProgress: (p) => {
      if (p.train?.kind === 'epoch') process.kill(pid, 'SIGKILL');
    },
  });
  await assert.rejects(job, (e: JobFailedError) => e.code === 'crashed' && /killed by SIGKILL/.test(e.message));
  assert.ok(existsSync(path.join(out, 'last.ckpt')), 'the checkpoint written before the crash is intact');
  assert.ok(existsSync(path.join(out, 'best.ckpt')));
});
