/** A worker thread that finishes and writes pre-labels while the model runs on the main thread. */
import { parentPort } from 'node:worker_threads';
import { FinishTask, runFinishTask } from './finishTask';

parentPort?.on('message', ({ id, task }: { id: number; task: FinishTask }) => {
  try {
    parentPort!.postMessage({ id, outcome: runFinishTask(task) });
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
