// `segment stats` at scale: 10,000 generated 512x512 image/mask pairs (written once into
// .cache/bench/, by the seeded darkfield generator), measured through the real CLI in a fresh
// process: wall time, images per second and peak memory (targets: under 60 s, under 500 MB), for
// one thread and for the worker-thread pool side by side; plus the dataset view's index (listing
// and pairing, no pixels) of the same folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeMaskPng } from '../src/core/maskCodec';
import { formatSegmentConfig } from '../src/core/segmentConfig';
import { DARKFIELD_CLASSES, generateDarkfieldImage } from '../src/engine/synthetic/darkfield';
import { Random } from '../src/engine/synthetic/random';
import { mapLimit } from '../src/engine/files';
import { indexDataset } from '../src/engine/inspect';

const COUNT = 10_000;
const SIZE = 512;
/** Distinct scenes; each pair is a scene rolled by a random offset and flipped, so every file differs. */
const SCENES = 200;
const SEED = 20261124;
const ROOT = path.resolve('.cache', 'bench', `stats-large-${COUNT}`);
const MARKER = path.join(ROOT, 'complete.json');
const CLI = path.resolve('dist', 'cli.js');

async function generate(): Promise<void> {
  const want = JSON.stringify({ COUNT, SIZE, SCENES, SEED });
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8') === want) return;
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(path.join(ROOT, 'images'), { recursive: true });
  mkdirSync(path.join(ROOT, 'masks'), { recursive: true });
  const config = { classes: DARKFIELD_CLASSES, ignoreIndex: 255, folders: { images: 'images', masks: 'masks', prelabels: 'prelabels', instances: 'instances' } };
  writeFileSync(path.join(ROOT, 'segment.json'), formatSegmentConfig(config));
  const started = Date.now();
  console.log(`generating ${COUNT} pairs of ${SIZE}x${SIZE} into ${path.relative(process.cwd(), ROOT)} (once)...`);
  const scenes = Array.from({ length: SCENES }, (_, s) => generateDarkfieldImage(SEED + s * 7919, SIZE, SIZE));
  const rng = new Random(SEED);
  const plans = Array.from({ length: COUNT }, (_, i) => ({ i, scene: i % SCENES, dx: rng.int(0, SIZE - 1), dy: rng.int(0, SIZE - 1), flip: rng.next() < 0.5 }));
  let done = 0;
  await mapLimit(plans, 4, async ({ i, scene, dx, dy, flip }) => {
    const s = scenes[scene];
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    const ids = new Uint8Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) {
      const sy = (y + dy) % SIZE;
      for (let x = 0; x < SIZE; x++) {
        const sx = flip ? SIZE - 1 - ((x + dx) % SIZE) : (x + dx) % SIZE;
        const from = sy * SIZE + sx;
        const to = y * SIZE + x;
        ids[to] = s.ids[from];
        rgb[to * 3] = s.rgb[from * 3];
        rgb[to * 3 + 1] = s.rgb[from * 3 + 1];
        rgb[to * 3 + 2] = s.rgb[from * 3 + 2];
      }
    }
    const name = `img_${String(i).padStart(5, '0')}`;
    await sharp(rgb, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(ROOT, 'images', `${name}.jpg`));
    writeFileSync(path.join(ROOT, 'masks', `${name}.png`), encodeMaskPng(ids, SIZE, SIZE, config));
    if (++done % 1000 === 0) console.log(`  ${done} / ${COUNT} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });
  writeFileSync(MARKER, want);
}

interface Run {
  seconds: number;
  maxRssMB: number;
  result: any;
}

/** Runs the built CLI's main() in a fresh Node process and reads its peak resident memory at exit. */
function runCli(args: string[], env: Record<string, string> = {}): Run {
  const script = `
    const { main } = require(${JSON.stringify(CLI)});
    const lines = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk, ...rest) => { lines.push(String(chunk)); return true; };
    const t = process.hrtime.bigint();
    main(${JSON.stringify([...args, '--json'])}).then((code) => {
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      const done = lines.join('').trim().split('\\n').map((l) => JSON.parse(l)).find((e) => e.event === 'done');
      write(JSON.stringify({ code, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024, done }) + '\\n');
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { seconds: out.seconds, maxRssMB: out.maxRssMB, result: out.done };
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('run `npm run build` first');
  await generate();
  console.log(`dataset: ${COUNT} pairs of ${SIZE}x${SIZE} (JPEG images, palette PNG masks); ${os.cpus().length} CPUs`);
  const rows: [string, Run][] = [];
  rows.push(['stats, 1 thread', runCli(['stats', ROOT], { SEGMENT_STATS_THREADS: '1' })]);
  rows.push(['stats, thread pool (default)', runCli(['stats', ROOT])]);
  const [one, pool] = rows.map((r) => r[1]);
  for (const [name, run] of rows) {
    if (run.result.images !== COUNT || run.result.labelled !== COUNT) throw new Error(`${name}: counted ${run.result.images} images, ${run.result.labelled} labelled`);
  }
  if (JSON.stringify(one.result.classes) !== JSON.stringify(pool.result.classes)) throw new Error('the thread pool counted different class pixels');
  console.log('run                              wall s   images/s   peak RSS MB   target');
  for (const [name, run] of rows) {
    const ok = run.seconds < 60 && run.maxRssMB < 500 ? 'met' : 'MISSED';
    console.log(`${name.padEnd(32)} ${run.seconds.toFixed(1).padStart(6)} ${(COUNT / run.seconds).toFixed(0).padStart(10)} ${run.maxRssMB.toFixed(0).padStart(13)}   ${ok} (< 60 s, < 500 MB)`);
  }
  console.log(`speed-up of the pool over 1 thread: ${(one.seconds / pool.seconds).toFixed(2)}x`);
  // The dataset view's index of the same folder (listing and pairing, no pixels), best of 3.
  let best = Infinity;
  let items = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    items = (await indexDataset(ROOT)).items.length;
    best = Math.min(best, performance.now() - t);
  }
  console.log(`dataset view index (${items} images): ${best.toFixed(0)} ms, ${(best / one.seconds / 10).toFixed(2)}% of a stats run`);
}

if (process.argv.includes('--generate-only')) void generate();
else void main();
