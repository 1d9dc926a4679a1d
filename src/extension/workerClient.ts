/**
 * The extension host's handle on the worker process: starts it on first need, keeps it warm,
 * runs typed jobs with progress and cancel, and restarts it after a crash. No `vscode` import,
 * so integration tests drive it with a real child process.
 */
import { ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { JobError, JobKind, JobParams, JobProgress, JobResult, WorkerToHost } from '../core/protocol';

export class JobFailedError extends Error {
  readonly code: JobError['code'];
  constructor(error: JobError) {
    super(error.message);
    this.name = 'JobFailedError';
    this.code = error.code;
  }
}

export interface RunOptions {
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
}

/**
 * Folders the workers search for optional native packages (SEGMENT_NATIVE_MODULES: each holds a
 * node_modules), shared by every WorkerClient. Set by the GPU install; a worker started before a
 * change is replaced when it is next idle, so its training backend and onnxruntime are chosen again.
 */
let nativeModuleFolders: string[] = [];

export function setNativeModuleFolders(folders: string[]): void {
  nativeModuleFolders = [...folders];
}

/** The worker's environment: the host's, with the native module folders put first in SEGMENT_NATIVE_MODULES. */
export function workerEnv(base: NodeJS.ProcessEnv = process.env, folders = nativeModuleFolders): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ELECTRON_RUN_AS_NODE: '1' };
  const joined = [...folders, ...(base.SEGMENT_NATIVE_MODULES ?? '').split(path.delimiter)].filter(Boolean);
  if (joined.length) env.SEGMENT_NATIVE_MODULES = [...new Set(joined)].join(path.delimiter);
  return env;
}

interface PendingJob {
  child: ChildProcess;
  resolve(result: unknown): void;
  reject(error: Error): void;
  onProgress?: (progress: JobProgress) => void;
}

export class WorkerClient {
  private child: ChildProcess | undefined;
  private readonly jobs = new Map<number, PendingJob>();
  private nextId = 1;
  private stderrTail = '';
  /** SEGMENT_NATIVE_MODULES the running child was started with. */
  private childNativeModules: string | undefined;

  /** `workerPath` is dist/worker.js; `log` receives the worker's stderr and life events. */
  constructor(private readonly workerPath: string, private readonly log: (line: string) => void = () => {}) {}

  /** The worker's pid, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  run<K extends JobKind>(kind: K, params: JobParams<K>, options: RunOptions = {}): Promise<JobResult<K>> {
    if (options.signal?.aborted) return Promise.reject(new JobFailedError({ message: 'cancelled', code: 'cancelled' }));
    const child = this.ensureStarted();
    const id = this.nextId++;
    return new Promise<JobResult<K>>((resolve, reject) => {
      const onAbort = () => child.connected && child.send({ type: 'cancel', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        options.signal?.removeEventListener('abort', onAbort);
        this.jobs.delete(id);
        fn(v);
      };
      this.jobs.set(id, { child, resolve: settle(resolve as (v: unknown) => void), reject: settle(reject), onProgress: options.onProgress });
      child.send({ type: 'start', id, kind, params } as never);
    });
  }

  dispose(): void {
    const child = this.child;
    this.child = undefined;
    child?.kill();
    if (child) this.failJobsOf(child, { message: 'the worker was stopped', code: 'cancelled' });
  }

  private ensureStarted(): ChildProcess {
    // execPath is Electron in desktop VS Code: ELECTRON_RUN_AS_NODE makes it a plain Node.
    const env = workerEnv();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      const busy = [...this.jobs.values()].some((job) => job.child === this.child);
      if (busy || this.childNativeModules === env.SEGMENT_NATIVE_MODULES) return this.child;
      this.log('restarting the worker: native modules changed');
      this.child.kill();
    }
    this.stderrTail = '';
    this.childNativeModules = env.SEGMENT_NATIVE_MODULES;
    const child = fork(this.workerPath, [], {
      execPath: process.execPath,
      env,
      serialization: 'advanced', // structured clone: typed arrays cross as binary, not JSON
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    this.log(`worker started (pid ${child.pid})`);
    child.stdout?.on('data', (d: Buffer) => this.log(d.toString().trimEnd()));
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrTail = (this.stderrTail + text).slice(-2000);
      this.log(text.trimEnd());
    });
    child.on('message', (m: WorkerToHost) => this.onMessage(m));
    child.on('error', (e) => this.log(`worker error: ${e.message}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.log(`worker ${how}`);
      const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
      this.failJobsOf(child, { message: `the worker process ${how}${tail ? `: ${tail}` : ''}; the next job starts a new one`, code: 'crashed' });
    });
    return child;
  }

  private onMessage(message: WorkerToHost): void {
    if (message.type === 'ready') return;
    const job = this.jobs.get(message.id);
    if (!job) return;
    if (message.type === 'progress') job.onProgress?.(message.progress);
    else if (message.type === 'done') job.resolve(message.result);
    else job.reject(new JobFailedError(message.error));
  }

  private failJobsOf(child: ChildProcess, error: JobError): void {
    for (const job of [...this.jobs.values()]) if (job.child === child) job.reject(new JobFailedError(error));
  }
}
