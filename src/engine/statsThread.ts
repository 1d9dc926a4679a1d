/**
 * A worker thread of `segment stats`: reads its share of the items and posts progress, then its
 * part of the statistics. Built as dist/statsThread.js beside the worker and the CLI.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetItem } from '../core/datasetLayout';
import { SegmentConfig } from '../core/segmentConfig';
import { statsPart } from './statsPart';

export interface StatsThreadInput {
  root: string;
  config: SegmentConfig;
  items: DatasetItem[];
}

export type StatsThreadMessage = { type: 'progress'; done: number; item: string } | { type: 'done'; part: import('./statsPart').StatsPart };

const { root, config, items } = workerData as StatsThreadInput;
let stopped = false;
parentPort!.on('message', (m: { type: 'stop' }) => {
  if (m.type === 'stop') stopped = true;
});
let done = 0;
let last = 0;
void statsPart(root, config, items, (item) => {
  done++;
  const now = Date.now();
  if (now - last > 50 || done === items.length) {
    last = now;
    parentPort!.postMessage({ type: 'progress', done, item: item.image } satisfies StatsThreadMessage);
  }
}, () => stopped).then((part) => parentPort!.postMessage({ type: 'done', part } satisfies StatsThreadMessage));
