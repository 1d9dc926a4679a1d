/** Engine side of the dataset view and the linter: indexing roots, linting, and the safe mask fix. */
import * as path from 'node:path';
import { findDatasetRoots } from '../core/datasetLayout';
import { DatasetIndex, LintParams, LintResult } from '../core/inspect';
import { DatasetError, Problem } from '../core/problems';
import { encodeMaskPng, findUnknownIds } from '../core/maskCodec';
import { openDataset, absolutePath } from './dataset';
import { listFiles, mapLimit, writeFileAtomic } from './files';
import { checkItem } from './itemCheck';
import { maskOptions, readCheckedMask } from './masks';
import { JobContext, throttledProgress, throwIfCancelled } from './jobContext';

export async function indexDataset(root: string): Promise<DatasetIndex> {
  const dataset = await openDataset(root);
  return {
    root: dataset.root,
    layout: dataset.layout.kind,
    configSource: dataset.configSource,
    prelabels: dataset.layout.prelabels,
    items: dataset.items.map(({ key, image, mask, prelabel, prelabelInfo, prelabelInstances }) => ({ key, image, mask, prelabel, prelabelInfo, prelabelInstances })),
  };
}

/** Dataset roots under the given folders (absolute), outermost only. */
export async function findRoots(folders: string[]): Promise<string[]> {
  const roots: string[] = [];
  for (const folder of folders) {
    const files = await listFiles(folder).catch(() => [] as string[]);
    for (const rel of findDatasetRoots(files)) roots.push(rel === '' ? folder : path.join(folder, ...rel.split('/')));
  }
  return roots;
}

const CONCURRENCY = 8;

/**
 * The problems of a dataset: config and pairing problems always, and those of the masks read
 * (all, or `masks`). A segment.json that does not parse is itself the problem.
 */
export async function lintDataset({ root, masks }: LintParams, ctx: JobContext): Promise<LintResult> {
  let dataset;
  try {
    dataset = await openDataset(root);
  } catch (e) {
    if (e instanceof DatasetError && e.problems.length) return { problems: e.problems, masks: {} };
    throw e;
  }
  const wanted = masks ? new Set(masks) : undefined;
  const items = dataset.items.filter((i) => i.mask && (!wanted || wanted.has(i.mask)));
  const byMask: Record<string, Problem[]> = {};
  const progress = throttledProgress(ctx);
  let done = 0;
  await mapLimit(items, CONCURRENCY, async (item) => {
    throwIfCancelled(ctx);
    byMask[item.mask!] = (await checkItem(dataset.root, dataset.config, item)).problems;
    progress({ done: ++done, total: items.length, message: item.mask });
  });
  return { problems: dataset.problems, masks: byMask };
}

/**
 * The safe fix for a mask stored as RGB(A) or grey+alpha: the same class ids written as a palette
 * PNG. Refused when the mask holds a value that is no class (nothing would be lost, but the fix
 * must not hide that problem).
 */
export async function rewriteMaskAsPalette(root: string, mask: string): Promise<{ written: string }> {
  const dataset = await openDataset(root);
  const file = absolutePath(dataset, mask);
  const checked = await readCheckedMask(file, mask, dataset.config);
  if (!checked.ok) throw new DatasetError(`${mask}: ${checked.problem.message}`);
  const { ids, width, height } = checked.mask;
  if (findUnknownIds(ids, width, maskOptions(dataset.config)).length) throw new DatasetError(`${mask} holds values that are no class`);
  await writeFileAtomic(file, encodeMaskPng(ids, width, height, maskOptions(dataset.config)));
  // Read back: the fix must not change a single id.
  const again = await readCheckedMask(file, mask, dataset.config);
  if (!again.ok || again.mask.ids.some((v, k) => v !== ids[k])) throw new Error(`${mask}: the rewritten mask does not read back the same`);
  return { written: mask };
}
