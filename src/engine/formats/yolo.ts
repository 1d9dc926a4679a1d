/**
 * YOLO segmentation (Ultralytics): export writes images/<split>/, labels/<split>/ (one polygon per
 * object, normalised) and data.yaml; import reads the same layout, labels found by swapping the
 * `images` folder for `labels`, as Ultralytics does.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cropObject } from '../../core/components';
import { formatYoloDataYaml, parseYoloDataYaml, parseYoloLabels, YoloDataYaml } from '../../core/formats/yolo';
import { fillPolygons, joinRings, maskToPolygons } from '../../core/polygons';
import { isImagePath, Split, SPLITS } from '../../core/datasetLayout';
import { stripExtension } from '../../core/paths';
import { defaultClassColor } from '../../core/color';
import { DatasetError } from '../../core/problems';
import { listFiles } from '../files';
import { imageSize } from '../images';
import { copyImage, ExportContext, Exporter, exportedImageName } from './exportDataset';
import { ImportSink } from './importDataset';

/** Decimals of normalised coordinates: 1e-6 of the image side, far below a pixel. */
const DECIMALS = 6;

export function yoloExporter(ctx: ExportContext): Exporter {
  const { config } = ctx.dataset;
  const foreground = config.classes.filter((c) => c.id !== 0);
  const indexOf = new Map(foreground.map((c, k) => [c.id, k]));
  let ignored = 0;
  return {
    async item(item, labels) {
      const { width, height, ids, objects } = labels;
      const dir = item.split ? `${item.split}/` : '';
      await copyImage(ctx, item, `images/${dir}${exportedImageName(item)}`);
      const lines = objects.objects.map((o, k) => {
        const crop = cropObject(objects, width, k);
        // One line per object: all its parts and holes joined into one polygon, as Ultralytics does.
        const ring = joinRings(maskToPolygons(crop.mask, crop.width, crop.height, ctx.tolerance).flat());
        const coords = ring.map((v, j) => (j % 2 === 0 ? (v + o.x0) / width : (v + o.y0) / height).toFixed(DECIMALS).replace(/\.?0+$/, ''));
        return `${indexOf.get(o.classId)} ${coords.join(' ')}`;
      });
      if (ids.includes(config.ignoreIndex)) ignored++;
      await ctx.folder.write(`labels/${dir}${item.key}.txt`, lines.join('\n') + (lines.length ? '\n' : ''));
      return lines.length;
    },
    async finish(items) {
      const splits: YoloDataYaml['splits'] = {};
      const used = new Set(items.map((i) => i.split));
      for (const s of SPLITS) if (used.has(s)) splits[s] = `images/${s}`;
      if (used.has(undefined) || Object.keys(splits).length === 0) {
        if (!splits.train) splits.train = 'images';
        if (!splits.val) splits.val = 'images';
      }
      await ctx.folder.write('data.yaml', formatYoloDataYaml(foreground.map((c) => c.name), splits));
      ctx.notes.add(`polygons simplified with a tolerance of ${ctx.tolerance} px (0 keeps every pixel)`);
      if (ignored) ctx.notes.add(`YOLO has no "ignore" label: the ignore pixels of ${ignored} masks became background`);
    },
  };
}

export async function importYolo(source: string, sink: ImportSink): Promise<void> {
  const root = path.resolve(source);
  const files = await listFiles(root).catch(() => {
    throw new DatasetError(`${source} is not a folder`);
  });
  const yamlFile = files.find((f) => f === 'data.yaml') ?? files.find((f) => !f.includes('/') && /\.ya?ml$/i.test(f));
  if (!yamlFile) throw new DatasetError(`${source} has no data.yaml naming the classes`);
  const data = parseYoloDataYaml(await fs.readFile(path.join(root, yamlFile), 'utf8'), path.join(source, yamlFile));
  const labelFiles = new Set(files.filter((f) => f.endsWith('.txt')));
  sink.setClasses([{ id: 0, name: 'background', color: '#000000' }, ...data.names.map((name, k) => ({ id: k + 1, name, color: defaultClassColor(k + 1) }))]);
  if (data.names.length > 254) throw new DatasetError(`${yamlFile} names ${data.names.length} classes: an 8-bit mask holds at most 254`);

  const images = files.filter((f) => isImagePath(f) && /(^|\/)images\//.test(f));
  if (images.length === 0) throw new DatasetError(`${source} has no images/ folder with images`);
  // Keys drop `images/` and the split folder, unless two splits share a name.
  const entries = images.map((f) => {
    const inImages = f.slice(f.search(/(^|\/)images\//) + (f.startsWith('images/') ? 7 : 8));
    const first = inImages.split('/')[0];
    const split = (SPLITS as readonly string[]).includes(first) ? (first as Split) : undefined;
    const label = f.replace(/(^|\/)images\/(?!.*(^|\/)images\/)/, '$1labels/').replace(/\.[^./]+$/, '.txt');
    return { file: f, split, key: stripExtension(split ? inImages.slice(first.length + 1) : inImages), full: stripExtension(inImages), label };
  });
  const clash = new Set(entries.map((e) => e.key)).size !== entries.length;
  let labelled = 0;
  for (const e of entries) {
    const hasLabels = labelFiles.has(e.label);
    if (hasLabels) labelled++;
    const labelPath = path.join(root, e.label);
    // Parse every label file now: a malformed one stops the import before anything is written.
    const objects = hasLabels ? parseYoloLabels(await fs.readFile(labelPath, 'utf8'), path.join(source, e.label), data.names.length) : [];
    sink.add({
      key: clash ? e.full : e.key,
      split: e.split,
      labelled: hasLabels,
      async load() {
        const file = path.join(root, e.file);
        return { image: file, ...(await imageSize(file)) };
      },
      paint({ ids, instances, width, height }) {
        objects.forEach((o, k) => {
          const ring = o.points.map((v, j) => v * (j % 2 === 0 ? width : height));
          fillPolygons([ring], width, height, ids, o.classIndex + 1);
          fillPolygons([ring], width, height, instances, k + 1);
        });
        return objects.length;
      },
    });
  }
  if (labelled === 0) sink.note(`no label file was found for any image of ${source}: labels/ must mirror images/`);
}
