/** Class colours: parsing, formatting and the default palette for classes without a colour. */

export type Rgb = readonly [number, number, number];

/** Parses `#rrggbb` (or `#rgb`); returns undefined for anything else. */
export function parseHexColor(text: string): Rgb | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(text.trim());
  if (!m) return undefined;
  let hex = m[1];
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  const n = parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function toHexColor([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/**
 * Default colours by class id: black background, then a set of 20 distinct colours
 * (Sasha Trubetskoy's list, the one most labelling tools use) that repeats.
 */
const DISTINCT = [
  '#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6',
  '#bcf60c', '#fabebe', '#008080', '#e6beff', '#9a6324', '#fffac8', '#800000', '#aaffc3',
  '#808000', '#ffd8b1', '#000075', '#808080',
];

export function defaultClassColor(id: number): string {
  if (id === 0) return '#000000';
  return DISTINCT[(id - 1) % DISTINCT.length];
}

/** Colour of the ignore index (255) in written palettes: Pascal VOC's "void" colour. */
export const IGNORE_COLOR = '#e0e0c0';
