// `npm run samples`: regenerates samples/darkfield from its seed (the committed copy is this output).
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { writeDarkfieldDataset } from '../src/engine/synthetic/writeDataset';

async function main(): Promise<void> {
  const root = path.resolve(process.argv[2] ?? 'samples/darkfield');
  await fs.rm(root, { recursive: true, force: true });
  await writeDarkfieldDataset(root);
  console.log(`wrote ${root}`);
}

void main();
