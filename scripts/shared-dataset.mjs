// Where the real datasets of ../shared/datasets are (never shipped, used by the reports): the folder
// given on the command line, else $SEGMENT_DATASETS/<name>, else shared/datasets beside the repository
// (or beside the folder above it, for worktrees). Exits with 2 and says where it looked when none holds `marker`.
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export function sharedDataset(script, name, given, marker = 'images') {
  const candidates = [given, process.env.SEGMENT_DATASETS && path.join(process.env.SEGMENT_DATASETS, name), `../shared/datasets/${name}`, `../../shared/datasets/${name}`].filter(Boolean);
  const found = candidates.find((d) => existsSync(path.join(d, marker)));
  if (!found) {
    console.error(`${script}: the ${name} dataset (with ${marker}/) is not at ${candidates.join(', ')}; pass --dataset <folder>`);
    process.exit(2);
  }
  return found;
}
