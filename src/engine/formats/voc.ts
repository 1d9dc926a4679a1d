/**
 * Pascal VOC: export writes JPEGImages/, SegmentationClass/ (palette PNGs, index = class id, 255
 * void), SegmentationObject/ (instance indices), ImageSets/Segmentation/ and CVAT's labelmap.txt;
 * import reads the same layout (the dataset reader already knows it) and restores class names.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeInstancePng, encodeMaskPng, decodeInstancePng } from '../../core/maskCodec';
import { encodePng, readPngHeader } from '../../core/png';
import { formatLabelmap, parseLabelmap, vocColormap } from '../../core/formats/voc';
import { SPLITS } from '../../core/datasetLayout';
import { DatasetError } from '../../core/problems';
import { copyImage, ExportContext, Exporter, exportedImageName } from './exportDataset';
import { ImportSink } from './importDataset';
import { absolutePath, openDataset } from '../dataset';
import { readCheckedMask } from '../masks';
import { imageSize } from '../images';

/** Largest instance index an 8-bit VOC object PNG holds (255 is void). */
const MAX_PALETTE_INSTANCES = 254;

export function vocExporter(ctx: ExportContext): Exporter {
  const { config } = ctx.dataset;
  const colormap = vocColormap();
  return {
    async item(item, labels) {
      const { width, height, ids, objects } = labels;
      await copyImage(ctx, item, `JPEGImages/${exportedImageName(item)}`);
      await ctx.folder.write(`SegmentationClass/${item.key}.png`, encodeMaskPng(ids, width, height, config));
      const n = objects.objects.length;
      let objectPng: Uint8Array;
      if (n <= MAX_PALETTE_INSTANCES) {
        const data = new Uint8Array(width * height);
        for (let k = 0; k < data.length; k++) data[k] = objects.labels[k];
        objectPng = encodePng({ width, height, colorType: 3, bitDepth: 8, data, palette: colormap });
      } else {
        ctx.notes.add(`images with more than ${MAX_PALETTE_INSTANCES} objects get 16-bit SegmentationObject PNGs (VOC's 8-bit palette cannot number them)`);
        objectPng = encodeInstancePng(Uint16Array.from(objects.labels), width, height);
      }
      await ctx.folder.write(`SegmentationObject/${item.key}.png`, objectPng);
      return n;
    },
    async finish(items) {
      const lists = new Map<string, string[]>();
      for (const item of items) {
        for (const list of item.split ? [item.split, ...(item.split === 'test' ? [] : ['trainval'])] : []) {
          if (!lists.has(list)) lists.set(list, []);
          lists.get(list)!.push(item.key);
        }
      }
      for (const [name, keys] of lists) await ctx.folder.write(`ImageSets/Segmentation/${name}.txt`, keys.join('\n') + '\n');
      await ctx.folder.write('labelmap.txt', formatLabelmap(config.classes));
    },
  };
}

export async function importVoc(source: string, sink: ImportSink): Promise<void> {
  const dataset = await openDataset(source);
  if (dataset.layout.kind !== 'voc') {
    throw new DatasetError(`${source} is not a Pascal VOC folder: expected JPEGImages/ and SegmentationClass/ (found a ${dataset.layout.kind} layout)`);
  }
  const errors = dataset.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new DatasetError(`${source}: ${errors[0].file}: ${errors[0].message}`, errors);
  // Names from labelmap.txt: matched by colour (our palettes carry the class colours), else by line.
  const labelmap = await fs.readFile(path.join(dataset.root, 'labelmap.txt'), 'utf8').then(parseLabelmap, () => undefined);
  const classes = dataset.config.classes.map((c) => {
    const named = labelmap?.find((l) => l.color === c.color) ?? labelmap?.[c.id];
    return { ...c, name: named?.name ?? c.name, color: named?.color ?? c.color };
  });
  if (!labelmap) sink.note('no labelmap.txt: classes are named "class N" after their ids');
  sink.setClasses(classes);
  const config = { ...dataset.config, classes };
  for (const item of dataset.items) {
    sink.add({
      key: item.key,
      split: SPLITS.includes(item.split as never) ? item.split : undefined,
      labelled: !!item.mask,
      keepInstances: !!item.instances,
      async load() {
        const file = absolutePath(dataset, item.image);
        return { image: file, ...(await imageSize(file)) };
      },
      async paint({ ids, instances }) {
        const mask = await readCheckedMask(absolutePath(dataset, item.mask!), item.mask!, config);
        if (!mask.ok) throw new DatasetError(`${path.join(source, mask.problem.file)}: ${mask.problem.message}`);
        ids.set(mask.mask.ids);
        let n = 0;
        if (item.instances) {
          const file = absolutePath(dataset, item.instances);
          const bytes = await fs.readFile(file);
          const objects = decodeInstancePng(bytes);
          if (objects.width !== mask.mask.width || objects.height !== mask.mask.height) {
            throw new DatasetError(`${file} is ${objects.width}x${objects.height} but its class mask is ${mask.mask.width}x${mask.mask.height}`);
          }
          // 8-bit VOC object maps mark object boundaries with 255 (void): no instance.
          const voidIndex = readPngHeader(bytes).bitDepth === 8 ? 255 : -1;
          const seen = new Set<number>();
          for (let k = 0; k < instances.length; k++) {
            const v = objects.ids[k] === voidIndex ? 0 : objects.ids[k];
            instances[k] = v;
            if (v) seen.add(v);
          }
          n = seen.size;
        }
        return n;
      },
    });
  }
}
