import { CommandSpec, onePositional, UsageError } from '../command';
import { openDataset } from '../../engine/dataset';
import { exportDataset } from '../../engine/formats/exportDataset';
import { importDataset } from '../../engine/formats/importDataset';
import { ExportFormat, ExportResult, ImportFormat, ImportResult } from '../../core/convert';

const usage = 'convert <root> --to coco|voc|yolo --out <dir> [--segmentation rle|polygon] [--tolerance px] [--force] [--json]\n' +
  '  segment convert <source> --from coco|voc|yolo|labelme --out <dir> [--force] [--json]';

const EXPORTS: ExportFormat[] = ['coco', 'voc', 'yolo'];
const IMPORTS: ImportFormat[] = ['coco', 'voc', 'yolo', 'labelme'];

export const convert: CommandSpec = {
  usage,
  summary: 'export a dataset to COCO (RLE or polygons), Pascal VOC or YOLO segmentation, or import one from those and LabelMe',
  options: {
    to: { type: 'string' },
    from: { type: 'string' },
    out: { type: 'string' },
    segmentation: { type: 'string' },
    tolerance: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(positionals, options, { out, ctx }) {
    const source = onePositional(positionals, 'a dataset folder (or, with --from, the data to import)', usage);
    const to = options.to as string | undefined;
    const from = options.from as string | undefined;
    const dir = options.out as string | undefined;
    if (!!to === !!from) throw new UsageError(`give exactly one of --to (export) and --from (import)\nusage: segment ${usage}`);
    if (!dir) throw new UsageError(`--out <dir> is required\nusage: segment ${usage}`);
    const force = options.force === true;
    if (to) {
      if (!EXPORTS.includes(to as ExportFormat)) throw new UsageError(`--to must be one of ${EXPORTS.join(', ')}, not "${to}"`);
      const segmentation = (options.segmentation as string | undefined) ?? 'rle';
      if (segmentation !== 'rle' && segmentation !== 'polygon') throw new UsageError(`--segmentation must be rle or polygon, not "${segmentation}"`);
      if (options.segmentation && to !== 'coco') throw new UsageError('--segmentation applies to --to coco only (VOC is masks, YOLO is polygons)');
      const tolerance = options.tolerance === undefined ? undefined : Number(options.tolerance);
      if (tolerance !== undefined && !(tolerance >= 0)) throw new UsageError(`--tolerance must be a number of pixels >= 0, not "${options.tolerance}"`);
      const result = await exportDataset(await openDataset(source), { root: source, format: to as ExportFormat, out: dir, segmentation, tolerance, force }, ctx);
      out.done('convert', result, () => formatExport(result));
      return 0;
    }
    if (!IMPORTS.includes(from as ImportFormat)) throw new UsageError(`--from must be one of ${IMPORTS.join(', ')}, not "${from}"`);
    if (options.segmentation || options.tolerance) throw new UsageError('--segmentation and --tolerance apply to export (--to) only');
    const result = await importDataset({ source, format: from as ImportFormat, out: dir, force }, ctx);
    out.done('convert', result, () => formatImport(result));
    return 0;
  },
};

function formatExport(r: ExportResult): string {
  return [
    `wrote ${r.format.toUpperCase()} to ${r.out}: ${r.images} images, ${r.objects} objects`,
    r.skipped.length ? `left out ${r.skipped.length} images: ${summarise(r.skipped.map((s) => s.reason))}` : '',
    ...r.notes.map((n) => `note: ${n}`),
  ].filter(Boolean).join('\n');
}

function formatImport(r: ImportResult): string {
  return [
    `imported ${r.format.toUpperCase()} into ${r.out}: ${r.images} images, ${r.objects} objects, classes ${r.classes.map((c) => `${c.id} ${c.name}`).join(', ')}`,
    ...r.notes.map((n) => `note: ${n}`),
  ].join('\n');
}

/** "no mask (8), <reason> (1)" */
function summarise(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${r} (${n})`).join(', ');
}
