/**
 * Runs a pre-label job on a worker and turns its progress into images/s and time left. No
 * `vscode` import: integration tests drive it with a real worker process.
 */
import { JobProgress } from '../../core/protocol';
import { PrelabelParams, PrelabelResult } from '../../core/prelabel';
import { JobFailedError, WorkerClient } from '../workerClient';

export interface RateProgress extends JobProgress {
  /** Images per second since the model was ready (undefined before the first image). */
  imagesPerSecond?: number;
}

/**
 * After a crash of the worker, the run's half-written files are removed (by a fresh worker, which
 * also shows the next job works) before the job's error reaches the caller.
 */
export async function runPrelabelJob(
  worker: WorkerClient,
  params: PrelabelParams,
  options: { onProgress?: (p: RateProgress) => void; signal?: AbortSignal; now?: () => number } = {},
): Promise<PrelabelResult> {
  const now = options.now ?? (() => performance.now());
  let start: { at: number; done: number } | undefined;
  const job = worker.run('prelabel', params, {
    signal: options.signal,
    onProgress: (p) => {
      // The first event comes once the model is loaded: the rate counts from there.
      start ??= { at: now(), done: p.done };
      const seconds = (now() - start.at) / 1000;
      const rate = p.done > start.done && seconds > 0 ? (p.done - start.done) / seconds : undefined;
      options.onProgress?.({ ...p, imagesPerSecond: rate });
    },
  });
  const pid = worker.pid;
  try {
    return await job;
  } catch (e) {
    if (e instanceof JobFailedError && e.code === 'crashed' && pid !== undefined) {
      await worker.run('prelabelCleanup', { folder: params.folder, pid }).catch(() => {});
    }
    throw e;
  }
}
