import { CommandSpec, onePositional, UsageError } from '../command';
import { percent, table } from '../output';
import { openDataset } from '../../engine/dataset';
import { evaluateDataset } from '../../engine/evaluate';
import { EvalReport, INSTANCE_SOURCES, InstanceEval, InstanceSource } from '../../core/reports';

const usage = 'eval <root> [--pred <dir>] [--pred-instances maps|components] [--json]';

export const evaluate: CommandSpec = {
  usage,
  summary: 'mIoU, pixel accuracy, mean pixel accuracy, per class and per image, of predictions (default: the pre-labels) against the masks; ' +
    'PQ, SQ, RQ and AP50 of the thing classes where instance maps exist (--pred-instances components: connected components of the predicted classes instead of <pred>/instances/)',
  options: { pred: { type: 'string' }, 'pred-instances': { type: 'string' } },
  async run(positionals, options, { out, ctx }) {
    const root = onePositional(positionals, 'a dataset folder', usage);
    const predInstances = (options['pred-instances'] ?? 'maps') as InstanceSource;
    if (!INSTANCE_SOURCES.includes(predInstances)) throw new UsageError(`--pred-instances must be one of ${INSTANCE_SOURCES.join(', ')}, not "${predInstances}"\nusage: segment ${usage}`);
    const dataset = await openDataset(root);
    const report = await evaluateDataset(dataset, options.pred as string | undefined, ctx, { predInstances });
    out.done('eval', report, () => formatEval(report));
    return report.failed.length > 0 ? 1 : 0;
  },
};

const pct = (v: number | null) => (v === null ? '-' : percent(v));

export function formatEval(r: EvalReport): string {
  return [
    `${r.predictions} against the masks of ${r.root}`,
    `mIoU ${percent(r.mIoU)}   pixel accuracy ${percent(r.pixelAccuracy)}   mean pixel accuracy ${percent(r.meanPixelAccuracy)}   (${r.images.length} images)`,
    '',
    table(r.perClass.map((c) => [c.id, c.name, pct(c.iou), pct(c.accuracy)]), ['id', 'class', 'IoU', 'accuracy']),
    '',
    r.images.length ? 'worst images:\n' + r.images.slice(0, 5).map((i) => `  ${percent(i.mIoU)}  ${i.path}`).join('\n') : 'no image had both a mask and a prediction',
    r.missing.length ? `no prediction for ${r.missing.length} labelled images` : '',
    ...(r.instances ? ['', formatInstances(r.instances)] : []),
    ...r.failed.map((f) => `failed: ${f.path}: ${f.reason}`),
  ].filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
}

function formatInstances(q: InstanceEval): string {
  const from = q.source === 'components' ? '8-connected components of the predicted classes' : q.predictions;
  return [
    `instances (${from}; matched at IoU > 0.5, ${q.images} images)`,
    `PQ ${percent(q.pq)}   SQ ${percent(q.sq)}   RQ ${percent(q.rq)}   AP50 ${percent(q.ap50)}   (mean over thing classes present)`,
    table(q.perClass.map((c) => [c.id, c.name, pct(c.pq), pct(c.sq), pct(c.rq), pct(c.ap50), c.tp, c.fp, c.fn]), ['id', 'class', 'PQ', 'SQ', 'RQ', 'AP50', 'TP', 'FP', 'FN']),
    q.missing.length ? `no predicted instance map for ${q.missing.length} images with instances` : '',
  ].filter(Boolean).join('\n');
}
