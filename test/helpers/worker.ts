/** A real worker process (dist/worker.js) for a test, stopped when the test ends. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/workerClient';
import { REPO } from './cli';

export const WORKER = path.join(REPO, 'dist', 'worker.js');

export function startWorker(t: { after(fn: () => void): void }): WorkerClient {
  assert.ok(existsSync(WORKER), `${WORKER} is missing: run "npm run build" first`);
  const c = new WorkerClient(WORKER);
  t.after(() => c.dispose());
  return c;
}
