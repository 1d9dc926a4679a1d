// `npm run report:instances`: learned instances against connected components, on the real nuclei
// dataset (../shared/datasets, never shipped). One U-Net with the instance head (`--instances`) is
// trained on 30 images; on the 10 held-out images its pre-labels are evaluated twice with
// `segment eval`: instances clustered from the embeddings, and connected components of the same
// model's class map (`--pred-instances components`). Same model, same budget: only the instances differ.
// Options: --steps N (default 300), --seed K (0), --size S (256), --dataset <folder>; --reuse keeps the
// model trained by the last run (.cache/report-instances/model) and only pre-labels and evaluates again.
// Results: a table on stdout and .cache/report-instances/results.json.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataset } from './shared-dataset.mjs';

const { values } = parseArgs({ options: { steps: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' }, dataset: { type: 'string' }, reuse: { type: 'boolean' } } });
const steps = Number(values.steps ?? 300);
const seed = Number(values.seed ?? 0);
const size = Number(values.size ?? 256);
const source = sharedDataset('report:instances', 'nuclei', values.dataset, 'instances');

const outRoot = path.resolve('.cache/report-instances');
const trainRoot = path.join(outRoot, 'train');
const testRoot = path.join(outRoot, 'test');
const run = path.join(outRoot, 'model');
const reuse = values.reuse && existsSync(path.join(run, 'model.onnx'));
if (values.reuse && !reuse) console.error('report:instances: no model to reuse; training one');
rmSync(reuse ? testRoot : outRoot, { recursive: true, force: true });

// Every 4th image (sorted) is held out: listed as the test split of the training copy (so it never
// trains or validates) and copied alone into the evaluated dataset.
const keys = readdirSync(path.join(source, 'images')).filter((f) => f.endsWith('.png')).map((f) => f.slice(0, -4)).sort();
const test = keys.filter((_, i) => i % 4 === 0);
const config = { classes: [{ id: 0, name: 'background', color: '#000000', thing: false }, { id: 1, name: 'nucleus', color: '#f58231', thing: true }], ignoreIndex: 255 };
for (const [root, list] of reuse ? [[testRoot, test]] : [[trainRoot, keys], [testRoot, test]]) {
  for (const folder of ['images', 'masks', 'instances']) {
    mkdirSync(path.join(root, folder), { recursive: true });
    for (const key of list) cpSync(path.join(source, folder, `${key}.png`), path.join(root, folder, `${key}.png`));
  }
  writeFileSync(path.join(root, 'segment.json'), JSON.stringify(config, null, 2) + '\n');
}
if (!reuse) {
  mkdirSync(path.join(trainRoot, 'splits'), { recursive: true });
  writeFileSync(path.join(trainRoot, 'splits', 'test.txt'), test.join('\n') + '\n');
}

function cli(args) {
  console.error(`report:instances: node dist/cli.js ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const done = lines.find((l) => l.event === 'done') ?? lines[lines.length - 1];
  if (r.status !== 0 || !done) throw new Error(`segment ${args[0]} exited with ${r.status}`);
  return done;
}

const started = Date.now();
const trained = reuse
  ? JSON.parse(readFileSync(path.join(outRoot, 'results.json'), 'utf8')).trained
  : cli(['train', trainRoot, '--instances', '--steps', String(steps), '--seed', String(seed), '--size', String(size), '--val-every', String(Math.ceil(steps / 3)), '--out', run]);
const trainSeconds = reuse ? JSON.parse(readFileSync(path.join(outRoot, 'results.json'), 'utf8')).trainSeconds : (Date.now() - started) / 1000;
const t0 = Date.now();
const prelabelled = cli(['prelabel', testRoot, '--model', path.join(run, 'model.onnx'), '--all']);
const prelabelSeconds = (Date.now() - t0) / 1000;
const learned = cli(['eval', testRoot]);
const components = cli(['eval', testRoot, '--pred-instances', 'components']);

const quality = (report) => report.instances;
const results = { dataset: source, steps, seed, size, trainImages: keys.length - test.length, testImages: test.length, trainSeconds, prelabelSeconds, trained, prelabelled, learned: quality(learned), components: quality(components), mIoU: learned.mIoU };
writeFileSync(path.join(outRoot, 'results.json'), JSON.stringify(results, null, 2));

const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const row = (name, q) => {
  const c = q.perClass.find((k) => k.name === 'nucleus') ?? q.perClass[0];
  return `| ${name} | ${pct(c.pq)} | ${pct(c.sq)} | ${pct(c.rq)} | ${pct(c.ap50)} | ${c.tp} / ${c.fp} / ${c.fn} |`;
};
console.log(`\ninstances on ${source}: UNet + instance head (${trained.backend}), ${steps} steps of 4 at ${size} px, seed ${seed};`);
console.log(`${results.trainImages} images trained or validated, ${test.length} held out; semantic mIoU on them ${pct(learned.mIoU)}\n`);
console.log('| instances of the nucleus class | PQ | SQ | RQ | AP50 | TP / FP / FN |');
console.log('|---|---|---|---|---|---|');
console.log(row('learned embeddings, mean-shift in each region', results.learned));
console.log(row('connected components of the class map', results.components));
console.log(`\ntraining ${trainSeconds.toFixed(0)} s, pre-labelling the ${test.length} images ${prelabelSeconds.toFixed(1)} s`);
