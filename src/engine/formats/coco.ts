/**
 * COCO instances: export writes `images/<key>.<ext>` and `annotations/instances.json` (one
 * annotation per object: compressed RLE, or polygons); import reads any COCO instances file.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { cropObject } from '../../core/components';
import { CocoAnnotation, CocoCategory, CocoImage, CocoFile, parseCoco } from '../../core/formats/coco';
import { FormatError } from '../../core/formats/formatError';
import { joinRings, maskToPolygons, fillPolygons } from '../../core/polygons';
import { encodeRle, paintRle, rleFromString, rleToString } from '../../core/rle';
import { isInsideRoot } from '../../core/paths';
import { DatasetError } from '../../core/problems';
import { defaultClassColor } from '../../core/color';
import { Split } from '../../core/datasetLayout';
import { copyImage, ExportContext, Exporter, exportedImageName } from './exportDataset';
import { ImportedItem, ImportSink } from './importDataset';
import { imageSize } from '../images';

export const COCO_ANNOTATIONS = 'annotations/instances.json';

export function cocoExporter(ctx: ExportContext): Exporter {
  const { config } = ctx.dataset;
  const images: CocoImage[] = [];
  const annotations: object[] = [];
  const polygons = ctx.params.segmentation === 'polygon';
  return {
    async item(item, labels, index) {
      const { width, height, ids, objects } = labels;
      const fileName = exportedImageName(item);
      await copyImage(ctx, item, `images/${fileName}`);
      const image: CocoImage = { id: index + 1, file_name: fileName, width, height };
      if (item.split) image.split = item.split;
      if (ids.includes(config.ignoreIndex)) {
        image.segment_ignore = { size: [height, width], counts: rleToString(encodeRle(ids, width, height, config.ignoreIndex)) };
      }
      images.push(image);
      objects.objects.forEach((o, k) => {
        let segmentation: unknown;
        if (polygons) {
          const crop = cropObject(objects, width, k);
          // One polygon per connected part, its holes joined in by zero-width bridges.
          segmentation = maskToPolygons(crop.mask, crop.width, crop.height, ctx.tolerance).map((rings) =>
            joinRings(rings).map((v, j) => v + (j % 2 === 0 ? o.x0 : o.y0)),
          );
        } else {
          segmentation = { size: [height, width], counts: rleToString(encodeRle(objects.labels, width, height, k + 1, [o.x0, o.x1])) };
        }
        annotations.push({
          id: annotations.length + 1,
          image_id: image.id,
          category_id: o.classId,
          segmentation,
          area: o.area,
          bbox: [o.x0, o.y0, o.x1 - o.x0 + 1, o.y1 - o.y0 + 1],
          iscrowd: 0,
        });
      });
      return objects.objects.length;
    },
    async finish() {
      const categories: CocoCategory[] = config.classes.filter((c) => c.id !== 0).map((c) => ({ id: c.id, name: c.name, supercategory: '', color: c.color }));
      const json = {
        info: { description: 'Exported by Segment Studio (segment convert --to coco)', date_created: new Date().toISOString() },
        licenses: [],
        images,
        annotations,
        categories,
      };
      await ctx.folder.write(COCO_ANNOTATIONS, JSON.stringify(json));
      if (polygons) ctx.notes.add(`polygons simplified with a tolerance of ${ctx.tolerance} px (0 keeps every pixel)`);
    },
  };
}

/** The COCO files of a source: a .json file, or every .json under `annotations/` of a folder. */
async function cocoFiles(source: string): Promise<{ file: string; base: string; split?: Split }[]> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new DatasetError(`${source} does not exist`);
  const splitOf = (name: string): Split | undefined => {
    const m = /(?:^|[_-])(train|val|test)(?:\d*)\.json$/i.exec(name);
    return m ? (m[1].toLowerCase() as Split) : undefined;
  };
  if (stat.isFile()) {
    const dir = path.dirname(source);
    const base = path.basename(dir) === 'annotations' ? path.dirname(dir) : dir;
    return [{ file: source, base, split: splitOf(path.basename(source)) }];
  }
  const annDir = path.join(source, 'annotations');
  const names = (await fs.readdir(annDir).catch(() => [] as string[])).filter((n) => n.toLowerCase().endsWith('.json')).sort();
  if (names.length === 0) throw new DatasetError(`${source} holds no annotations/*.json: give the COCO annotations file itself, or a folder with annotations/`);
  return names.map((n) => ({ file: path.join(annDir, n), base: source, split: splitOf(n) }));
}

/** Where a COCO image is: images/<file_name>, images/<split>/<file_name>, <split>/<file_name> or <file_name>. */
async function findImage(base: string, fileName: string, split: string | undefined, jsonName: string): Promise<string | undefined> {
  const stem = jsonName.replace(/\.json$/i, '').replace(/^instances_?/i, '');
  const candidates = [path.join(base, 'images', fileName), path.join(base, fileName)];
  for (const sub of new Set([split, stem].filter(Boolean) as string[])) candidates.push(path.join(base, 'images', sub, fileName), path.join(base, sub, fileName));
  for (const c of candidates) if (await fs.stat(c).then((s) => s.isFile(), () => false)) return c;
  return undefined;
}

export async function importCoco(source: string, sink: ImportSink): Promise<void> {
  const files = await cocoFiles(path.resolve(source));
  const parsed: { file: string; base: string; split?: Split; coco: CocoFile }[] = [];
  for (const f of files) {
    const display = path.relative(process.cwd(), f.file) || f.file;
    parsed.push({ ...f, coco: parseCoco(await fs.readFile(f.file, 'utf8'), display) });
  }
  // Classes: the union of the categories by id; names must agree across files.
  const names = new Map<number, CocoCategory>();
  for (const { file, coco } of parsed) {
    for (const c of coco.categories) {
      const seen = names.get(c.id);
      if (seen && seen.name !== c.name) throw new FormatError(file, `categories (id ${c.id})`, `is "${c.name}" here but "${seen.name}" in another annotations file`);
      names.set(c.id, c);
    }
  }
  const categories = [...names.values()].sort((a, b) => a.id - b.id);
  // COCO ids become class ids when they fit in a mask byte; otherwise they are renumbered 1..n.
  const fits = categories.every((c) => c.id >= 1 && c.id <= 254);
  const classOf = new Map(categories.map((c, i) => [c.id, fits ? c.id : i + 1]));
  if (!fits) sink.note(`COCO category ids above 254 do not fit in an 8-bit mask: classes renumbered 1..${categories.length} in id order`);
  sink.setClasses([{ id: 0, name: 'background', color: '#000000' }, ...categories.map((c) => ({ id: classOf.get(c.id)!, name: c.name, color: c.color ?? defaultClassColor(classOf.get(c.id)!) }))]);

  for (const { file, base, split, coco } of parsed) {
    const byImage = new Map<number, CocoAnnotation[]>();
    for (const a of coco.annotations) {
      let list = byImage.get(a.image_id);
      if (!list) byImage.set(a.image_id, (list = []));
      list.push(a);
    }
    coco.images.forEach((image, i) => {
      const entry = `images[${i}] (id ${image.id})`;
      if (!isInsideRoot(image.file_name)) throw new FormatError(file, entry, `file_name "${image.file_name}" leaves the images folder`);
      const key = image.file_name.replace(/\\/g, '/').replace(/\.[^./]+$/, '');
      sink.add({
        key,
        split: image.split ?? split,
        labelled: true,
        async load() {
          const imagePath = await findImage(base, image.file_name, split, path.basename(file));
          if (!imagePath) throw new FormatError(file, entry, `image "${image.file_name}" not found beside the annotations (looked in images/, images/<split>/ and the folder itself)`);
          const size = await imageSize(imagePath);
          if (size.width !== image.width || size.height !== image.height) {
            throw new FormatError(file, entry, `says ${image.width}x${image.height} but ${image.file_name} is ${size.width}x${size.height}`);
          }
          return { image: imagePath, width: image.width, height: image.height };
        },
        paint({ ids, instances, ignoreIndex }) {
          if (image.segment_ignore) paintRle(rleFromString(image.segment_ignore.counts), image.width, image.height, ids, ignoreIndex);
          const list = byImage.get(image.id) ?? [];
          list.forEach((a, k) => {
            const cls = classOf.get(a.category_id)!;
            const target = { ids, instances, cls, instance: k + 1 };
            const seg = a.segmentation;
            if (seg.kind === 'rle') paintBoth(target, (out, v) => paintRle(seg.counts, image.width, image.height, out, v));
            else {
              const polys = seg.polygons;
              // pycocotools fills each polygon of an annotation on its own and takes the union.
              paintBoth(target, (out, v) => polys.forEach((p) => fillPolygons([p], image.width, image.height, out, v)));
            }
          });
          return list.length;
        },
      } satisfies ImportedItem);
    });
  }
}

/** Paints one object into the class mask and the instance map. */
function paintBoth(t: { ids: Uint8Array; instances: Uint16Array; cls: number; instance: number }, paint: (out: Uint8Array | Uint16Array, value: number) => void): void {
  paint(t.ids, t.cls);
  paint(t.instances, t.instance);
}
