/** `segment stats`: counts, class frequencies, image sizes and the problems of a dataset. */
import { DatasetStats, ClassStats } from '../core/reports';
import { Problem } from '../core/problems';
import { absolutePath, Dataset } from './dataset';
import { mapLimit } from './files';
import { imageSize } from './images';
import { readCheckedMask } from './masks';
import { JobContext, throttledProgress, throwIfCancelled } from './jobContext';

/** Files read at once: enough to hide disk latency, few enough to bound memory. */
const CONCURRENCY = 8;

export async function datasetStats(dataset: Dataset, ctx: JobContext): Promise<DatasetStats> {
  const { config, items } = dataset;
  const problems: Problem[] = [...dataset.problems];
  const classes: ClassStats[] = config.classes.map((c) => ({ id: c.id, name: c.name, color: c.color, pixels: 0, images: 0 }));
  const slot = new Int16Array(256).fill(-1);
  classes.forEach((c, i) => (slot[c.id] = i));
  const sizes = new Map<string, { width: number; height: number; count: number }>();
  const splits = { train: 0, val: 0, test: 0, none: 0 };
  let ignoredPixels = 0;
  let done = 0;
  const progress = throttledProgress(ctx);

  await mapLimit(items, CONCURRENCY, async (item) => {
    throwIfCancelled(ctx);
    splits[item.split ?? 'none']++;
    let size: { width: number; height: number } | undefined;
    try {
      size = await imageSize(absolutePath(dataset, item.image));
      const key = `${size.width}x${size.height}`;
      const entry = sizes.get(key);
      if (entry) entry.count++;
      else sizes.set(key, { ...size, count: 1 });
    } catch (e) {
      problems.push({ severity: 'error', code: 'image-unreadable', file: item.image, message: (e as Error).message });
    }
    if (item.mask) {
      const checked = await readCheckedMask(absolutePath(dataset, item.mask), item.mask, config, size);
      if (!checked.ok) problems.push(checked.problem);
      if (checked.ok || checked.problem.code === 'mask-unknown-id') {
        const counts = new Float64Array(256);
        const ids = checked.mask!.ids;
        for (let k = 0; k < ids.length; k++) counts[ids[k]]++;
        ignoredPixels += counts[config.ignoreIndex];
        for (let id = 0; id < 256; id++) {
          if (counts[id] === 0 || slot[id] < 0) continue;
          classes[slot[id]].pixels += counts[id];
          classes[slot[id]].images++;
        }
      }
    }
    progress({ done: ++done, total: items.length, message: item.image });
  });

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
    ignoredPixels,
    sizes: [...sizes.values()].sort((a, b) => b.count - a.count || b.width * b.height - a.width * a.height),
    splits,
    problems: problems.sort((a, b) => a.file.localeCompare(b.file)),
  };
}
