/** The worker's job handlers, by kind: each one is engine code the CLI calls too. */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { JobKind, JobParams, JobResult } from '../core/protocol';
import { openDataset } from './dataset';
import { datasetStats } from './stats';
import { evaluateDataset } from './evaluate';
import { writePngPreview } from './images';
import { locateImage } from './locate';
import { listItems } from './review';
import { writeMask } from './maskEdits';
import { JobContext, throwIfCancelled } from './jobContext';
import { withModel } from './inference/modelCache';
import { cleanupAfterCrash, nextUncertain, predictImage, prelabelFolder } from './prelabel/prelabel';
import { train } from './training/trainer';
import { findRoots, indexDataset, lintDataset, rewriteMaskAsPalette } from './inspect';
import { exportDataset } from './formats/exportDataset';
import { importDataset } from './formats/importDataset';

type Handlers = { [K in JobKind]: (params: JobParams<K>, ctx: JobContext) => Promise<JobResult<K>> };

export const JOB_HANDLERS: Handlers = {
  async ping({ echo, steps = 0, delayMs = 0 }, ctx) {
    for (let step = 1; step <= steps; step++) {
      await sleep(delayMs, ctx.signal);
      throwIfCancelled(ctx);
      ctx.progress({ done: step, total: steps });
    }
    return { echo, pid: process.pid, node: process.version };
  },

  async stats({ root }, ctx) {
    return datasetStats(await openDataset(root), ctx);
  },

  async eval({ root, predictions, predInstances }, ctx) {
    return evaluateDataset(await openDataset(root), predictions, ctx, { predInstances });
  },

  async locate({ image }) {
    return locateImage(image);
  },

  async listItems({ root }) {
    return listItems(root);
  },

  async writeMask(params) {
    return writeMask(params);
  },

  async prelabel(params, ctx) {
    return withModel(params.model, params.device, (model) => prelabelFolder(params, model, ctx));
  },

  async predict(params) {
    return withModel(params.model, params.device, (model) => predictImage(params, model));
  },

  async nextUncertain({ folder }) {
    return nextUncertain(folder);
  },

  async prelabelCleanup({ folder, pid }) {
    return cleanupAfterCrash(folder, pid);
  },

  async index({ root }) {
    return indexDataset(root);
  },

  async findRoots({ folders }) {
    return { roots: await findRoots(folders) };
  },

  async lint(params, ctx) {
    return lintDataset(params, ctx);
  },

  async maskToPalette({ root, mask }) {
    return rewriteMaskAsPalette(root, mask);
  },

  async exportDataset(params, ctx) {
    return exportDataset(await openDataset(params.root), params, ctx);
  },

  async importDataset(params, ctx) {
    return importDataset(params, ctx);
  },

  async previewImage({ path: file, cacheDir }) {
    const stat = await fs.stat(file);
    // Keyed by path, size and time, so an edited file gets a new preview and the old one is reused otherwise.
    const key = createHash('sha1').update(`${file}\0${stat.size}\0${stat.mtimeMs}`).digest('hex').slice(0, 16);
    const target = path.join(cacheDir, `${key}.png`);
    await fs.mkdir(cacheDir, { recursive: true });
    const size = await writePngPreview(file, target);
    return { path: target, ...size };
  },

  async train(params, ctx) {
    return train(params, ctx);
  },
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
