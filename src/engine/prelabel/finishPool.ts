/**
 * Finishes pre-labels off the thread that runs the model: onnxruntime's `run()` blocks the thread
 * it is called on, so resizing, blending, statistics, PNG encoding and writing of one batch run in
 * worker threads while the model already works on the next one. (Writes done from the model's
 * thread would wait for its event loop, that is, behind the next batches.)
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FinishOutcome, FinishTask, runFinishTask } from './finishTask';

export interface Finisher {
  finish(task: FinishTask): Promise<FinishOutcome>;
  close(): Promise<void>;
}

/** Finishes on the calling thread (one image: nothing to overlap with). */
export const inlineFinisher: Finisher = {
  finish: async (task) => runFinishTask(task),
  close: async () => {},
};

/** Threads for a batch run: the cores the model leaves over, at least one, at most four. */
export function defaultFinishThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

interface Pending {
  resolve(outcome: FinishOutcome): void;
  reject(error: Error): void;
}

export class FinishPool implements Finisher {
  private readonly threads: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending & { thread: number }>();
  private nextId = 1;

  constructor(count = defaultFinishThreads()) {
    for (let i = 0; i < count; i++) {
      const worker = spawnThread();
      worker.on('message', ({ id, outcome, error }: { id: number; outcome?: FinishOutcome; error?: string }) => {
        const job = this.pending.get(id);
        if (!job) return;
        this.pending.delete(id);
        this.threads[job.thread].busy--;
        if (error !== undefined) job.reject(new Error(error));
        else job.resolve(outcome!);
      });
      worker.on('error', (e) => this.failThread(i, e));
      worker.on('exit', (code) => code !== 0 && this.failThread(i, new Error(`a finishing thread exited with code ${code}`)));
      this.threads.push({ worker, busy: 0 });
    }
  }

  /** Sends the job to the least busy thread; its buffers are transferred, not copied. */
  finish(task: FinishTask): Promise<FinishOutcome> {
    let thread = 0;
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i].busy < this.threads[thread].busy) thread = i;
    const id = this.nextId++;
    this.threads[thread].busy++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, thread });
      const parts = [...task.job.parts, ...(task.job.embedding?.parts ?? [])];
      const buffers = [...new Set(parts.map((p) => p.data.buffer as ArrayBuffer))];
      this.threads[thread].worker.postMessage({ id, task }, buffers);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
    for (const job of this.pending.values()) job.reject(new Error('the finishing threads were stopped'));
    this.pending.clear();
  }

  private failThread(thread: number, error: Error): void {
    for (const [id, job] of this.pending) {
      if (job.thread !== thread) continue;
      this.pending.delete(id);
      job.reject(error);
    }
  }
}

/** dist/finishThread.js beside the bundle; from sources (tests, benches under tsx), the .ts through tsx. */
function spawnThread(): Worker {
  const built = path.join(__dirname, 'finishThread.js');
  if (existsSync(built)) return new Worker(built);
  const source = path.join(__dirname, 'finishThread.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}
