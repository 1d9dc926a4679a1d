/** A worker thread that finishes predictions (scores.ts) while the model runs on the main thread. */
import { parentPort } from 'node:worker_threads';
import { finishPrediction, FinishJob } from './scores';

parentPort?.on('message', ({ id, job }: { id: number; job: FinishJob }) => {
  try {
    const result = finishPrediction(job);
    parentPort!.postMessage({ id, result }, [result.png.buffer as ArrayBuffer]);
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
