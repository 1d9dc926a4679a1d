/**
 * COCO instance annotations (the `instances_*.json` of the COCO dataset): parsing with every
 * entry checked, and the shapes our exporter writes. Category 0 does not exist in COCO: class id 0
 * is the background and has no category.
 */
import { checkRle, RleError, rleFromString } from '../rle';
import { FormatError } from './formatError';

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  /** Our extension: the split the image belongs to. */
  split?: 'train' | 'val' | 'test';
  /** Our extension: pixels marked "ignore" (compressed RLE), which COCO has no field for. */
  segment_ignore?: { size: [number, number]; counts: string };
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
  /** Our extension: the class colour. */
  color?: string;
}

export type CocoSegmentation =
  | { kind: 'polygons'; polygons: number[][] }
  | { kind: 'rle'; counts: number[] };

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  segmentation: CocoSegmentation;
  iscrowd: number;
  /** Where it sits in the file, for messages. */
  index: number;
}

export interface CocoFile {
  images: CocoImage[];
  categories: CocoCategory[];
  annotations: CocoAnnotation[];
}

/** Parses a COCO instances file; throws a FormatError naming the entry at the first problem. */
export function parseCoco(text: string, file: string): CocoFile {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, undefined, `not valid JSON: ${(e as Error).message}`);
  }
  const fail = (entry: string | undefined, problem: string): never => {
    throw new FormatError(file, entry, problem);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(undefined, 'must be a JSON object with "images", "annotations" and "categories"');
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(json[key])) fail(key, json[key] === undefined ? 'is missing' : 'must be an array');
  }

  const images: CocoImage[] = [];
  const imageById = new Map<number, CocoImage>();
  const names = new Set<string>();
  json.images.forEach((im: any, i: number) => {
    const at = `images[${i}]`;
    if (!isObject(im)) fail(at, 'must be an object {id, file_name, width, height}');
    if (!isId(im.id)) fail(at, `id must be a non-negative integer, got ${show(im.id)}`);
    const entry = `${at} (id ${im.id})`;
    if (imageById.has(im.id)) fail(entry, `id ${im.id} is used by another image too`);
    if (typeof im.file_name !== 'string' || im.file_name === '') fail(entry, `file_name must be a non-empty string, got ${show(im.file_name)}`);
    if (names.has(im.file_name)) fail(entry, `file_name "${im.file_name}" is listed twice`);
    for (const k of ['width', 'height']) if (!isPositiveInt(im[k])) fail(entry, `${k} must be a positive integer, got ${show(im[k])}`);
    const image: CocoImage = { id: im.id, file_name: im.file_name, width: im.width, height: im.height };
    if (im.split === 'train' || im.split === 'val' || im.split === 'test') image.split = im.split;
    if (im.segment_ignore !== undefined) {
      const rle = im.segment_ignore;
      if (!isObject(rle) || typeof rle.counts !== 'string') fail(entry, 'segment_ignore must be a compressed RLE {size, counts}');
      image.segment_ignore = { size: [im.height, im.width], counts: rle.counts };
    }
    images.push(image);
    imageById.set(image.id, image);
    names.add(image.file_name);
  });

  const categories: CocoCategory[] = [];
  const categoryIds = new Set<number>();
  json.categories.forEach((c: any, i: number) => {
    const at = `categories[${i}]`;
    if (!isObject(c)) fail(at, 'must be an object {id, name}');
    if (!isId(c.id) || c.id === 0) fail(at, `id must be a positive integer (0 is the background), got ${show(c.id)}`);
    if (categoryIds.has(c.id)) fail(`${at} (id ${c.id})`, `id ${c.id} is used by another category too`);
    if (typeof c.name !== 'string' || c.name.trim() === '') fail(`${at} (id ${c.id})`, `name must be a non-empty string, got ${show(c.name)}`);
    categoryIds.add(c.id);
    categories.push({ id: c.id, name: c.name, ...(typeof c.supercategory === 'string' ? { supercategory: c.supercategory } : {}), ...(typeof c.color === 'string' ? { color: c.color } : {}) });
  });

  const annotations: CocoAnnotation[] = [];
  const annotationIds = new Set<number>();
  json.annotations.forEach((a: any, i: number) => {
    let entry = `annotations[${i}]`;
    if (!isObject(a)) fail(entry, 'must be an object {id, image_id, category_id, segmentation}');
    if (a.id !== undefined) {
      if (!isId(a.id)) fail(entry, `id must be a non-negative integer, got ${show(a.id)}`);
      entry += ` (id ${a.id})`;
      if (annotationIds.has(a.id)) fail(entry, `id ${a.id} is used by another annotation too`);
      annotationIds.add(a.id);
    }
    const image = imageById.get(a.image_id);
    if (!image) fail(entry, `image_id ${show(a.image_id)} is no image of this file`);
    if (!categoryIds.has(a.category_id)) fail(entry, `category_id ${show(a.category_id)} is no category of this file`);
    const segmentation = parseSegmentation(a.segmentation, image!, (p) => fail(entry, p));
    annotations.push({ id: a.id ?? i, image_id: a.image_id, category_id: a.category_id, segmentation, iscrowd: a.iscrowd === 1 ? 1 : 0, index: i });
  });
  return { images, categories, annotations };
}

function parseSegmentation(s: any, image: CocoImage, fail: (problem: string) => never): CocoSegmentation {
  if (Array.isArray(s)) {
    if (s.length === 0) fail('segmentation is an empty list of polygons');
    s.forEach((poly: any, j: number) => {
      if (!Array.isArray(poly)) fail(`segmentation[${j}] must be a list of numbers [x1, y1, x2, y2, ...]`);
      if (poly.length < 6 || poly.length % 2 !== 0) fail(`segmentation[${j}] has ${poly.length} numbers: a polygon needs an even count of at least 6 (three points)`);
      const bad = poly.findIndex((v: unknown) => typeof v !== 'number' || !Number.isFinite(v));
      if (bad >= 0) fail(`segmentation[${j}][${bad}] is ${show(poly[bad])}, not a number`);
    });
    return { kind: 'polygons', polygons: s };
  }
  if (isObject(s)) {
    if (!Array.isArray(s.size) || s.size.length !== 2) fail('segmentation.size must be [height, width]');
    if (s.size[0] !== image.height || s.size[1] !== image.width) {
      fail(`segmentation.size is [${s.size}] (height, width) but image ${image.id} is ${image.width}x${image.height}: expected [${image.height}, ${image.width}]`);
    }
    let counts: number[];
    if (typeof s.counts === 'string') {
      try {
        counts = rleFromString(s.counts);
      } catch (e) {
        return fail(`segmentation.counts: ${(e as Error).message}`);
      }
    } else if (Array.isArray(s.counts)) counts = s.counts;
    else return fail('segmentation.counts must be a compressed string or a list of run lengths');
    try {
      checkRle({ size: [image.height, image.width], counts });
    } catch (e) {
      if (e instanceof RleError) fail(`segmentation.counts: ${e.message}`);
      throw e;
    }
    return { kind: 'rle', counts };
  }
  return fail(`segmentation must be a list of polygons or an RLE object {size, counts}, got ${show(s)}`);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}
export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'nothing' : s.length > 40 ? s.slice(0, 37) + '...' : s;
}
