// `npm run report:semi`: the semi-supervised gain on the real darkfield dataset (../shared/datasets,
// never shipped). Four runs of the default UNet with the same steps and seed: 10% of the training
// masks and all of them, each with --semi none and --semi fixmatch; validation mIoU of each.
// Options: --steps N (default 300), --seed K (default 0), --dataset <folder>, --size S (256).
// Results: a table on stdout and .cache/report-semi/results.json.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { sharedDataset } from './shared-dataset.mjs';

const { values } = parseArgs({ options: { steps: { type: 'string' }, seed: { type: 'string' }, dataset: { type: 'string' }, size: { type: 'string' } } });
const steps = Number(values.steps ?? 300);
const seed = Number(values.seed ?? 0);
const size = Number(values.size ?? 256);
const dataset = sharedDataset('report:semi', 'darkfield', values.dataset);
const outRoot = '.cache/report-semi';
mkdirSync(outRoot, { recursive: true });

function train(fraction, semi) {
  const name = `f${fraction}-${semi}`;
  const args = ['dist/cli.js', 'train', dataset, '--labelled-fraction', String(fraction), '--semi', semi, '--steps', String(steps), '--seed', String(seed),
    '--size', String(size), '--val-every', String(Math.ceil(steps / 4)), '--out', path.join(outRoot, name), '--json'];
  console.error(`report:semi: node ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    let start;
    let done;
    const curve = [];
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (e.kind === 'start') start = e;
        if (e.kind === 'epoch') {
          curve.push({ step: e.step, valMIoU: e.valMIoU });
          console.error(`  ${name} step ${e.step}: validation mIoU ${(e.valMIoU * 100).toFixed(1)}%`);
        }
        if (e.event === 'done') done = e;
      }
    });
    child.on('close', (code) => (code === 0 && done ? resolve({ name, fraction, semi, start, done, curve }) : reject(new Error(`${name} exited with ${code}`))));
  });
}

const results = [];
for (const fraction of [0.1, 1]) for (const semi of ['none', 'fixmatch']) results.push(await train(fraction, semi));
writeFileSync(path.join(outRoot, 'results.json'), JSON.stringify({ dataset, steps, seed, size, results }, null, 2));
const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
const classes = results[0].done.perClass.map((c) => c.name);
console.log(`\nsemi-supervised gain on ${dataset}: UNet (depth 4, width 16), ${steps} steps, batch 4, ${size} px, seed ${seed}\n`);
console.log(`| labelled masks | semi | train / unlabelled images | best val mIoU | ${classes.join(' | ')} | backend, images/s |`);
console.log(`|---|---|---|---|${classes.map(() => '---|').join('')}---|`);
for (const r of results) {
  console.log(`| ${r.fraction === 1 ? 'all' : `${r.fraction * 100}%`} | ${r.semi} | ${r.start.trainImages} / ${r.start.unlabelledImages} | ${pct(r.done.valMIoU)} | ${r.done.perClass.map((c) => pct(c.iou)).join(' | ')} | ${r.done.backend}, ${r.done.imagesPerSecond.toFixed(2)} |`);
}
for (const fraction of [0.1, 1]) {
  const [none, fix] = ['none', 'fixmatch'].map((s) => results.find((r) => r.fraction === fraction && r.semi === s).done.valMIoU);
  console.log(`\n${fraction === 1 ? 'all masks' : `${fraction * 100}% of the masks`}: fixmatch ${pct(fix)} vs none ${pct(none)} (${fix >= none ? '+' : ''}${((fix - none) * 100).toFixed(1)} points)`);
}
