/**
 * The Training panel: live loss and validation mIoU charts, per-class IoU, validation images with
 * the model's prediction over them, speed, time left, backend, Stop; at the end "Use for
 * pre-labelling". Everything it shows arrives as messages from the extension host.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import './training.css';
import { ClassDef } from '../../core/classes';
import { HostToTrainingPanel, TrainEvent, TrainingPanelToHost, TrainPreview, TrainResult } from '../../core/training';
import { createChannel } from '../vscodeApi';
import { drawChart, Series } from './chart';

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="header">
    <div class="title-row">
      <h1 id="title">Training</h1>
      <vscode-badge id="status" class="status-running">Starting</vscode-badge>
      <span class="spacer"></span>
      <vscode-button id="stop" secondary>Stop</vscode-button>
    </div>
    <div class="settings" id="settings"></div>
    <vscode-progress-bar id="progress" max="1"></vscode-progress-bar>
    <dl class="facts">
      <div><dt>Step</dt><dd id="step">–</dd></div>
      <div><dt>Epoch</dt><dd id="epoch">–</dd></div>
      <div><dt>Speed</dt><dd id="speed">–</dd></div>
      <div><dt>Time left</dt><dd id="left">–</dd></div>
      <div><dt>Best mIoU</dt><dd id="best">–</dd></div>
      <div><dt>Backend</dt><dd id="backend">–</dd></div>
    </dl>
  </header>
  <section class="banner" id="banner" hidden>
    <p id="banner-text"></p>
    <div class="actions">
      <vscode-button id="use">Use for pre-labelling</vscode-button>
      <vscode-button id="reveal" secondary>Reveal in Explorer</vscode-button>
    </div>
  </section>
  <ul class="warnings" id="warnings"></ul>
  <section class="charts">
    <figure class="card"><figcaption>Training loss <span class="unit">by step</span><span class="legend" id="loss-legend"></span></figcaption><div class="chart-host" id="loss-chart"></div></figure>
    <figure class="card"><figcaption>Validation mIoU <span class="unit">by step</span></figcaption><div class="chart-host" id="miou-chart"></div></figure>
  </section>
  <section class="lower">
    <div class="card"><h2>Per-class IoU</h2><table class="classes" id="classes"><thead><tr><th>Class</th><th>Last</th><th class="bar-cell"></th><th>Best</th></tr></thead><tbody></tbody></table></div>
    <div class="card previews-card"><h2>Validation images <span class="hint" id="preview-hint"></span></h2><div class="previews" id="previews"><p class="empty">Shown after the first validation.</p></div></div>
  </section>`;

const $ = (id: string) => document.getElementById(id)!;

interface State {
  steps: number;
  loss: [number, number][];
  supervised: [number, number][];
  unsupervised: [number, number][];
  /** The instance head's discriminative loss (unweighted), when it trains. */
  instances: [number, number][];
  miou: [number, number][];
  classes: ClassDef[];
  lastIoU: Map<number, number | null>;
  bestIoU: Map<number, number | null>;
  semi: boolean;
  out?: string;
  finished: boolean;
}

const state: State = { steps: 1, loss: [], supervised: [], unsupervised: [], instances: [], miou: [], classes: [], lastIoU: new Map(), bestIoU: new Map(), semi: false, finished: false };
const previewUrls: string[] = [];

const channel = createChannel<TrainingPanelToHost, HostToTrainingPanel>((m) => {
  switch (m.type) {
    case 'init':
      $('title').textContent = `Training ${m.init.title}`;
      $('settings').textContent = m.init.settings;
      break;
    case 'event':
      onEvent(m.event);
      break;
    case 'finished':
      finished(m.result, m.modelLabel);
      break;
    case 'failed':
      failed(m.message, m.checkpoint);
      break;
    case 'modelInUse':
      $('use').setAttribute('disabled', '');
      ($('use') as HTMLElement).textContent = 'Used for pre-labelling';
      $('banner-text').textContent += ' Pre-labelling now uses it (segment.model).';
      break;
  }
});

$('stop').addEventListener('click', () => {
  $('stop').setAttribute('disabled', '');
  setStatus('Stopping…', 'running');
  channel.post({ type: 'stop' });
});
$('use').addEventListener('click', () => channel.post({ type: 'useModel' }));
$('reveal').addEventListener('click', () => channel.post({ type: 'reveal' }));

function setStatus(text: string, kind: 'running' | 'done' | 'stopped' | 'failed'): void {
  const badge = $('status');
  badge.textContent = text;
  badge.className = `status-${kind}`;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function onEvent(e: TrainEvent): void {
  switch (e.kind) {
    case 'start':
      state.steps = e.steps;
      state.classes = e.classes;
      state.semi = e.semi === 'fixmatch';
      state.out = e.out;
      setStatus('Running', 'running');
      $('backend').textContent = e.backend;
      $('backend').title = e.backendsPassedOver.length ? `Not used:\n${e.backendsPassedOver.join('\n')}` : '';
      $('step').textContent = `${e.startStep} / ${e.steps}`;
      $('settings').textContent =
        `${e.arch} · ${e.parameters.toLocaleString('en-US')} parameters · ${e.size} px tiles · batch ${e.batch} · ` +
        `${e.trainImages} labelled, ${e.valImages} validation${e.semi === 'fixmatch' ? `, ${e.unlabelledImages} unlabelled (semi-supervised)` : ''}`;
      renderClasses();
      break;
    case 'step':
      state.loss.push([e.step, e.loss]);
      if (e.unsupervisedLoss !== undefined) {
        state.supervised.push([e.step, e.supervisedLoss]);
        state.unsupervised.push([e.step, e.unsupervisedLoss]);
      }
      if (e.instanceLoss !== undefined) state.instances.push([e.step, e.instanceLoss]);
      $('step').textContent = `${e.step} / ${e.steps}`;
      $('epoch').textContent = String(e.epoch);
      $('speed').textContent = `${e.imagesPerSecond.toFixed(2)} images/s`;
      $('left').textContent = duration(e.secondsLeft);
      ($('progress') as HTMLElement & { value: number }).value = e.step / e.steps;
      scheduleCharts();
      break;
    case 'epoch':
      state.miou.push([e.step, e.valMIoU]);
      for (const c of e.perClass) state.lastIoU.set(c.id, c.iou);
      if (e.best) for (const c of e.perClass) state.bestIoU.set(c.id, c.iou);
      $('best').textContent = pct(e.bestValMIoU);
      renderClasses();
      if (e.previews) renderPreviews(e.previews, e.step);
      scheduleCharts();
      break;
    case 'warning': {
      const li = document.createElement('li');
      li.textContent = e.message;
      $('warnings').appendChild(li);
      break;
    }
  }
}

let chartsPending = false;
function scheduleCharts(): void {
  if (chartsPending) return;
  chartsPending = true;
  requestAnimationFrame(() => {
    chartsPending = false;
    renderCharts();
  });
}

function renderCharts(): void {
  const lossSeries: Series[] = state.semi
    ? [
        { name: 'total', className: 'series-loss', points: state.loss },
        { name: 'labelled', className: 'series-supervised', points: state.supervised, dashed: true },
        { name: 'pseudo-labelled', className: 'series-unsupervised', points: state.unsupervised, dashed: true },
      ]
    : [{ name: state.instances.length ? 'total' : 'loss', className: 'series-loss', points: state.loss }];
  if (state.instances.length) lossSeries.push({ name: 'instances (discriminative)', className: 'series-instances', points: state.instances, dashed: true });
  $('loss-legend').innerHTML = lossSeries.length > 1 ? lossSeries.map((s) => `<span class="key ${s.className}">${s.name}</span>`).join('') : '';
  drawChart($('loss-chart'), lossSeries, { xMax: state.steps, formatY: (v) => v.toFixed(v < 1 ? 2 : 1) });
  drawChart($('miou-chart'), [{ name: 'validation mIoU', className: 'series-miou', points: state.miou }], {
    xMax: state.steps, yRange: [0, 1], formatY: (v) => `${Math.round(v * 100)}%`,
  });
}

function renderClasses(): void {
  const body = ($('classes') as HTMLTableElement).tBodies[0];
  body.replaceChildren(
    ...state.classes.map((c) => {
      const tr = document.createElement('tr');
      const last = state.lastIoU.get(c.id);
      tr.innerHTML = `<td><span class="swatch"></span><span class="name"></span></td><td class="num">${pct(last)}</td>` +
        `<td class="bar-cell"><div class="bar"><div class="fill"></div></div></td><td class="num">${pct(state.bestIoU.get(c.id))}</td>`;
      (tr.querySelector('.swatch') as HTMLElement).style.background = c.color;
      tr.querySelector('.name')!.textContent = c.name;
      const fill = tr.querySelector('.fill') as HTMLElement;
      fill.style.width = `${Math.round((last ?? 0) * 100)}%`;
      fill.style.background = c.color;
      return tr;
    }),
  );
}

function blobUrl(bytes: Uint8Array): string {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/png' }));
  previewUrls.push(url);
  return url;
}

function renderPreviews(previews: TrainPreview[], step: number): void {
  for (const url of previewUrls.splice(0)) URL.revokeObjectURL(url);
  $('preview-hint').textContent = `prediction after step ${step}`;
  $('previews').replaceChildren(
    ...previews.map((p) => {
      const fig = document.createElement('figure');
      fig.className = 'preview';
      fig.innerHTML = `<div class="stack"><img class="base" alt=""><img class="overlay" alt=""></div><figcaption></figcaption>`;
      const [base, overlay] = fig.querySelectorAll('img');
      base.src = blobUrl(p.image);
      overlay.src = blobUrl(p.prediction);
      base.alt = `${p.name}`;
      overlay.alt = `prediction for ${p.name}`;
      fig.querySelector('figcaption')!.textContent = p.name;
      return fig;
    }),
  );
}

function finished(r: TrainResult, modelLabel: string): void {
  state.finished = true;
  $('stop').setAttribute('hidden', '');
  setStatus(r.stopped ? 'Stopped' : 'Done', r.stopped ? 'stopped' : 'done');
  ($('progress') as HTMLElement & { value: number }).value = r.stopped ? r.steps / state.steps : 1;
  $('left').textContent = '–';
  $('banner').hidden = false;
  $('banner').className = 'banner ok';
  $('banner-text').textContent =
    `${r.stopped ? `Stopped after step ${r.steps}.` : `Finished ${r.steps} steps.`} Best validation mIoU ${pct(r.valMIoU)} (step ${r.bestStep}); ` +
    `the model is ${modelLabel}.`;
}

function failed(message: string, checkpoint?: string): void {
  $('stop').setAttribute('hidden', '');
  setStatus('Failed', 'failed');
  $('banner').hidden = false;
  $('banner').className = 'banner error';
  $('use').setAttribute('hidden', '');
  $('banner-text').textContent = `Training failed: ${message}${checkpoint ? ` The last checkpoint is kept: ${checkpoint}` : ''}`;
}

new ResizeObserver(() => scheduleCharts()).observe($('loss-chart'));
renderCharts();
channel.post({ type: 'ready' });
