/** What a long engine operation gets from whoever runs it (the worker or the CLI). */
import { JobProgress } from '../core/protocol';

export interface JobContext {
  signal: AbortSignal;
  progress(progress: JobProgress): void;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(ctx: JobContext): void {
  if (ctx.signal.aborted) throw new CancelledError();
}

/** A context for callers that want neither progress nor cancel. */
export function quietContext(): JobContext {
  return { signal: new AbortController().signal, progress: () => {} };
}

/** Calls `progress` at most every `intervalMs`, and always for the last step. */
export function throttledProgress(ctx: JobContext, intervalMs = 100): (p: JobProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done >= p.total || now - last >= intervalMs) {
      last = now;
      ctx.progress(p);
    }
  };
}
