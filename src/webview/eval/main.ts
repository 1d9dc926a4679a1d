/**
 * "Segment: Evaluate": draws the `eval` job's report (what `segment eval --json` prints): mIoU,
 * pixel accuracy and mean pixel accuracy, IoU and accuracy per class, the confusion matrix as a
 * heat map, instance quality (PQ, SQ, RQ, AP50) where instance maps exist, and the images worst
 * first; a click on an image opens its prediction-vs-truth view.
 */
import '../stats/report.css';
import '../segmented.css';
import './eval.css';
import { EvalReport, InstanceEval, InstanceSource } from '../../core/reports';
import { EvalToHost, HostToReport } from '../../core/protocol';
import { createChannel } from '../vscodeApi';
import { card, errorBox, figure, fmt, h, header, progress, s, tip } from '../stats/dom';

const app = document.getElementById('app')!;
const FIRST_ROWS = 200;
const channel = createChannel<EvalToHost, HostToReport<EvalReport>>((m) => {
  if (m.type === 'progress') app.replaceChildren(progress(m.done, m.total, 'Comparing predictions with masks'));
  else if (m.type === 'error') app.replaceChildren(errorBox(m.message));
  else render(m.report);
});

function render(r: EvalReport): void {
  const name = r.root.split(/[\\/]/).pop() ?? r.root;
  app.replaceChildren(
    header(`Evaluation: ${name}`, `${r.predictions} against the masks of ${r.root}`, () => channel.post({ type: 'refresh' })),
    h('div', { class: 'figures' },
      figure('mIoU', fmt.pct(r.mIoU), r.mIoU, 'mean over classes present', 'mIoU'),
      figure('pixel accuracy', fmt.pct(r.pixelAccuracy), r.pixelAccuracy, undefined, 'pixelAccuracy'),
      figure('mean pixel accuracy', fmt.pct(r.meanPixelAccuracy), r.meanPixelAccuracy, 'mean of per-class accuracy', 'meanPixelAccuracy'),
      figure('images compared', fmt.int(r.images.length), r.images.length, `${fmt.compact(r.pixels)} pixels`, 'images'),
      figure('without prediction', fmt.int(r.missing.length), r.missing.length, 'not counted', 'missing'),
      figure('failed', fmt.int(r.failed.length), r.failed.length, r.failed.length ? 'see below' : undefined, 'failed'),
    ),
    h('div', { class: 'grid' }, perClassCard(r), confusionCard(r), r.instances ? instancesCard(r.instances) : null, imagesCard(r), r.failed.length || r.missing.length ? leftOutCard(r) : null),
  );
  document.body.dataset.ready = 'true';
}

function meter(value: number | null, label: string): HTMLElement {
  return h('span', { class: 'meter' },
    s('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true' }, s('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10 }), s('rect', { class: 'fill', x: 0, y: 0, width: ((value ?? 0) * 100).toFixed(2), height: 10 }, tip(`${label}: ${fmt.pct(value)}`))),
    h('span', { class: 'meter-text' }, fmt.pct(value)),
  );
}

function perClassCard(r: EvalReport): HTMLElement {
  return card('Per class',
    h('table', { class: 'per-class' },
      h('thead', {}, h('tr', {}, h('th', {}, 'class'), h('th', {}, 'IoU'), h('th', {}, 'accuracy'), h('th', { class: 'num' }, 'true px'), h('th', { class: 'num' }, 'predicted px'))),
      h('tbody', {}, ...r.perClass.map((c) => h('tr', { 'data-class': c.id, 'data-iou': c.iou ?? '', 'data-accuracy': c.accuracy ?? '' },
        h('td', {}, c.name),
        h('td', {}, meter(c.iou, `${c.name} IoU`)),
        h('td', {}, meter(c.accuracy, `${c.name} accuracy`)),
        h('td', { class: 'num' }, fmt.compact(c.truePixels)),
        h('td', { class: 'num' }, fmt.compact(c.predictedPixels)),
      ))),
    ),
    h('p', { class: 'hint' }, 'IoU = n_ii / (t_i + Σ_j n_ji − n_ii); accuracy = n_ii / t_i. "–": the class is in neither truth nor prediction (IoU) or not in the truth (accuracy).'),
  );
}

/** Panoptic quality of the thing classes: the overall figures, then one row per class. */
function instancesCard(q: InstanceEval): HTMLElement {
  const from = q.source === 'components' ? '8-connected components of the predicted classes' : `instance maps in ${q.predictions}`;
  const count = (v: number, label: string) => h('td', { class: 'num', title: label }, fmt.int(v));
  const sources: [InstanceSource, string, string][] = [
    ['maps', 'Instance maps', 'the predicted instance maps (a model with an instance head writes them beside its pre-labels)'],
    ['components', 'Connected components', 'each 8-connected region of a predicted thing class is one object: the baseline'],
  ];
  const switcher = h('div', { class: 'modes', role: 'group', 'aria-label': 'Predicted instances from' },
    ...sources.map(([source, label, title]) => {
      const b = h('button', { 'data-source': source, 'aria-pressed': String(q.source === source), title: `Predicted instances from ${title}` }, label);
      b.addEventListener('click', () => q.source !== source && channel.post({ type: 'instanceSource', source }));
      return b;
    }));
  return h('section', { class: 'card wide instances' }, h('div', { class: 'card-head' }, h('h2', {}, 'Instances'), switcher),
    h('div', { class: 'figures' },
      figure('PQ', fmt.pct(q.pq), q.pq, 'panoptic quality = SQ × RQ', 'instancePQ'),
      figure('SQ', fmt.pct(q.sq), q.sq, 'mean IoU of matches', 'instanceSQ'),
      figure('RQ', fmt.pct(q.rq), q.rq, 'F1 of detection', 'instanceRQ'),
      figure('AP50', fmt.pct(q.ap50), q.ap50, 'average precision, IoU 0.5', 'instanceAP50'),
      figure('images', fmt.int(q.images), q.images, q.missing.length ? `${fmt.int(q.missing.length)} without predicted instances` : q.source === 'components' ? 'with a true instance map' : 'with both instance maps', 'instanceImages'),
    ),
    h('table', { class: 'per-class instances' },
      h('thead', {}, h('tr', {}, h('th', {}, 'thing class'), h('th', {}, 'PQ'), h('th', {}, 'SQ'), h('th', {}, 'RQ'), h('th', {}, 'AP50'), h('th', { class: 'num' }, 'TP'), h('th', { class: 'num' }, 'FP'), h('th', { class: 'num' }, 'FN'))),
      h('tbody', {}, ...q.perClass.map((c) => h('tr', { 'data-instance-class': c.id, 'data-pq': c.pq ?? '', 'data-sq': c.sq ?? '', 'data-rq': c.rq ?? '', 'data-ap50': c.ap50 ?? '' },
        h('td', {}, c.name),
        h('td', {}, meter(c.pq, `${c.name} PQ`)),
        h('td', {}, meter(c.sq, `${c.name} SQ`)),
        h('td', {}, meter(c.rq, `${c.name} RQ`)),
        h('td', {}, meter(c.ap50, `${c.name} AP50`)),
        count(c.tp, 'true positives: matched instances'),
        count(c.fp, 'false positives: predicted instances without a match'),
        count(c.fn, 'false negatives: true instances without a match'),
      ))),
    ),
    h('p', { class: 'hint' }, `Predicted instances: ${from}. A predicted and a true instance of the same class match when their IoU exceeds 0.5; PQ = Σ IoU of matches / (TP + FP/2 + FN/2). Overall figures are means over the thing classes present. "–": no instance of the class in truth or prediction.`),
  );
}

/** Rows: truth; columns: prediction; colour: share of the truth row (recall), text: the same in %. */
function confusionCard(r: EvalReport): HTMLElement {
  const n = r.confusion.size;
  const names = new Map(r.perClass.map((c) => [c.id, c.name]));
  const ids = [...Array(n).keys()].filter((i) => names.has(i));
  const cell = ids.length > 12 ? 26 : ids.length > 5 ? 56 : 84;
  const labelW = 120;
  const top = 28;
  const W = Math.max(labelW + cell * ids.length + 4, labelW + 280);
  const H = top + cell * ids.length + 4;
  const counts = r.confusion.counts;
  const svg = s('svg', { class: 'heat', viewBox: `0 0 ${W} ${H + 18}`, width: W, role: 'img', 'aria-label': 'Confusion matrix: rows are the truth, columns the prediction' });
  ids.forEach((j, cj) => {
    const label = s('text', { x: labelW + cj * cell + cell / 2, y: top - 8, 'text-anchor': 'middle' }, short(names.get(j)!, cell));
    label.append(tip(`predicted ${names.get(j)}`));
    svg.append(label);
  });
  ids.forEach((i, ci) => {
    const rowTotal = ids.reduce((a, j) => a + counts[i * n + j], 0);
    svg.append(s('text', { x: labelW - 8, y: top + ci * cell + cell / 2 + 4, 'text-anchor': 'end' }, short(names.get(i)!, labelW - 8), tip(`true ${names.get(i)}`)));
    ids.forEach((j, cj) => {
      const v = counts[i * n + j];
      const share = rowTotal ? v / rowTotal : 0;
      const g = s('g', { class: `cell${i === j ? ' diagonal' : ''}`, 'data-truth': i, 'data-prediction': j, 'data-count': v },
        s('rect', { x: labelW + cj * cell + 1, y: top + ci * cell + 1, width: cell - 2, height: cell - 2, rx: 2, style: `fill-opacity:${(0.06 + 0.94 * share).toFixed(3)}` }),
        tip(`truth ${names.get(i)}, predicted ${names.get(j)}: ${fmt.int(v)} pixels (${fmt.pct(share)} of the truth row)`),
      );
      if (cell >= 40) g.append(s('text', { class: `cell-text${share > 0.55 ? ' on-dark' : ''}`, x: labelW + cj * cell + cell / 2, y: top + ci * cell + cell / 2 + 4, 'text-anchor': 'middle' }, fmt.pct(share, share > 0 && share < 0.001 ? 2 : 1)));
      svg.append(g);
    });
  });
  svg.append(s('text', { x: labelW, y: H + 14 }, 'rows: truth · columns: prediction'));
  return card('Confusion matrix', h('div', { class: 'heat-wrap' }, svg), h('p', { class: 'hint' }, 'Shade and figure: the share of the true class\'s pixels predicted as each class (its row sums to 100%). Hover a cell for the pixel count.'));
}

function short(name: string, width: number): string {
  const chars = Math.max(3, Math.floor(width / 7));
  return name.length > chars ? name.slice(0, chars - 1) + '…' : name;
}

function imagesCard(r: EvalReport): HTMLElement {
  const tbody = h('tbody', {});
  const row = (img: EvalReport['images'][number], rank: number) => {
    const open = h('button', { class: 'link', title: 'Open the prediction against the truth' }, img.path);
    const tr = h('tr', { class: 'clickable', 'data-path': img.path, 'data-miou': img.mIoU }, h('td', { class: 'num' }, String(rank + 1)), h('td', {}, open), h('td', {}, meter(img.mIoU, 'mIoU')), h('td', { class: 'num' }, fmt.pct(img.pixelAccuracy)));
    const go = () => channel.post({ type: 'openImage', path: img.path, key: img.key ?? img.path.replace(/^[^/]*\//, '').replace(/\.[^./]+$/, '') });
    tr.addEventListener('click', go);
    return tr;
  };
  tbody.append(...r.images.slice(0, FIRST_ROWS).map(row));
  const more = r.images.length > FIRST_ROWS ? h('button', { class: 'more' }, `Show all ${fmt.int(r.images.length)} images`) : null;
  more?.addEventListener('click', () => {
    tbody.append(...r.images.slice(FIRST_ROWS).map((img, k) => row(img, k + FIRST_ROWS)));
    more.remove();
  });
  return h('section', { class: 'card wide' }, h('h2', {}, 'Images, worst first'),
    r.images.length === 0 ? h('p', { class: 'hint' }, 'No labelled image has a prediction.') : h('table', { class: 'images' }, h('thead', {}, h('tr', {}, h('th', { class: 'num' }, '#'), h('th', {}, 'image'), h('th', {}, 'mIoU'), h('th', { class: 'num' }, 'pixel accuracy'))), tbody),
    more,
    h('p', { class: 'hint' }, 'Click an image to see its true positives, false positives and false negatives.'),
  );
}

function leftOutCard(r: EvalReport): HTMLElement {
  return h('section', { class: 'card wide' }, h('h2', {}, 'Not compared'),
    r.failed.length ? h('details', { open: true }, h('summary', {}, `${r.failed.length} failed`), h('ul', {}, ...r.failed.map((f) => h('li', {}, `${f.path}: ${f.reason}`)))) : null,
    r.missing.length ? h('details', {}, h('summary', {}, `${r.missing.length} labelled images without a prediction`), h('ul', {}, ...r.missing.slice(0, 500).map((m) => h('li', {}, m)))) : null,
  );
}

channel.post({ type: 'ready' });
