/**
 * The pixel-reading half of `segment stats` over a run of items: class pixel counts, images per
 * class id, image sizes and problems. Parts add up, so the items can be split across threads.
 */
import { DatasetItem } from '../core/datasetLayout';
import { Problem } from '../core/problems';
import { SegmentConfig } from '../core/segmentConfig';
import { mapLimit } from './files';
import { checkItem } from './itemCheck';

export interface StatsPart {
  /** Pixels per id value 0..255 over all masks read. */
  pixels: number[];
  /** Masks holding each id value. */
  images: number[];
  /** "WxH" -> count. */
  sizes: Record<string, number>;
  problems: Problem[];
}

/** Files read at once: enough to hide disk latency, few enough to bound memory. */
const CONCURRENCY = 8;

export function emptyPart(): StatsPart {
  return { pixels: new Array(256).fill(0), images: new Array(256).fill(0), sizes: {}, problems: [] };
}

export async function statsPart(
  root: string,
  config: SegmentConfig,
  items: readonly DatasetItem[],
  onItem: (item: DatasetItem) => void,
  shouldStop: () => boolean,
): Promise<StatsPart> {
  const part = emptyPart();
  const counts = new Float64Array(256);
  await mapLimit(items, CONCURRENCY, async (item) => {
    if (shouldStop()) return;
    const check = await checkItem(root, config, item);
    part.problems.push(...check.problems);
    if (check.size) {
      const key = `${check.size.width}x${check.size.height}`;
      part.sizes[key] = (part.sizes[key] ?? 0) + 1;
    }
    if (check.ids) {
      counts.fill(0);
      const ids = check.ids;
      for (let k = 0; k < ids.length; k++) counts[ids[k]]++;
      for (let id = 0; id < 256; id++) {
        if (counts[id] === 0) continue;
        part.pixels[id] += counts[id];
        part.images[id]++;
      }
    }
    onItem(item);
  });
  return part;
}

export function mergeParts(parts: readonly StatsPart[]): StatsPart {
  const total = emptyPart();
  for (const p of parts) {
    for (let id = 0; id < 256; id++) {
      total.pixels[id] += p.pixels[id];
      total.images[id] += p.images[id];
    }
    for (const [k, n] of Object.entries(p.sizes)) total.sizes[k] = (total.sizes[k] ?? 0) + n;
    total.problems.push(...p.problems);
  }
  return total;
}
