/** Small DOM and SVG builders for the report webviews (no framework: a report is drawn once). */

type Attrs = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** An SVG <title>: the tooltip of a mark. */
export function tip(text: string): SVGElement {
  return s('title', {}, text);
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  pct: (f: number | null, digits = 1) => (f === null || !Number.isFinite(f) ? '–' : `${(f * 100).toFixed(digits)}%`),
  compact: (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(1)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : fmt.int(n)),
};

/** A titled card. */
export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** A headline figure: label and value (data-stat/data-value carry the raw number for tests and screen readers). */
export function figure(label: string, value: string, raw: number | string, note?: string, key?: string): HTMLElement {
  return h('div', { class: 'figure', 'data-stat': key, 'data-value': raw }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label), note ? h('div', { class: 'note' }, note) : null);
}

export interface Bar {
  label: string;
  value: number;
  /** Text at the end of the bar. */
  text: string;
  color?: string;
  tooltip?: string;
  key?: string | number;
}

/**
 * Horizontal bars, one per row, sharing a scale (`max`, default the largest value). Labels are
 * HTML (they wrap and follow the theme font); each bar is an SVG rect that stretches with the card.
 */
export function barList(bars: Bar[], options: { max?: number; swatches?: boolean; ariaLabel: string }): HTMLElement {
  const max = options.max ?? Math.max(1e-12, ...bars.map((b) => b.value));
  return h(
    'div',
    { class: options.swatches ? 'bars swatches' : 'bars', role: 'list', 'aria-label': options.ariaLabel },
    ...bars.map((b) => {
      const fraction = Math.max(0, Math.min(1, b.value / max));
      const svg = s('svg', { class: 'bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
        s('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10 }),
        s('rect', { class: 'fill', x: 0, y: 0, width: (fraction * 100).toFixed(3), height: 10, style: b.color ? `fill:${b.color}` : undefined }, tip(b.tooltip ?? `${b.label}: ${b.text}`)),
      );
      return h('div', { class: 'bar-row', role: 'listitem', 'data-key': b.key, 'data-value': b.value },
        h('span', { class: 'bar-label' }, options.swatches && b.color ? h('span', { class: 'swatch', style: `background:${b.color}` }) : null, b.label),
        svg,
        h('span', { class: 'bar-text' }, b.text),
      );
    }),
  );
}

export interface Segment {
  label: string;
  value: number;
  className: string;
}

/** One stacked bar of parts of a whole, with a legend under it. */
export function stackedBar(segments: Segment[], ariaLabel: string, legend = true): HTMLElement {
  const total = segments.reduce((a, b) => a + b.value, 0) || 1;
  let x = 0;
  const svg = s('svg', { class: 'stack', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img', 'aria-label': ariaLabel },
    s('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10 }),
    ...segments.map((seg) => {
      const w = (seg.value / total) * 100;
      const rect = s('rect', { class: `seg ${seg.className}`, x: x.toFixed(3), y: 0, width: w.toFixed(3), height: 10 }, tip(`${seg.label}: ${fmt.int(seg.value)} (${fmt.pct(seg.value / total)})`));
      x += w;
      return rect;
    }),
  );
  return h('div', { class: 'stacked' }, svg, legend ? h('div', { class: 'legend-row' }, ...segments.map((seg) => h('span', { class: 'legend-item' }, h('span', { class: `dot ${seg.className}` }), `${seg.label} ${fmt.int(seg.value)} (${fmt.pct(seg.value / total)})`))) : null);
}

/** Header with a title, a subtitle and a refresh button; `onRefresh` is called on click. */
export function header(title: string, subtitle: string, onRefresh: () => void): HTMLElement {
  const button = h('button', { class: 'refresh', title: 'Run again', 'aria-label': 'Run again' }, 'Refresh');
  button.addEventListener('click', onRefresh);
  return h('header', { class: 'page-header' }, h('div', {}, h('h1', {}, title), h('div', { class: 'subtitle' }, subtitle)), button);
}

/** A progress bar while the job runs. */
export function progress(done: number, total: number, what: string): HTMLElement {
  const f = total ? done / total : 0;
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done, 'aria-label': what },
    h('div', { class: 'progress-text' }, `${what}… ${fmt.int(done)} / ${fmt.int(total)}`),
    h('div', { class: 'progress-track' }, h('div', { class: 'progress-fill', style: `width:${(f * 100).toFixed(1)}%` })),
  );
}

export function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}
