/**
 * Prediction against truth for one image (read-only): the errors view colours true positives,
 * false positives, false negatives and wrong classes; the toggle shows the prediction or the truth
 * in the class colours. Keys: E errors, P prediction, T truth, Space flips prediction/truth.
 */
import '../segmented.css';
import './compare.css';
import { CompareInit, CompareToHost, HostToCompare } from '../../core/protocol';
import { decodeMaskPng } from '../../core/maskCodec';
import { overlayLut, paintOverlay } from '../../core/overlayColors';
import { DIFF_KINDS, diffLut, diffMap, DiffCounts } from '../../core/comparison';
import { ConfusionMatrix } from '../../core/metrics';
import { createChannel } from '../vscodeApi';

type Mode = 'errors' | 'prediction' | 'truth';

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="toolbar">
    <span class="title" id="title"></span>
    <div class="modes" role="group" aria-label="Show">
      <button data-mode="errors" title="Errors (E)">Errors</button>
      <button data-mode="prediction" title="Prediction (P, Space)">Prediction</button>
      <button data-mode="truth" title="Truth (T, Space)">Truth</button>
    </div>
    <label>Class <select id="class" aria-label="Errors of which class"></select></label>
    <span class="spacer"></span>
    <label class="opacity">Opacity <input id="opacity" type="range" min="0" max="100" value="65" aria-label="Overlay opacity"></label>
  </header>
  <main class="main">
    <div class="stage" id="stage"><canvas id="view"></canvas><div class="message" id="message" hidden></div></div>
    <aside class="sidebar">
      <h2 id="legend-title">Errors</h2><ul id="legend" class="legend"></ul>
      <h2>This image</h2><dl id="figures" class="figures"></dl>
      <h2>Files</h2><dl id="files" class="files"></dl>
    </aside>
  </main>`;

const canvas = document.getElementById('view') as HTMLCanvasElement;
const stage = document.getElementById('stage')!;
const classSelect = document.getElementById('class') as HTMLSelectElement;
const opacityInput = document.getElementById('opacity') as HTMLInputElement;

interface Loaded {
  init: CompareInit;
  image: HTMLImageElement;
  truth: Uint8Array;
  prediction: Uint8Array;
  width: number;
  height: number;
}
let loaded: Loaded | undefined;
let mode: Mode = 'errors';
let lastMask: Exclude<Mode, 'errors'> = 'prediction';
const layer = document.createElement('canvas');
let counts: DiffCounts | undefined;

const channel = createChannel<CompareToHost, HostToCompare>((m) => {
  if (m.type === 'init') void load(m.init);
  else showMessage(m.message);
});

for (const b of document.querySelectorAll<HTMLButtonElement>('.modes button')) b.addEventListener('click', () => setMode(b.dataset.mode as Mode));
classSelect.addEventListener('change', () => paint());
opacityInput.addEventListener('input', () => draw());
new ResizeObserver(() => draw()).observe(stage);
window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
  const key = e.key.toLowerCase();
  if (key === 'e') setMode('errors');
  else if (key === 'p') setMode('prediction');
  else if (key === 't') setMode('truth');
  else if (key === ' ') setMode(mode === 'prediction' ? 'truth' : mode === 'truth' ? 'prediction' : lastMask);
  else return;
  e.preventDefault();
});

function setMode(next: Mode): void {
  mode = next;
  if (next !== 'errors') lastMask = next;
  paint();
}

async function load(init: CompareInit): Promise<void> {
  document.getElementById('title')!.textContent = init.imageName;
  const options = { classes: init.classes, ignoreIndex: init.ignoreIndex };
  let truth, prediction;
  try {
    truth = decodeMaskPng(init.truthPng, options);
    prediction = decodeMaskPng(init.predictionPng, options);
  } catch (e) {
    return showMessage(`Cannot read the masks: ${(e as Error).message}`);
  }
  if (truth.width !== prediction.width || truth.height !== prediction.height) {
    return showMessage(`${init.predictionPath} is ${prediction.width}x${prediction.height} but ${init.truthPath} is ${truth.width}x${truth.height}: they cannot be compared.`);
  }
  const image = new Image();
  image.crossOrigin = 'anonymous';
  image.src = init.imageUri;
  try {
    await image.decode();
  } catch {
    return showMessage(`Cannot display ${init.imageName}: the image could not be decoded.`);
  }
  loaded = { init, image, truth: truth.ids, prediction: prediction.ids, width: truth.width, height: truth.height };
  classSelect.replaceChildren(new Option('All classes', ''), ...init.classes.filter((c) => c.id !== 0).map((c) => new Option(c.name, String(c.id))));
  fillFigures(loaded);
  const files = document.getElementById('files')!;
  files.replaceChildren(dt('truth'), dd(init.truthPath), dt('prediction'), dd(init.predictionPath));
  paint();
  channel.post({ type: 'loaded', width: loaded.width, height: loaded.height });
}

/** Renders the overlay of the current mode into the off-screen layer, then draws. */
function paint(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('.modes button')) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
  classSelect.disabled = mode !== 'errors';
  if (!loaded) return;
  const { init, width, height } = loaded;
  const overlay = new ImageData(width, height);
  const out = new Uint32Array(overlay.data.buffer);
  if (mode === 'errors') {
    const only = classSelect.value === '' ? undefined : Number(classSelect.value);
    const diff = diffMap(loaded.truth, loaded.prediction, init.ignoreIndex, only);
    counts = diff.counts;
    paintOverlay(diff.map, diffLut(), out);
  } else {
    paintOverlay(mode === 'truth' ? loaded.truth : loaded.prediction, overlayLut(init.classes, init.ignoreIndex), out);
  }
  layer.width = width;
  layer.height = height;
  layer.getContext('2d')!.putImageData(overlay, 0, 0);
  fillLegend();
  document.body.dataset.mode = mode;
  document.body.dataset.ready = 'true';
  draw();
}

function draw(): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(stage.clientWidth * dpr));
  const h = Math.max(1, Math.round(stage.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, w, h);
  if (!loaded) return;
  const scale = Math.min(w / loaded.width, h / loaded.height);
  const dw = loaded.width * scale;
  const dh = loaded.height * scale;
  const x = Math.round((w - dw) / 2);
  const y = Math.round((h - dh) / 2);
  ctx.imageSmoothingEnabled = scale < 1;
  ctx.globalAlpha = 1;
  ctx.drawImage(loaded.image, x, y, dw, dh);
  ctx.imageSmoothingEnabled = false;
  ctx.globalAlpha = Number(opacityInput.value) / 100;
  ctx.drawImage(layer, x, y, dw, dh);
  ctx.globalAlpha = 1;
}

function fillLegend(): void {
  const list = document.getElementById('legend')!;
  const title = document.getElementById('legend-title')!;
  if (mode === 'errors' && counts) {
    title.textContent = classSelect.value ? `Errors of ${classSelect.selectedOptions[0].text}` : 'Errors';
    const total = counts.tp + counts.fp + counts.fn + counts.wrong;
    list.replaceChildren(...DIFF_KINDS.filter((k) => k.key !== 'wrong' || !classSelect.value).map((k) => legendRow(k.color, k.name, counts![k.key], total, k.key)));
  } else if (loaded) {
    title.textContent = mode === 'truth' ? 'Truth' : 'Prediction';
    const ids = mode === 'truth' ? loaded.truth : loaded.prediction;
    const n = new Float64Array(256);
    for (let k = 0; k < ids.length; k++) n[ids[k]]++;
    list.replaceChildren(...loaded.init.classes.map((c) => legendRow(c.color, c.name, n[c.id], ids.length, `class-${c.id}`)));
  }
}

function legendRow(color: string, name: string, count: number, total: number, key: string): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.key = key;
  li.dataset.count = String(count);
  const swatch = document.createElement('span');
  swatch.className = 'swatch';
  swatch.style.background = color;
  const label = document.createElement('span');
  label.textContent = name;
  const value = document.createElement('span');
  value.className = 'count';
  value.textContent = `${count.toLocaleString('en-US')} px${total ? ` · ${((count / total) * 100).toFixed(1)}%` : ''}`;
  li.append(swatch, label, value);
  return li;
}

/** The image's own metrics, computed as `segment eval` computes them. */
function fillFigures(l: Loaded): void {
  const cm = ConfusionMatrix.forClasses(l.init.classes);
  cm.add(l.truth, l.prediction, l.init.ignoreIndex);
  const m = cm.metrics(l.init.classes);
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
  const el = document.getElementById('figures')!;
  el.replaceChildren(dt('mIoU'), dd(pct(m.mIoU), 'miou', m.mIoU), dt('pixel accuracy'), dd(pct(m.pixelAccuracy)), ...m.perClass.flatMap((c) => [dt(`IoU ${c.name}`), dd(pct(c.iou))]));
}

function dt(text: string): HTMLElement {
  const e = document.createElement('dt');
  e.textContent = text;
  return e;
}
function dd(text: string, key?: string, value?: number): HTMLElement {
  const e = document.createElement('dd');
  e.textContent = text;
  if (key) e.dataset.key = key;
  if (value !== undefined) e.dataset.value = String(value);
  return e;
}

function showMessage(text: string): void {
  const box = document.getElementById('message')!;
  box.hidden = false;
  box.textContent = text;
  document.body.dataset.error = text;
}

channel.post({ type: 'ready' });
