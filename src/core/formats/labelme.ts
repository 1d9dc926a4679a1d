/**
 * LabelMe JSON (one file per image): shapes with a label, a type and points. LabelMe's points are
 * pixel centres (it fills polygons with PIL, centre at integer coordinates), so they shift by half a
 * pixel into our convention (pixel x spans [x, x+1]). Area shapes are read: polygon, rectangle,
 * circle and mask; lines and points mark no area and are counted as skipped.
 */
import { FormatError } from './formatError';
import { show } from './coco';
import type { Ring } from '../polygons';

export interface LabelmeShape {
  label: string;
  /** Shapes sharing a group id (and label) are one object. */
  groupId: number | null;
  /** Rings in our pixel convention (even-odd), or a mask for `mask` shapes. */
  rings?: Ring[];
  mask?: { x: number; y: number; pngBase64: string };
  index: number;
}

export interface LabelmeFile {
  imagePath: string;
  imageData?: string;
  width: number;
  height: number;
  shapes: LabelmeShape[];
  /** Shapes that mark no area (line, linestrip, point), by type. */
  skipped: Record<string, number>;
}

/** Vertices used for a circle: fine enough that no pixel of a 1000-px circle is misjudged by more than 0.1 px. */
const CIRCLE_SEGMENTS = 128;

export function parseLabelme(text: string, file: string): LabelmeFile {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, undefined, `not valid JSON: ${(e as Error).message}`);
  }
  const fail = (entry: string | undefined, problem: string): never => {
    throw new FormatError(file, entry, problem);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(undefined, 'must be a LabelMe JSON object with "shapes" and "imagePath"');
  if (!Array.isArray(json.shapes)) fail('shapes', json.shapes === undefined ? 'is missing' : 'must be an array');
  if (typeof json.imagePath !== 'string' || json.imagePath === '') fail('imagePath', `must name the image file, got ${show(json.imagePath)}`);
  for (const k of ['imageWidth', 'imageHeight']) {
    if (!(Number.isInteger(json[k]) && json[k] > 0)) fail(k, `must be a positive integer, got ${show(json[k])}`);
  }
  if (json.imageData !== undefined && json.imageData !== null && typeof json.imageData !== 'string') fail('imageData', 'must be a base64 string or null');
  const shapes: LabelmeShape[] = [];
  const skipped: Record<string, number> = {};
  json.shapes.forEach((s: any, i: number) => {
    const at = `shapes[${i}]`;
    if (typeof s !== 'object' || s === null) fail(at, 'must be an object {label, points, shape_type}');
    if (typeof s.label !== 'string' || s.label.trim() === '') fail(at, `label must be a non-empty string, got ${show(s.label)}`);
    const entry = `${at} ("${s.label}")`;
    const type = s.shape_type ?? 'polygon';
    if (!Array.isArray(s.points) || s.points.some((p: any) => !Array.isArray(p) || p.length !== 2 || !p.every((v: any) => typeof v === 'number' && Number.isFinite(v)))) {
      fail(entry, 'points must be a list of [x, y] number pairs');
    }
    const pts: [number, number][] = s.points.map(([x, y]: [number, number]) => [x + 0.5, y + 0.5]);
    const groupId = s.group_id === null || s.group_id === undefined ? null : Number.isInteger(s.group_id) ? s.group_id : fail(entry, `group_id must be an integer or null, got ${show(s.group_id)}`);
    const shape: LabelmeShape = { label: s.label, groupId, index: i };
    const need = (n: number, what: string) => {
      if (pts.length < n) fail(entry, `a ${type} needs ${what}, got ${pts.length} point${pts.length === 1 ? '' : 's'}`);
    };
    switch (type) {
      case 'polygon':
        need(3, 'at least 3 points');
        shape.rings = [pts.flat()];
        break;
      case 'rectangle': {
        need(2, '2 corner points');
        // LabelMe fills both corner pixels (PIL's rectangle is inclusive): span them whole.
        const [[ax, ay], [bx, by]] = s.points as [number, number][];
        const x0 = Math.min(ax, bx), x1 = Math.max(ax, bx) + 1, y0 = Math.min(ay, by), y1 = Math.max(ay, by) + 1;
        shape.rings = [[x0, y0, x1, y0, x1, y1, x0, y1]];
        break;
      }
      case 'circle': {
        need(2, 'a centre and a point on the circle');
        const [[cx, cy], [px, py]] = pts;
        const r = Math.hypot(px - cx, py - cy);
        const ring: number[] = [];
        for (let k = 0; k < CIRCLE_SEGMENTS; k++) {
          const a = (2 * Math.PI * k) / CIRCLE_SEGMENTS;
          ring.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
        }
        shape.rings = [ring];
        break;
      }
      case 'mask': {
        if (typeof s.mask !== 'string' || s.mask === '') fail(entry, 'a mask shape needs "mask", a base64 PNG');
        need(1, 'its top-left corner');
        // points are pixel centres of the corner pixel: undo the half-pixel shift.
        shape.mask = { x: Math.round(pts[0][0] - 0.5), y: Math.round(pts[0][1] - 0.5), pngBase64: s.mask };
        break;
      }
      case 'line':
      case 'linestrip':
      case 'point':
      case 'points':
        skipped[type] = (skipped[type] ?? 0) + 1;
        return;
      default:
        fail(entry, `shape_type "${type}" is not known (polygon, rectangle, circle, mask, line, linestrip, point)`);
    }
    shapes.push(shape);
  });
  return {
    imagePath: json.imagePath,
    ...(typeof json.imageData === 'string' && json.imageData ? { imageData: json.imageData } : {}),
    width: json.imageWidth,
    height: json.imageHeight,
    shapes,
    skipped,
  };
}
