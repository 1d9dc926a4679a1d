import { CommandSpec, onePositional } from '../command';
import { count, percent, table } from '../output';
import { openDataset } from '../../engine/dataset';
import { datasetStats } from '../../engine/stats';
import { DatasetStats } from '../../core/reports';
import { problemToString } from '../../core/problems';

const usage = 'stats <root> [--json]';

export const stats: CommandSpec = {
  usage,
  summary: 'counts, class pixel frequencies, image sizes and problems found; exit 1 when a problem is an error',
  options: {},
  async run(positionals, _options, { out, ctx }) {
    const dataset = await openDataset(onePositional(positionals, 'a dataset folder', usage));
    const result = await datasetStats(dataset, ctx);
    out.done('stats', result, () => formatStats(result));
    return result.problems.some((p) => p.severity === 'error') ? 1 : 0;
  },
};

export function formatStats(s: DatasetStats): string {
  const totalPixels = s.classes.reduce((a, c) => a + c.pixels, 0);
  const lines = [
    `${s.root}  (${s.layout}${s.config === 'inferred' ? ', classes inferred: no segment.json' : ''})`,
    `images ${count(s.images)}: labelled ${count(s.labelled)}, pre-labelled ${count(s.prelabelled)}, unlabelled ${count(s.unlabelled)}; with instances ${count(s.withInstances)}`,
    `splits: train ${s.splits.train}, val ${s.splits.val}, test ${s.splits.test}, none ${s.splits.none}`,
    '',
    table(
      s.classes.map((c) => [c.id, c.name, count(c.pixels), totalPixels ? percent(c.pixels / totalPixels, 2) : '-', c.images]),
      ['id', 'class', 'pixels', 'share', 'images'],
    ),
    `ignored pixels: ${count(s.ignoredPixels)}`,
    `sizes: ${s.sizes.slice(0, 6).map((z) => `${z.width}x${z.height} (${z.count})`).join(', ')}${s.sizes.length > 6 ? `, ${s.sizes.length - 6} more` : ''}`,
    '',
    s.problems.length === 0 ? 'problems: none' : `problems (${s.problems.length}):\n` + s.problems.map((p) => '  ' + problemToString(p)).join('\n'),
  ];
  return lines.join('\n');
}
