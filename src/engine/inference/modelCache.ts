/**
 * Keeps the last model warm in a long-lived worker: the editor's Predict and repeated pre-label
 * runs reuse the session instead of loading it again. A changed file (time or size) loads anew.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Device } from '../../core/prelabel';
import { loadModel, LoadedModel } from './model';

interface Entry {
  key: string;
  model: Promise<LoadedModel>;
  users: number;
}

let current: Entry | undefined;

/** Runs `fn` with the model, loading it unless the cached one is the same file, version and device. */
export async function withModel<R>(file: string, device: Device, fn: (model: LoadedModel) => Promise<R>): Promise<R> {
  file = path.resolve(file);
  const stat = await fs.stat(file).catch(() => undefined);
  const key = `${file}\0${device}\0${stat?.mtimeMs}\0${stat?.size}`;
  if (current?.key !== key) {
    const old = current;
    current = { key, model: loadModel(file, device), users: 0 };
    if (old && old.users === 0) void release(old);
  }
  const entry = current;
  entry.users++;
  try {
    return await fn(await entry.model);
  } catch (e) {
    if (current === entry && !(await entry.model.then(() => true, () => false))) current = undefined; // do not cache a failed load
    throw e;
  } finally {
    entry.users--;
    if (entry !== current && entry.users === 0) void release(entry);
  }
}

async function release(entry: Entry): Promise<void> {
  const model = await entry.model.catch(() => undefined);
  await model?.session.release();
}
