import { CommandSpec, onePositional, OptionValues, UsageError } from '../command';
import { percent, table } from '../output';
import { train as runTraining } from '../../engine/training/trainer';
import { NoBackendError, shutdownTrainingBackend } from '../../engine/training/backend';
import { ARCHITECTURE_NAMES, ArchitectureName, BackendChoice, ClassWeighting, SemiMode, TrainEvent, TrainParams, TrainResult } from '../../core/training';

const usage =
  'train <root> [--arch unet|deeplab|segnet|fcn8] [--semi none|fixmatch] [--steps N] [--epochs N] [--size S] [--batch B] ' +
  '[--labelled-fraction f] [--seed K] [--out dir] [--width W] [--depth D] [--lr x] [--class-weights none|inverse|median] [--dice] [--instances] [--instance-weight w] ' +
  '[--val-every N] [--resume ckpt|dir] [--backend auto|tensorflow|wasm] [--threads N] [--json]';

function choice<T extends string>(options: OptionValues, name: string, allowed: readonly T[]): T | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function number(options: OptionValues, name: string, { integer = true, min = 1, max = Infinity } = {}): number | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max === Infinity ? 'inf' : max}, got "${v}"`);
  }
  return n;
}

export function trainParams(root: string, o: OptionValues): TrainParams {
  const fraction = number(o, 'labelled-fraction', { integer: false, min: 0, max: 1 });
  if (fraction === 0) throw new UsageError('--labelled-fraction must be greater than 0');
  return {
    root,
    arch: choice<ArchitectureName>(o, 'arch', ARCHITECTURE_NAMES),
    semi: choice<SemiMode>(o, 'semi', ['none', 'fixmatch']),
    steps: number(o, 'steps'),
    epochs: number(o, 'epochs'),
    size: number(o, 'size', { min: 32 }),
    batch: number(o, 'batch'),
    labelledFraction: fraction,
    seed: number(o, 'seed', { min: 0 }),
    out: o.out as string | undefined,
    width: number(o, 'width', { min: 2 }),
    depth: number(o, 'depth', { min: 2 }),
    lr: number(o, 'lr', { integer: false, min: 1e-7, max: 1 }),
    classWeights: choice<ClassWeighting>(o, 'class-weights', ['none', 'inverse', 'median']),
    dice: o.dice === true ? true : undefined,
    instances: o.instances === true ? true : undefined,
    instanceWeight: number(o, 'instance-weight', { integer: false, min: 0, max: 100 }),
    valEvery: number(o, 'val-every'),
    resume: o.resume as string | undefined,
    backend: choice<BackendChoice>(o, 'backend', ['auto', 'tensorflow', 'wasm']),
    threads: number(o, 'threads', { max: 64 }),
    cacheMB: number(o, 'cache-mb', { min: 16 }),
  };
}

export const train: CommandSpec = {
  usage,
  summary: 'train a segmentation model (supervised, or semi-supervised with --semi fixmatch) and export it to ONNX with its manifest',
  options: {
    arch: { type: 'string' }, semi: { type: 'string' }, steps: { type: 'string' }, epochs: { type: 'string' }, size: { type: 'string' },
    batch: { type: 'string' }, 'labelled-fraction': { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
    width: { type: 'string' }, depth: { type: 'string' }, lr: { type: 'string' }, 'class-weights': { type: 'string' }, dice: { type: 'boolean' }, instances: { type: 'boolean' }, 'instance-weight': { type: 'string' },
    'val-every': { type: 'string' }, resume: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, 'cache-mb': { type: 'string' },
  },
  async run(positionals, options, { out, ctx }) {
    const params = trainParams(onePositional(positionals, 'a dataset folder', usage), options);
    const log = out.json ? (e: TrainEvent) => process.stdout.write(JSON.stringify({ event: 'progress', ...e }) + '\n') : (e: TrainEvent) => process.stderr.write(describe(e));
    let result: TrainResult;
    try {
      result = await runTraining(params, {
        signal: ctx.signal,
        progress: (p) => {
          if (p.train) log(p.train);
        },
      });
    } catch (e) {
      // Nothing can train here: a plain message (exit 2), not an internal error.
      if (e instanceof NoBackendError) throw new UsageError(e.message);
      throw e;
    } finally {
      await shutdownTrainingBackend();
    }
    out.done('train', result, () => formatTrain(result));
    return result.stopped ? 1 : 0;
  },
};

function describe(e: TrainEvent): string {
  switch (e.kind) {
    case 'start':
      return `training ${e.arch} (${e.parameters.toLocaleString('en-US')} parameters) on ${e.backend}: ${e.trainImages} labelled, ${e.valImages} validation, ` +
        `${e.unlabelledImages} unlabelled images; ${e.steps} step${e.steps === 1 ? '' : 's'} of ${e.batch} at ${e.size}px, semi-supervised ${e.semi}\n` +
        e.backendsPassedOver.map((s) => `  (not used: ${s})\n`).join('') + `  -> ${e.out}\n`;
    case 'step':
      return `step ${e.step}/${e.steps}  epoch ${e.epoch}  loss ${e.loss.toFixed(4)}${e.unsupervisedLoss !== undefined ? ` (sup ${e.supervisedLoss.toFixed(4)}, unsup ${e.unsupervisedLoss.toFixed(4)} x${(e.unsupervisedWeight ?? 1).toFixed(2)}, confident ${percent(e.confidentFraction ?? 0)})` : ''}` +
        `${e.instanceLoss !== undefined ? `  instances ${e.instanceLoss.toFixed(4)}` : ''}` +
        `  ${e.imagesPerSecond.toFixed(2)} img/s  ${Math.round(e.secondsLeft)} s left\n`;
    case 'epoch':
      return `validation after step ${e.step}: mIoU ${percent(e.valMIoU)}${e.best ? ' (best)' : ''}  ` +
        e.perClass.map((c) => `${c.name} ${c.iou === null ? '-' : percent(c.iou)}`).join(', ') + '\n';
    case 'warning':
      return `warning: ${e.message}\n`;
  }
}

export function formatTrain(r: TrainResult): string {
  return [
    `${r.stopped ? 'stopped' : 'done'} after ${r.steps} steps on ${r.backend} (${r.imagesPerSecond.toFixed(2)} images/s, ${Math.round(r.seconds)} s)`,
    `best validation mIoU ${percent(r.valMIoU)} at step ${r.bestStep}`,
    table(r.perClass.map((c) => [c.id, c.name, c.iou === null ? '-' : percent(c.iou)]), ['id', 'class', 'IoU']),
    `model: ${r.model}`,
    `manifest: ${r.manifest}`,
    `checkpoint: ${r.checkpoint}`,
  ].join('\n');
}
