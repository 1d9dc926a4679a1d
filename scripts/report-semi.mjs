// `npm run report:semi`: the semi-supervised gain on the real darkfield dataset (../shared/datasets,
// never shipped). Four runs of the default UNet with the same steps and seed: 10% of the training
// masks and all of them, each with --semi none and --semi fixmatch; validation mIoU of each.
// Two lanes go side by side, one per fraction, each on half the cores (a second thread gains 1.5x;
// two runs on one thread each gain 2x): its fixmatch run, then its none run, so both lanes carry the
// same work (a fixmatch step costs about 2.5 supervised ones).
// Options: --steps N (default 3000: shorter runs do not show what the labels are worth), --seed K (default 0)
// or --seeds 0,1,2 (each seed draws other masks and augmentations; the table then gives the mean too),
// --dataset <folder>, --size S (128);
// --reuse keeps a run whose folder holds the log of a finished run with the same arguments.
// Results: a table on stdout and .cache/report-semi/results.json; each run's log in <run>/train.jsonl.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataset } from './shared-dataset.mjs';

const { values } = parseArgs({ options: { steps: { type: 'string' }, seed: { type: 'string' }, seeds: { type: 'string' }, dataset: { type: 'string' }, size: { type: 'string' }, reuse: { type: 'boolean' } } });
const steps = Number(values.steps ?? 3000);
const seeds = (values.seeds ?? values.seed ?? '0').split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`report:semi: --seed/--seeds takes whole numbers, got ${values.seeds ?? values.seed}`);
const size = Number(values.size ?? 128);
const threads = Math.max(1, Math.floor(os.availableParallelism() / 2));
const dataset = sharedDataset('report:semi', 'darkfield', values.dataset);
const outRoot = '.cache/report-semi';
mkdirSync(outRoot, { recursive: true });

/** The report's reading of a run's JSON lines: the start event, the validation curve, the result. */
function parseRun(lines) {
  let start;
  let done;
  const curve = [];
  for (const e of lines) {
    if (e.kind === 'start') start = e;
    if (e.kind === 'epoch') curve.push({ step: e.step, valMIoU: e.valMIoU });
    if (e.event === 'done') done = e;
  }
  return { start, done, curve };
}

function train(fraction, semi, seed) {
  const name = `f${fraction}-${semi}-s${seed}`;
  const out = path.join(outRoot, name);
  const args = ['dist/cli.js', 'train', dataset, '--labelled-fraction', String(fraction), '--semi', semi, '--steps', String(steps), '--seed', String(seed),
    '--size', String(size), '--val-every', String(Math.ceil(steps / 4)), '--out', out, '--json'];
  const log = path.join(out, 'train.jsonl');
  const argsFile = path.join(out, 'args.json');
  if (values.reuse && existsSync(log) && existsSync(argsFile) && readFileSync(argsFile, 'utf8') === JSON.stringify(args)) {
    const kept = parseRun(readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
    if (kept.done) {
      console.error(`report:semi: ${name} reused from ${log}`);
      return Promise.resolve({ name, fraction, semi, seed, ...kept });
    }
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(argsFile, JSON.stringify(args));
  args.splice(args.indexOf('--json'), 0, '--threads', String(threads));
  console.error(`report:semi: node ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    const lines = [];
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        lines.push(e);
        if (e.kind === 'epoch') console.error(`  ${name} step ${e.step}: validation mIoU ${(e.valMIoU * 100).toFixed(1)}%`);
      }
    });
    child.on('close', (code) => {
      const run = parseRun(lines);
      if (code !== 0 || !run.done) return reject(new Error(`${name} exited with ${code}`));
      writeFileSync(log, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      resolve({ name, fraction, semi, seed, ...run });
    });
  });
}

const results = [];
for (const seed of seeds) {
  const lanes = await Promise.all([0.1, 1].map(async (fraction) => {
    const fix = await train(fraction, 'fixmatch', seed);
    return [await train(fraction, 'none', seed), fix];
  }));
  results.push(...lanes.flat());
}
writeFileSync(path.join(outRoot, 'results.json'), JSON.stringify({ dataset, steps, seeds, size, results }, null, 2));
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const points = (d) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} points`;
const classes = results[0].done.perClass.map((c) => c.name);
console.log(`\nsemi-supervised gain on ${dataset}: UNet (depth 4, width 16), ${steps} steps, batch 4, ${size} px, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}\n`);
console.log(`| labelled masks | semi | seed | train / unlabelled images | best val mIoU | ${classes.join(' | ')} | backend, images/s |`);
console.log(`|---|---|---|---|---|${classes.map(() => '---|').join('')}---|`);
for (const r of results) {
  console.log(`| ${r.fraction === 1 ? 'all' : `${r.fraction * 100}%`} | ${r.semi} | ${r.seed} | ${r.start.trainImages} / ${r.start.unlabelledImages} | ${pct(r.done.valMIoU)} | ${r.done.perClass.map((c) => pct(c.iou)).join(' | ')} | ${r.done.backend}, ${r.done.imagesPerSecond.toFixed(2)} |`);
}
for (const fraction of [0.1, 1]) {
  const of = (semi) => seeds.map((seed) => results.find((r) => r.fraction === fraction && r.semi === semi && r.seed === seed).done.valMIoU);
  const [none, fix] = [of('none'), of('fixmatch')];
  const label = fraction === 1 ? 'all masks' : `${fraction * 100}% of the masks`;
  seeds.forEach((seed, k) => console.log(`${k === 0 ? '\n' : ''}${label}, seed ${seed}: fixmatch ${pct(fix[k])} vs none ${pct(none[k])} (${points(fix[k] - none[k])})`));
  if (seeds.length > 1) {
    const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(`${label}, mean of ${seeds.length} seeds: fixmatch ${pct(mean(fix))} vs none ${pct(mean(none))} (${points(mean(fix) - mean(none))})`);
  }
}
