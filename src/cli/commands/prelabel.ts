import * as path from 'node:path';
import { CommandSpec, onePositional, UsageError } from '../command';
import { count } from '../output';
import { Device, DEVICES, parseShard, PrelabelResult, ShardError } from '../../core/prelabel';
import { loadModel } from '../../engine/inference/model';
import { prelabelFolder } from '../../engine/prelabel/prelabel';

const usage = 'prelabel <root|folder> [--model m.onnx] [--device auto|cpu|cuda] [--all] [--shard i/N|N] [--batch B] [--json]';

/** The model shipped with the extension and the CLI (written by `segment train` and exported). */
export const DEFAULT_MODEL = path.resolve(__dirname, '..', 'models', 'default.onnx');

export const prelabel: CommandSpec = {
  usage,
  summary: 'runs a segmentation model over the images (default: those without a human mask) and writes prelabels/<path>.png + .json; ' +
    '--shard i/N (or N with JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID) takes every N-th image',
  options: { model: { type: 'string' }, device: { type: 'string' }, all: { type: 'boolean' }, shard: { type: 'string' }, batch: { type: 'string' } },
  async run(positionals, options, { out, ctx }) {
    const folder = onePositional(positionals, 'a dataset or image folder', usage);
    const device = (options.device ?? 'auto') as Device;
    if (!DEVICES.includes(device)) throw new UsageError(`--device must be one of ${DEVICES.join(', ')}, got "${device}"`);
    const batch = options.batch === undefined ? undefined : Number(options.batch);
    if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) throw new UsageError(`--batch must be a positive integer, got "${options.batch}"`);
    let shard;
    try {
      shard = parseShard(options.shard as string | undefined, process.env);
    } catch (e) {
      if (e instanceof ShardError) throw new UsageError(e.message);
      throw e;
    }
    const modelFile = (options.model as string | undefined) ?? DEFAULT_MODEL;
    const model = await loadModel(modelFile, device).catch((e) => {
      if (options.model === undefined) e.message += ' (the default model; pass --model <file.onnx> to use another)';
      throw e;
    });
    try {
      if (model.notice) {
        if (out.json) process.stdout.write(JSON.stringify({ event: 'notice', message: model.notice }) + '\n');
        else process.stderr.write(`segment: ${model.notice}\n`);
      }
      const result = await prelabelFolder({ folder, model: modelFile, device, all: options.all === true, shard, batch }, model, ctx);
      out.done('prelabel', result, () => formatPrelabel(result));
      return result.failed.length > 0 ? 1 : 0;
    } finally {
      await model.session.release();
    }
  },
};

export function formatPrelabel(r: PrelabelResult): string {
  const reasons = new Map<string, number>();
  for (const s of r.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
  return [
    `${r.root}${r.shard ? ` (shard ${r.shard.index}/${r.shard.count})` : ''}: ${count(r.written)} written, ${count(r.skipped.length)} skipped, ${count(r.failed.length)} failed ` +
      `of ${count(r.total)} images; ${r.executionProvider}, ${r.imagesPerSecond.toFixed(2)} images/s`,
    `model ${r.model.name} (${path.basename(r.model.path)}, sha256 ${r.model.sha256.slice(0, 12)})`,
    `pre-labels in ${r.output}`,
    ...[...reasons].map(([reason, n]) => `skipped ${count(n)}: ${reason}`),
    ...r.failed.map((f) => `failed: ${f.path}: ${f.reason}`),
  ].join('\n');
}
