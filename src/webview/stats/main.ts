/**
 * "Segment: Show Dataset Statistics": draws the `stats` job's result (what `segment stats --json`
 * prints) as charts: labelling progress, class pixel frequency, images per class, image sizes,
 * and the problems found. Charts are plain SVG coloured by the theme.
 */
import './report.css';
import { DatasetStats } from '../../core/reports';
import { HostToReport, StatsToHost } from '../../core/protocol';
import { createChannel } from '../vscodeApi';
import { barList, card, errorBox, figure, fmt, h, header, progress, s, stackedBar, tip } from './dom';

const app = document.getElementById('app')!;
const channel = createChannel<StatsToHost, HostToReport<DatasetStats>>((m) => {
  if (m.type === 'progress') app.replaceChildren(progress(m.done, m.total, 'Reading masks'));
  else if (m.type === 'error') app.replaceChildren(errorBox(m.message));
  else render(m.report);
});

function render(st: DatasetStats): void {
  const errors = st.problems.filter((p) => p.severity === 'error').length;
  const warnings = st.problems.length - errors;
  const name = st.root.split(/[\\/]/).pop() ?? st.root;
  const labelledPixels = st.classes.reduce((a, c) => a + c.pixels, 0);
  app.replaceChildren(
    header(`Statistics: ${name}`, `${st.root} · ${st.layout}${st.config === 'inferred' ? ' · classes inferred (no segment.json)' : ''}`, () => channel.post({ type: 'refresh' })),
    h('div', { class: 'figures' },
      figure('images', fmt.int(st.images), st.images, undefined, 'images'),
      figure('labelled', fmt.int(st.labelled), st.labelled, st.images ? fmt.pct(st.labelled / st.images) : undefined, 'labelled'),
      figure('pre-labelled', fmt.int(st.prelabelled), st.prelabelled, 'awaiting review', 'prelabelled'),
      figure('unlabelled', fmt.int(st.unlabelled), st.unlabelled, undefined, 'unlabelled'),
      figure('with instances', fmt.int(st.withInstances), st.withInstances, undefined, 'withInstances'),
      figure('problems', fmt.int(st.problems.length), st.problems.length, `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`, 'problems'),
    ),
    h('div', { class: 'grid' },
      progressCard(st),
      card('Class pixel frequency',
        barList(st.classes.map((c) => ({ key: c.id, label: c.name, value: c.pixels, color: c.color, text: `${fmt.pct(labelledPixels ? c.pixels / labelledPixels : 0, 2)} · ${fmt.compact(c.pixels)}`, tooltip: `${c.name} (id ${c.id}): ${fmt.int(c.pixels)} pixels` })), { swatches: true, ariaLabel: 'Pixels of each class over all masks' }),
        h('p', { class: 'hint' }, `Share of the ${fmt.int(labelledPixels)} labelled pixels of ${fmt.int(st.labelled)} masks${st.ignoredPixels ? `; ${fmt.int(st.ignoredPixels)} pixels marked ignore are not counted` : ''}.`),
      ),
      card('Images per class',
        barList(st.classes.map((c) => ({ key: c.id, label: c.name, value: c.images, color: c.color, text: `${fmt.int(c.images)} of ${fmt.int(st.labelled)}` })), { max: Math.max(1, st.labelled), swatches: true, ariaLabel: 'Masks that contain each class' }),
        h('p', { class: 'hint' }, 'Masks holding at least one pixel of the class.'),
      ),
      sizesCard(st),
      problemsCard(st),
    ),
  );
  document.body.dataset.ready = 'true';
}

function progressCard(st: DatasetStats): HTMLElement {
  const parts = (p: { labelled: number; prelabelled: number; unlabelled: number }) => [
    { label: 'labelled', value: p.labelled, className: 'labelled' },
    { label: 'pre-labelled', value: p.prelabelled, className: 'prelabelled' },
    { label: 'unlabelled', value: p.unlabelled, className: 'unlabelled' },
  ];
  const rows = (st.progressBySplit ?? []).flatMap((p) => [
    h('span', { class: 'name' }, p.split),
    stackedBar(parts(p), `${p.split}: ${p.labelled} labelled, ${p.prelabelled} pre-labelled, ${p.unlabelled} unlabelled`, false),
    h('span', { class: 'count' }, `${fmt.int(p.labelled)} / ${fmt.int(p.labelled + p.prelabelled + p.unlabelled)}`),
  ]);
  return card('Labelling progress',
    stackedBar(parts(st), `${st.labelled} labelled, ${st.prelabelled} pre-labelled, ${st.unlabelled} unlabelled`),
    rows.length > 3 ? h('div', { class: 'split-rows', 'aria-label': 'Labelled images per split' }, ...rows) : null,
  );
}

/** The most common sizes as bars, and every size as a point (width by height, area by count). */
function sizesCard(st: DatasetStats): HTMLElement {
  const top = st.sizes.slice(0, 8);
  const rest = st.sizes.slice(8).reduce((a, z) => a + z.count, 0);
  const bars = barList(top.map((z) => ({ key: `${z.width}x${z.height}`, label: `${z.width} × ${z.height}`, value: z.count, text: fmt.int(z.count) })), { ariaLabel: 'Images of each size' });
  return card('Image sizes', bars, rest ? h('p', { class: 'hint' }, `and ${fmt.int(rest)} images in ${st.sizes.length - 8} other sizes`) : null, st.sizes.length > 8 ? sizeScatter(st) : null);
}

function sizeScatter(st: DatasetStats): SVGElement {
  const W = 420, H = 180, pad = 34;
  const maxW = Math.max(...st.sizes.map((z) => z.width));
  const maxH = Math.max(...st.sizes.map((z) => z.height));
  const maxCount = Math.max(...st.sizes.map((z) => z.count));
  const x = (v: number) => pad + (v / maxW) * (W - pad - 10);
  const y = (v: number) => H - pad + 10 - (v / maxH) * (H - pad - 10);
  return s('svg', { class: 'scatter', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Image sizes: ${st.sizes.length} distinct` },
    s('line', { class: 'axis', x1: pad, y1: H - pad + 10, x2: W - 4, y2: H - pad + 10 }),
    s('line', { class: 'axis', x1: pad, y1: 6, x2: pad, y2: H - pad + 10 }),
    s('text', { x: W - 4, y: H - 6, 'text-anchor': 'end' }, `width (max ${maxW})`),
    s('text', { x: 4, y: 14 }, `height (max ${maxH})`),
    ...st.sizes.map((z) => s('circle', { cx: x(z.width).toFixed(1), cy: y(z.height).toFixed(1), r: (3 + 9 * Math.sqrt(z.count / maxCount)).toFixed(1) }, tip(`${z.width} × ${z.height}: ${fmt.int(z.count)} images`))),
  );
}

function problemsCard(st: DatasetStats): HTMLElement {
  if (st.problems.length === 0) return card('Problems', h('p', { class: 'hint' }, 'None found.'));
  const shown = st.problems.slice(0, 200);
  const table = h('table', {},
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'file'), h('th', {}, 'problem'))),
    h('tbody', {}, ...shown.map((p) => {
      const link = h('button', { class: 'link', title: `Open ${p.file}` }, p.file);
      link.addEventListener('click', () => channel.post({ type: 'openFile', file: p.file }));
      return h('tr', { 'data-code': p.code }, h('td', { class: `sev-${p.severity}` }, p.severity), h('td', {}, link), h('td', {}, p.field ? `${p.field}: ${p.message}` : p.message));
    })),
  );
  return h('section', { class: 'card wide' }, h('h2', {}, `Problems (${st.problems.length})`), table, st.problems.length > shown.length ? h('p', { class: 'hint' }, `${st.problems.length - shown.length} more: see the Problems panel.`) : null);
}

function plural(n: number, word: string): string {
  return `${fmt.int(n)} ${word}${n === 1 ? '' : 's'}`;
}

channel.post({ type: 'ready' });
