/**
 * LabelMe import: every `*.json` under the folder is one image's shapes. Classes are the labels
 * (sorted; `_background_` and `background` are class 0), each shape or group (`group_id` and
 * label) is one instance, and later shapes paint over earlier ones, as labelme2voc does.
 */
import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import * as path from 'node:path';
import { LabelmeFile, parseLabelme } from '../../core/formats/labelme';
import { FormatError } from '../../core/formats/formatError';
import { fillPolygons } from '../../core/polygons';
import { decodePng } from '../../core/png';
import { defaultClassColor } from '../../core/color';
import { isImagePath } from '../../core/datasetLayout';
import { extensionOf, stripExtension } from '../../core/paths';
import { DatasetError } from '../../core/problems';
import { listFiles } from '../files';
import { imageSize } from '../images';
import { ImportSink } from './importDataset';

const BACKGROUND_LABELS = new Set(['_background_', 'background', '__ignore__']);

export async function importLabelme(source: string, sink: ImportSink): Promise<void> {
  const root = path.resolve(source);
  const files = await listFiles(root).catch(() => {
    throw new DatasetError(`${source} is not a folder`);
  });
  const jsons = files.filter((f) => f.toLowerCase().endsWith('.json'));
  if (jsons.length === 0) throw new DatasetError(`${source} holds no LabelMe .json files`);
  const parsed: { rel: string; file: LabelmeFile }[] = [];
  for (const rel of jsons) {
    const display = path.join(source, rel);
    parsed.push({ rel, file: parseLabelme(await fs.readFile(path.join(root, rel), 'utf8'), display) });
  }
  const labels = [...new Set(parsed.flatMap((p) => p.file.shapes.map((s) => s.label)))].filter((l) => !BACKGROUND_LABELS.has(l)).sort();
  if (labels.length > 254) throw new DatasetError(`${source} uses ${labels.length} labels: an 8-bit mask holds at most 254 classes`);
  const classOf = new Map(labels.map((l, k) => [l, k + 1]));
  sink.setClasses([{ id: 0, name: 'background', color: '#000000' }, ...labels.map((name, k) => ({ id: k + 1, name, color: defaultClassColor(k + 1) }))]);
  const skipped = new Map<string, number>();
  for (const { file } of parsed) for (const [type, n] of Object.entries(file.skipped)) skipped.set(type, (skipped.get(type) ?? 0) + n);
  if (skipped.size) sink.note(`shapes without an area were skipped: ${[...skipped].map(([t, n]) => `${n} ${t}`).join(', ')}`);
  if (parsed.some((p) => p.file.shapes.some((s) => s.label === '__ignore__'))) sink.note('"__ignore__" shapes were read as background');

  for (const { rel, file } of parsed) {
    const display = path.join(source, rel);
    const key = stripExtension(rel);
    sink.add({
      key,
      labelled: true,
      async load() {
        const imagePath = path.resolve(path.dirname(path.join(root, rel)), file.imagePath.replace(/\\/g, '/'));
        let image: string | { bytes: Uint8Array; ext: string };
        const exists = await fs.stat(imagePath).then((s) => s.isFile(), () => false);
        if (exists && isImagePath(imagePath)) image = imagePath;
        else if (file.imageData) {
          const bytes = new Uint8Array(Buffer.from(file.imageData, 'base64'));
          image = { bytes, ext: sniffExtension(bytes) ?? (extensionOf(file.imagePath) || 'png') };
        } else throw new FormatError(display, 'imagePath', `image "${file.imagePath}" not found and the file has no imageData`);
        const size = typeof image === 'string' ? await imageSize(image) : await imageSizeOfBytes(image.bytes, display);
        if (size.width !== file.width || size.height !== file.height) {
          throw new FormatError(display, 'imageWidth/imageHeight', `say ${file.width}x${file.height} but the image is ${size.width}x${size.height}`);
        }
        return { image, ...size };
      },
      paint({ ids, instances, width, height }) {
        const groups = new Map<string, number>();
        for (const shape of file.shapes) {
          const cls = classOf.get(shape.label) ?? 0;
          const groupKey = shape.groupId === null ? `#${shape.index}` : `${shape.label}\0${shape.groupId}`;
          let instance = groups.get(groupKey);
          if (instance === undefined) groups.set(groupKey, (instance = cls === 0 ? 0 : groups.size + 1));
          if (shape.rings) {
            fillPolygons(shape.rings, width, height, ids, cls);
            fillPolygons(shape.rings, width, height, instances, instance);
          } else if (shape.mask) {
            paintMaskShape(shape.mask, width, height, ids, instances, cls, instance, display, shape.index);
          }
        }
        return new Set([...groups.values()].filter((v) => v > 0)).size;
      },
    });
  }
}

function paintMaskShape(m: { x: number; y: number; pngBase64: string }, width: number, height: number, ids: Uint8Array, instances: Uint16Array, cls: number, instance: number, file: string, index: number): void {
  let png;
  try {
    png = decodePng(new Uint8Array(Buffer.from(m.pngBase64, 'base64')));
  } catch (e) {
    throw new FormatError(file, `shapes[${index}]`, `mask is not a readable PNG: ${(e as Error).message}`);
  }
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const tx = m.x + x;
      const ty = m.y + y;
      if (tx < 0 || ty < 0 || tx >= width || ty >= height || !png.data[(y * png.width + x) * png.channels]) continue;
      ids[ty * width + tx] = cls;
      instances[ty * width + tx] = instance;
    }
  }
}

function sniffExtension(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return undefined;
}

async function imageSizeOfBytes(bytes: Uint8Array, file: string): Promise<{ width: number; height: number }> {
  try {
    const meta = await sharp(bytes).metadata();
    return { width: meta.width!, height: meta.height! };
  } catch (e) {
    throw new FormatError(file, 'imageData', `cannot be decoded: ${(e as Error).message}`);
  }
}
