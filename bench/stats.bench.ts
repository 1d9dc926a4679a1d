// `segment stats` throughput: the sample dataset scanned by the engine, against the bare cost of
// reading and decoding the same files (the floor any implementation pays).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openDataset } from '../src/engine/dataset';
import { datasetStats } from '../src/engine/stats';
import { quietContext } from '../src/engine/jobContext';
import { decodePng } from '../src/core/png';

async function main(): Promise<void> {
  const root = path.resolve('samples/darkfield');
  const runs = 5;
  let statsMs = Infinity;
  let floorMs = Infinity;
  let images = 0;
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    const dataset = await openDataset(root);
    const s = await datasetStats(dataset, quietContext());
    statsMs = Math.min(statsMs, performance.now() - t);
    images = s.images;
    t = performance.now();
    for (const item of dataset.items) if (item.mask) decodePng(await fs.readFile(path.join(root, item.mask)));
    floorMs = Math.min(floorMs, performance.now() - t);
  }
  console.log(`dataset: samples/darkfield (${images} images), best of ${runs}`);
  console.log(`stats (scan + headers + masks)   ${statsMs.toFixed(1)} ms   ${(images / (statsMs / 1000)).toFixed(0)} images/s`);
  console.log(`read + decode masks only         ${floorMs.toFixed(1)} ms`);
  console.log(`ratio stats / bare decode        ${(statsMs / floorMs).toFixed(2)}x`);
}

void main();
