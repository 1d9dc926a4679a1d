/**
 * A small SVG line chart: x and y axes with round ticks, horizontal grid lines, one polyline per
 * series (dots where a series has few points). Colours come from CSS classes that use VS Code's
 * chart colours, so light, dark and high-contrast themes all work.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  name: string;
  /** CSS class giving its colour (`series-loss`, ...). */
  className: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface ChartOptions {
  /** Fixed y range (e.g. [0, 1] for mIoU); else fitted to the data with 0 as the floor. */
  yRange?: [number, number];
  formatY: (v: number) => string;
  /** x range at least [0, xMax] (the total steps), so a run's chart does not rescale as it grows. */
  xMax?: number;
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** 1, 2 or 5 times a power of ten, about `count` steps over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

export function drawChart(host: HTMLElement, series: Series[], o: ChartOptions): void {
  const width = Math.max(200, host.clientWidth);
  const height = Math.max(120, host.clientHeight);
  const margin = { left: 44, right: 12, top: 10, bottom: 26 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(o.xMax ?? 1, ...all.map((p) => p[0]), 1);
  let [yMin, yMax] = o.yRange ?? [0, Math.max(1e-6, ...all.map((p) => p[1]))];
  if (!o.yRange) yMax *= 1.05;
  if (yMax <= yMin) yMax = yMin + 1;
  const x = (v: number) => margin.left + (v / xMax) * plotW;
  const y = (v: number) => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;

  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
  svg.setAttribute('aria-label', series.map((s) => `${s.name}: ${s.points.length ? o.formatY(s.points[s.points.length - 1][1]) : 'no data yet'}`).join(', '));
  const yStep = niceStep(yMax - yMin, 4);
  for (let v = Math.ceil(yMin / yStep) * yStep; v <= yMax + 1e-9; v += yStep) {
    el('line', { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v), class: 'grid' }, svg);
    el('text', { x: margin.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, svg).textContent = o.formatY(v);
  }
  const xStep = niceStep(xMax, Math.max(2, Math.floor(plotW / 70)));
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    el('line', { x1: x(v), x2: x(v), y1: margin.top + plotH, y2: margin.top + plotH + 4, class: 'axis' }, svg);
    el('text', { x: x(v), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, svg).textContent = String(Math.round(v));
  }
  el('line', { x1: margin.left, x2: width - margin.right, y1: margin.top + plotH, y2: margin.top + plotH, class: 'axis' }, svg);
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    el('path', { d, class: `line ${s.className}${s.dashed ? ' dashed' : ''}` }, svg);
    if (s.points.length <= 40) for (const p of s.points) el('circle', { cx: x(p[0]), cy: y(p[1]), r: 3, class: `dot ${s.className}` }, svg);
  }
  host.replaceChildren(svg);
}
