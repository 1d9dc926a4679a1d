/**
 * The output folder of an export or import, written all or nothing: everything goes into a hidden
 * staging folder inside the output folder, and only when the whole conversion succeeded are its
 * entries moved into place (renames on one file system). A failure or a cancel removes the staging
 * folder and leaves the output folder as it was. Nothing is ever written outside the output folder.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isInsideRoot, normalizeRelative } from '../../core/paths';
import { DatasetError } from '../../core/problems';

const STAGING_PREFIX = '.segment-staging-';

export class StagedFolder {
  private constructor(readonly out: string, readonly staging: string, private readonly force: boolean) {}

  /**
   * Opens `out` for writing. It must be empty (or missing) unless `force`; `protect` lists folders
   * (the source dataset) that the output must not be, nor contain.
   */
  static async open(out: string, options: { force?: boolean; protect?: string[] } = {}): Promise<StagedFolder> {
    out = path.resolve(out);
    for (const p of options.protect ?? []) {
      const rel = path.relative(out, path.resolve(p));
      if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
        throw new DatasetError(`the output folder ${out} ${rel === '' ? 'is' : 'contains'} the source ${p}: choose a separate folder`);
      }
    }
    let entries: string[] = [];
    try {
      const stat = await fs.stat(out);
      if (!stat.isDirectory()) throw new DatasetError(`the output ${out} exists and is not a folder`);
      entries = (await fs.readdir(out)).filter((e) => !e.startsWith(STAGING_PREFIX));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (entries.length > 0 && !options.force) {
      throw new DatasetError(`the output folder ${out} is not empty (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}): pass --force to replace what it holds`);
    }
    const staging = path.join(out, STAGING_PREFIX + randomBytes(4).toString('hex'));
    await fs.mkdir(staging, { recursive: true });
    return new StagedFolder(out, staging, options.force ?? false);
  }

  /** Absolute staging path of a relative output path; refuses paths that would leave the folder. */
  path(relative: string): string {
    if (!isInsideRoot(relative) || normalizeRelative(relative) === '') {
      throw new DatasetError(`refusing to write "${relative}": it leaves the output folder`);
    }
    return path.join(this.staging, ...normalizeRelative(relative).split('/'));
  }

  async write(relative: string, data: Uint8Array | string): Promise<void> {
    const target = this.path(relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, data);
  }

  async copy(source: string, relative: string): Promise<void> {
    const target = this.path(relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(source, target);
  }

  /** Moves the staged entries into the output folder, replacing same-named ones (force only). */
  async commit(): Promise<void> {
    const old = path.join(this.staging, '.replaced');
    for (const entry of await fs.readdir(this.staging)) {
      if (entry === '.replaced') continue;
      const target = path.join(this.out, entry);
      if (await exists(target)) {
        if (!this.force) throw new DatasetError(`${target} appeared while converting: pass --force to replace it`);
        await fs.mkdir(old, { recursive: true });
        await fs.rename(target, path.join(old, entry));
      }
      await fs.rename(path.join(this.staging, entry), target);
    }
    await fs.rm(this.staging, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    await fs.rm(this.staging, { recursive: true, force: true });
  }
}

/** Runs `fn` on a staged folder, committing on success and removing every trace on failure. */
export async function withStagedFolder<T>(out: string, options: { force?: boolean; protect?: string[] }, fn: (folder: StagedFolder) => Promise<T>): Promise<T> {
  const folder = await StagedFolder.open(out, options);
  try {
    const result = await fn(folder);
    await folder.commit();
    return result;
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}
