/**
 * Pascal VOC segmentation: `SegmentationClass/*.png` palette PNGs whose indices are class ids (255
 * void), `SegmentationObject/*.png` instance indices, `ImageSets/Segmentation/*.txt` splits, and
 * CVAT's `labelmap.txt` (`name:r,g,b::`) for the class names.
 */
import { toHexColor, parseHexColor } from '../color';
import { ClassDef } from '../classes';

/** The VOC colour map (bit-interleaved), as VOC's own devkit builds it: entry i is the colour of index i. */
export function vocColormap(entries = 256): Uint8Array {
  const map = new Uint8Array(entries * 3);
  for (let i = 0; i < entries; i++) {
    let r = 0, g = 0, b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    map.set([r, g, b], i * 3);
  }
  return map;
}

export function formatLabelmap(classes: readonly ClassDef[]): string {
  const lines = ['# label:color_rgb:parts:actions'];
  for (const c of classes) lines.push(`${c.name.replace(/:/g, ' ')}:${(parseHexColor(c.color) ?? [0, 0, 0]).join(',')}::`);
  return lines.join('\n') + '\n';
}

/** Entries of a labelmap.txt in file order: the index is the class id when colours do not say. */
export function parseLabelmap(text: string): { name: string; color?: string }[] {
  const out: { name: string; color?: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name, rgb] = line.split(':');
    const parts = (rgb ?? '').split(',').map(Number);
    const color = parts.length === 3 && parts.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) ? toHexColor([parts[0], parts[1], parts[2]]) : undefined;
    out.push({ name: name.trim(), ...(color ? { color } : {}) });
  }
  return out;
}
