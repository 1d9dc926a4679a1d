// Pre-labelling throughput at 512x512, side by side with the bare model: the same session, batch
// and number of images through `session.run()` alone (a pre-allocated input, outputs dropped).
// The ratio says how much of the model's speed the whole pipeline (decode, normalise, run, resize,
// statistics, PNG, atomic writes) keeps. Then the peak memory of a run over 1000 images, in a
// process of its own. The images (synthetic darkfield, JPEG) are generated once into .cache/.
//
// The model is a UNet of 0.49M parameters with seeded random weights, the size of the default
// architecture (test/helpers/onnxModels.ts); when models/default.onnx exists it is measured too.
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { generateDarkfieldImage, DARKFIELD_CLASSES } from '../src/engine/synthetic/darkfield';
import { loadModel, LoadedModel } from '../src/engine/inference/model';
import { prelabelFolder } from '../src/engine/prelabel/prelabel';
import { quietContext } from '../src/engine/jobContext';
import { unetModel } from '../test/helpers/onnxModels';

const CACHE = path.resolve('.cache/bench-prelabel');
const IMAGES = 1000;
const SIZE = 512;
const THROUGHPUT_IMAGES = Number(process.env.BENCH_PRELABEL_IMAGES ?? 16);
const ROUNDS = 5;
const BATCH = 2;

async function main(): Promise<void> {
  if (process.argv[2] === '--memory') return memoryRun(process.argv[3]);
  if (process.argv[2] === '--memory-bare') return memoryBare(process.argv[3]);
  const all = await ensureImages();
  const modelFile = unetModel(CACHE, 'unet512', { size: [SIZE, SIZE] }).onnx;
  const small = subsetDataset(all, THROUGHPUT_IMAGES);
  console.log(`${os.cpus()[0].model}, ${os.availableParallelism()} cores; onnxruntime-node ${ort.env.versions.common}, CPU execution provider`);
  console.log(`${THROUGHPUT_IMAGES} images of ${SIZE}x${SIZE} (JPEG), batch ${BATCH}; ${ROUNDS} rounds, each the bare model then the pipeline back to back:\nthe ratio is the median of the rounds' ratios (robust to other load on the machine), rates the best round\n`);
  const models: [string, string][] = [['UNet 0.49M (random weights)', modelFile]];
  if (existsSync('models/default.onnx')) models.push(['models/default.onnx', path.resolve('models/default.onnx')]);
  for (const [label, file] of models) {
    const model = await loadModel(file, 'cpu');
    let bare = { rate: 0, cpuMs: Infinity };
    let pipeline = { rate: 0, cpuMs: Infinity };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const b = await bareRun(model, THROUGHPUT_IMAGES);
      bare = { rate: Math.max(bare.rate, b.rate), cpuMs: Math.min(bare.cpuMs, b.cpuMs) };
      const cpu = cpuMs();
      const r = await prelabelFolder({ folder: small, model: file, device: 'cpu', all: true, batch: BATCH }, model, quietContext());
      if (r.written !== THROUGHPUT_IMAGES) throw new Error(`pre-labelled ${r.written} of ${THROUGHPUT_IMAGES}: ${JSON.stringify(r.failed.slice(0, 3))}`);
      pipeline = { rate: Math.max(pipeline.rate, r.imagesPerSecond), cpuMs: Math.min(pipeline.cpuMs, (cpuMs() - cpu) / THROUGHPUT_IMAGES) };
      ratios.push(r.imagesPerSecond / b.rate);
    }
    await model.session.release();
    const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)];
    console.log(`${label} (input ${model.manifest.input.size.join('x')})`);
    console.log(`  bare session.run       ${bare.rate.toFixed(2).padStart(7)} images/s   ${bare.cpuMs.toFixed(0).padStart(5)} CPU ms/image (all threads)`);
    console.log(`  pre-label pipeline     ${pipeline.rate.toFixed(2).padStart(7)} images/s   ${pipeline.cpuMs.toFixed(0).padStart(5)} CPU ms/image`);
    console.log(`  ratio pipeline / bare  ${median.toFixed(3).padStart(7)}   (target >= 0.9; rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
    console.log(`  CPU time bare / pipeline ${(bare.cpuMs / pipeline.cpuMs).toFixed(3)}\n`);
  }

  console.log(`peak memory (RSS), each in a process of its own ...`);
  const bareMem = child(['--memory-bare', modelFile]);
  console.log(`  bare session.run, ${bareMem.batches} batches of ${BATCH}: peak ${(bareMem.maxRssKb / 1024).toFixed(0)} MB`);
  const m = child(['--memory', modelFile]);
  console.log(`  pre-labelling ${m.written} images: peak ${(m.maxRssKb / 1024).toFixed(0)} MB (target < 1024 MB), in ${m.seconds.toFixed(1)} s (${m.imagesPerSecond.toFixed(2)} images/s)`);
}

function child(args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${args[0]} failed (exit ${r.status}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** images/s and CPU ms per image of session.run alone on `n` images in batches of BATCH (one pre-allocated input). */
async function bareRun(model: LoadedModel, n: number): Promise<{ rate: number; cpuMs: number }> {
  const { name, size, channels } = model.manifest.input;
  const input = new ort.Tensor('float32', new Float32Array(BATCH * channels * size[0] * size[1]).fill(0.1), [BATCH, channels, size[0], size[1]]);
  await model.session.run({ [name]: input });
  const cpu = cpuMs();
  const started = performance.now();
  for (let done = 0; done < n; done += BATCH) await model.session.run({ [name]: input });
  return { rate: n / ((performance.now() - started) / 1000), cpuMs: (cpuMs() - cpu) / n };
}

async function memoryBare(modelFile: string): Promise<void> {
  const model = await loadModel(modelFile, 'cpu');
  const batches = 50;
  await bareRun(model, batches * BATCH);
  process.stdout.write(JSON.stringify({ batches, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

async function memoryRun(modelFile: string): Promise<void> {
  const model = await loadModel(modelFile, 'cpu');
  const r = await prelabelFolder({ folder: path.join(CACHE, 'dataset'), model: modelFile, device: 'cpu', all: true, batch: BATCH }, model, quietContext());
  await model.session.release();
  process.stdout.write(JSON.stringify({ written: r.written, seconds: r.seconds, imagesPerSecond: r.imagesPerSecond, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
}

/** .cache/bench-prelabel/dataset: IMAGES synthetic darkfield JPEGs (made once), no masks. */
async function ensureImages(): Promise<string[]> {
  const dir = path.join(CACHE, 'dataset', 'images');
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: IMAGES }, (_, i) => `bench_${String(i + 1).padStart(4, '0')}.jpg`);
  const have = new Set(readdirSync(dir));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    console.log(`generating ${missing.length} images into ${dir} (once) ...`);
    for (const name of missing) {
      const img = generateDarkfieldImage(Number(name.slice(6, 10)), SIZE, SIZE);
      await sharp(Buffer.from(img.rgb), { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toFile(path.join(dir, name));
    }
  }
  writeFileSync(path.join(CACHE, 'dataset', 'segment.json'), JSON.stringify({ classes: DARKFIELD_CLASSES }));
  rmSync(path.join(CACHE, 'dataset', 'prelabels'), { recursive: true, force: true });
  return names.map((n) => path.join(dir, n));
}

/** A dataset of the first `n` images (hard links), for the throughput runs. */
function subsetDataset(images: string[], n: number): string {
  const root = path.join(CACHE, `subset-${n}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'images'), { recursive: true });
  for (const image of images.slice(0, n)) linkSync(image, path.join(root, 'images', path.basename(image)));
  writeFileSync(path.join(root, 'segment.json'), JSON.stringify({ classes: DARKFIELD_CLASSES }));
  return root;
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
