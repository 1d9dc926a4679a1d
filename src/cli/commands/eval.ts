import { CommandSpec, onePositional } from '../command';
import { percent, table } from '../output';
import { openDataset } from '../../engine/dataset';
import { evaluateDataset } from '../../engine/evaluate';
import { EvalReport } from '../../core/reports';

const usage = 'eval <root> [--pred <dir>] [--json]';

export const evaluate: CommandSpec = {
  usage,
  summary: 'mIoU, pixel accuracy, mean pixel accuracy, per class and per image, of predictions (default: the pre-labels) against the masks',
  options: { pred: { type: 'string' } },
  async run(positionals, options, { out, ctx }) {
    const dataset = await openDataset(onePositional(positionals, 'a dataset folder', usage));
    const report = await evaluateDataset(dataset, options.pred as string | undefined, ctx);
    out.done('eval', report, () => formatEval(report));
    return report.failed.length > 0 ? 1 : 0;
  },
};

export function formatEval(r: EvalReport): string {
  const pct = (v: number | null) => (v === null ? '-' : percent(v));
  return [
    `${r.predictions} against the masks of ${r.root}`,
    `mIoU ${percent(r.mIoU)}   pixel accuracy ${percent(r.pixelAccuracy)}   mean pixel accuracy ${percent(r.meanPixelAccuracy)}   (${r.images.length} images)`,
    '',
    table(r.perClass.map((c) => [c.id, c.name, pct(c.iou), pct(c.accuracy)]), ['id', 'class', 'IoU', 'accuracy']),
    '',
    r.images.length ? 'worst images:\n' + r.images.slice(0, 5).map((i) => `  ${percent(i.mIoU)}  ${i.path}`).join('\n') : 'no image had both a mask and a prediction',
    r.missing.length ? `no prediction for ${r.missing.length} labelled images` : '',
    ...r.failed.map((f) => `failed: ${f.path}: ${f.reason}`),
  ].filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== '')).join('\n');
}
