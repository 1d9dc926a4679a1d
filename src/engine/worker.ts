/**
 * The background process: forked by the extension host, it runs every heavy job (models, image
 * decoding, training) so that a slow job or a native crash never touches the editor.
 */
import { HostToWorker, JobKind, WorkerToHost } from '../core/protocol';
import { DatasetError } from '../core/problems';
import { JOB_HANDLERS } from './jobs';
import { CancelledError } from './jobContext';

const running = new Map<number, AbortController>();

function send(message: WorkerToHost): void {
  process.send?.(message);
}

async function start(id: number, kind: JobKind, params: unknown): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  try {
    const handler = JOB_HANDLERS[kind] as (p: unknown, ctx: import('./jobContext').JobContext) => Promise<unknown>;
    if (!handler) throw new Error(`unknown job kind "${kind}"`);
    const result = await handler(params, {
      signal: controller.signal,
      progress: (progress) => send({ type: 'progress', id, progress }),
    });
    send({ type: 'done', id, result });
  } catch (e) {
    const err = e as Error;
    const code = e instanceof CancelledError ? 'cancelled' : e instanceof DatasetError ? 'bad-input' : 'internal';
    send({ type: 'failed', id, error: { message: err.message, code } });
    if (code === 'internal') console.error(err.stack);
  } finally {
    running.delete(id);
  }
}

process.on('message', (message: HostToWorker) => {
  if (message.type === 'start') void start(message.id, message.kind, message.params);
  else if (message.type === 'cancel') running.get(message.id)?.abort();
});

// The host going away (window closed, extension host crash) must not leave an orphan process.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid });
