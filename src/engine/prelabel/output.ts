/**
 * Writing pre-labels so that nothing is ever half there. Each run writes into its own hidden
 * folder inside the pre-label folder (same file system, so a rename is atomic), then renames the
 * instance map (instance-capable models), the sidecar and, last, the PNG into place: a reader sees a
 * complete pre-label or none, and a run that dies between the files is redone (see `select`). A run that
 * dies leaves only its hidden folder, which `sweepPartials` removes (the next run does, and the
 * extension does right after a worker crash).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, promises as fs, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRELABEL_INSTANCES } from '../../core/datasetLayout';
import { DatasetError } from '../../core/problems';

const PREFIX = '.partial-';
/** `.partial-<host>-<pid>-<random>`: the host part keeps shards on other machines (shared storage) out of reach. */
const PARTIAL = /^\.partial-(.+)-(\d+)-[0-9a-f]+$/;

/** Where a run writes: the pre-label folder and the run's own partial folder inside it. */
export interface PrelabelOutput {
  dir: string;
  partial: string;
}

/** Creates the pre-label folder and this run's partial folder: an unwritable place fails here, before any work. */
export async function openOutput(dir: string): Promise<PrelabelOutput> {
  const partial = path.join(dir, `${PREFIX}${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.mkdir(partial);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
      : err.code === 'EROFS' ? 'read-only file system'
      : err.code === 'EEXIST' || err.code === 'ENOTDIR' ? `${err.path ?? dir} is a file, not a folder`
      : err.message;
    throw new DatasetError(`cannot write pre-labels to ${dir}: ${why}`);
  }
  await sweepPartials(dir);
  return { dir, partial };
}

/** Removes the run's partial folder (after the last write has settled). */
export function closeOutput(output: PrelabelOutput): Promise<void> {
  return fs.rm(output.partial, { recursive: true, force: true });
}

/** Where the instance map of `key` goes: `<dir>/instances/<key>.png`. */
export function instancesPath(dir: string, key: string): string {
  return path.join(dir, PRELABEL_INSTANCES, ...key.split('/')) + '.png';
}

/**
 * Writes `<dir>/<key>.png`, `<key>.json` and, given `instances`, `<dir>/instances/<key>.png`; the
 * instance map first, the PNG last. Without `instances`, an instance map left by an earlier model
 * is removed: it belongs to the pre-label being replaced. Synchronous: it runs in the finishing
 * threads, whose event loop the model never blocks.
 */
export function writePrelabelSync(output: PrelabelOutput, key: string, png: Uint8Array, sidecar: object, instances?: Uint8Array): { png: string; sidecar: string; instances?: string } {
  const target = path.join(output.dir, ...key.split('/'));
  const instanceFile = instancesPath(output.dir, key);
  mkdirSync(path.dirname(target), { recursive: true });
  if (instances) mkdirSync(path.dirname(instanceFile), { recursive: true });
  const temp = path.join(output.partial, randomBytes(8).toString('hex'));
  const files = { png: `${target}.png`, sidecar: `${target}.json`, ...(instances ? { instances: instanceFile } : {}) };
  try {
    writeFileSync(`${temp}.png`, png);
    writeFileSync(`${temp}.json`, JSON.stringify(sidecar, null, 2) + '\n');
    if (instances) {
      writeFileSync(`${temp}.instances.png`, instances);
      renameSync(`${temp}.instances.png`, instanceFile);
    } else {
      rmSync(instanceFile, { force: true });
    }
    renameSync(`${temp}.json`, files.sidecar);
    renameSync(`${temp}.png`, files.png);
  } catch (e) {
    for (const suffix of ['.png', '.json', '.instances.png']) rmSync(temp + suffix, { force: true });
    throw e;
  }
  return files;
}

/**
 * Removes partial folders of runs on this machine whose process is gone. With `pid`, only that
 * process's (it just crashed).
 */
export async function sweepPartials(dir: string, pid?: number): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  const host = os.hostname();
  await Promise.all(
    names.map(async (name) => {
      const m = PARTIAL.exec(name);
      if (!m || m[1] !== host) return;
      const owner = Number(m[2]);
      if (pid !== undefined ? owner !== pid : isAlive(owner)) return;
      await fs.rm(path.join(dir, name), { recursive: true, force: true });
    }),
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
