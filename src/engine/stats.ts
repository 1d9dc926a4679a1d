/** `segment stats`: counts, class frequencies, image sizes and the problems of a dataset. */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DatasetStats, ClassStats } from '../core/reports';
import { DatasetItem, SPLITS } from '../core/datasetLayout';
import { Dataset } from './dataset';
import { JobContext, CancelledError, throttledProgress, throwIfCancelled } from './jobContext';
import { mergeParts, StatsPart, statsPart } from './statsPart';
import type { StatsThreadInput, StatsThreadMessage } from './statsThread';

/** Below this many items one thread is faster than starting more (each loads sharp, ~0.1 s). */
const MIN_ITEMS_PER_THREAD = 250;

/** Threads for the pixel reading: SEGMENT_STATS_THREADS, else the cores, at most 8. */
export function statsThreads(items: number): number {
  const asked = Number(process.env.SEGMENT_STATS_THREADS);
  const wanted = Number.isInteger(asked) && asked > 0 ? asked : Math.min(8, os.availableParallelism?.() ?? os.cpus().length);
  return Math.max(1, Math.min(wanted, Math.floor(items / MIN_ITEMS_PER_THREAD)));
}

export async function datasetStats(dataset: Dataset, ctx: JobContext): Promise<DatasetStats> {
  const { config, items } = dataset;
  const threads = statsThreads(items.length);
  const part = threads > 1 ? await pooledPart(dataset, threads, ctx) : await singlePart(dataset, ctx);
  throwIfCancelled(ctx);

  const classes: ClassStats[] = config.classes.map((c) => ({ id: c.id, name: c.name, color: c.color, pixels: part.pixels[c.id] ?? 0, images: part.images[c.id] ?? 0 }));
  const splits = { train: 0, val: 0, test: 0, none: 0 };
  for (const item of items) splits[item.split ?? 'none']++;
  const labelled = items.filter((i) => i.mask).length;
  const prelabelled = items.filter((i) => !i.mask && i.prelabel).length;
  return {
    root: dataset.root,
    layout: dataset.layout.kind,
    config: dataset.configSource,
    images: items.length,
    labelled,
    prelabelled,
    unlabelled: items.length - labelled - prelabelled,
    withInstances: items.filter((i) => i.instances).length,
    classes,
    ignoredPixels: part.pixels[config.ignoreIndex] ?? 0,
    sizes: Object.entries(part.sizes)
      .map(([key, count]) => {
        const [width, height] = key.split('x').map(Number);
        return { width, height, count };
      })
      .sort((a, b) => b.count - a.count || b.width * b.height - a.width * a.height),
    splits,
    progressBySplit: [...SPLITS, undefined].map((split) => progressOf(items.filter((i) => i.split === split), split ?? 'none')).filter((p) => p.labelled + p.prelabelled + p.unlabelled > 0),
    problems: [...dataset.problems, ...part.problems].sort((a, b) => a.file.localeCompare(b.file)),
  };
}

function progressOf(items: DatasetItem[], split: string) {
  const labelled = items.filter((i) => i.mask).length;
  const prelabelled = items.filter((i) => !i.mask && i.prelabel).length;
  return { split, labelled, prelabelled, unlabelled: items.length - labelled - prelabelled };
}

async function singlePart(dataset: Dataset, ctx: JobContext): Promise<StatsPart> {
  const progress = throttledProgress(ctx);
  let done = 0;
  return statsPart(dataset.root, dataset.config, dataset.items, (item) => progress({ done: ++done, total: dataset.items.length, message: item.image }), () => ctx.signal.aborted);
}

/** Splits the items over worker threads (interleaved, so slow folders spread evenly) and adds up their parts. */
function pooledPart(dataset: Dataset, threads: number, ctx: JobContext): Promise<StatsPart> {
  const total = dataset.items.length;
  const progress = throttledProgress(ctx);
  const doneBy = new Array(threads).fill(0);
  // Bundled: dist/statsThread.js beside dist/cli.js and dist/worker.js. From source (tsx): the .ts.
  const script = path.join(__dirname, __filename.endsWith('.ts') ? 'statsThread.ts' : 'statsThread.js');
  return new Promise((resolve, reject) => {
    const parts: StatsPart[] = [];
    const workers: Worker[] = [];
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      for (const w of workers) void w.terminate();
      if (error) reject(error);
      else resolve(mergeParts(parts));
    };
    const onAbort = () => finish(new CancelledError());
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    for (let t = 0; t < threads; t++) {
      const input: StatsThreadInput = { root: dataset.root, config: dataset.config, items: dataset.items.filter((_, k) => k % threads === t) };
      const worker = new Worker(script, { workerData: input });
      workers.push(worker);
      worker.on('message', (m: StatsThreadMessage) => {
        if (m.type === 'progress') {
          doneBy[t] = m.done;
          progress({ done: doneBy.reduce((a, b) => a + b, 0), total, message: m.item });
        } else {
          parts.push(m.part);
          if (parts.length === threads) finish();
        }
      });
      worker.on('error', (e) => finish(e));
      worker.on('exit', (code) => {
        if (code !== 0) finish(new Error(`a stats thread exited with code ${code}`));
      });
    }
  });
}
