/**
 * The segmentation editor's webview: draws the image and its mask overlay in the class colours,
 * with an opacity slider and a legend. The host sends the mask as PNG bytes; decoding it here
 * keeps the extension host free of pixel work.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import './editor.css';
import { EditorInit, EditorToHost, HostToEditor } from '../../core/protocol';
import { decodeMaskPng, DecodedMask } from '../../core/maskCodec';
import { countIds, overlayLut, paintOverlay } from '../../core/overlayColors';
import { createChannel } from '../vscodeApi';
import { MaskView } from './maskView';
import { renderLegend } from './legend';

const app = document.getElementById('app')!;
app.innerHTML = `
  <header class="toolbar">
    <span class="title" id="title"></span>
    <vscode-badge id="source" variant="counter"></vscode-badge>
    <span class="position" id="position"></span>
    <span class="spacer"></span>
    <label class="opacity">Opacity <input id="opacity" type="range" min="0" max="100" step="1" aria-label="Mask opacity"></label>
  </header>
  <main class="main">
    <div class="stage" id="stage"><canvas id="view"></canvas><div class="message" id="message" hidden></div></div>
    <aside class="sidebar"><h2>Classes</h2><ul id="legend" class="legend"></ul></aside>
  </main>`;

const canvas = document.getElementById('view') as HTMLCanvasElement;
const opacityInput = document.getElementById('opacity') as HTMLInputElement;
const messageBox = document.getElementById('message')!;
const view = new MaskView(canvas, document.getElementById('stage')!);

const channel = createChannel<EditorToHost, HostToEditor>((message) => {
  if (message.type === 'init') void load(message.init);
  else showMessage(message.message, 'error');
});

opacityInput.addEventListener('input', () => view.setOpacity(Number(opacityInput.value) / 100));
opacityInput.addEventListener('change', () => channel.post({ type: 'setOpacity', opacity: Number(opacityInput.value) / 100 }));

async function load(init: EditorInit): Promise<void> {
  document.getElementById('title')!.textContent = init.imageName;
  const source = document.getElementById('source')!;
  source.textContent = { mask: 'Ground truth', prelabel: 'Pre-label: unreviewed', none: 'No mask' }[init.source];
  source.className = `source-${init.source}`;
  document.getElementById('position')!.textContent = init.dataset ? `${init.dataset.index + 1} / ${init.dataset.count}` : 'not in a dataset';
  opacityInput.value = String(Math.round(init.opacity * 100));
  view.setOpacity(init.opacity);

  let image: HTMLImageElement;
  try {
    image = await loadImage(init.imageUri);
  } catch {
    return showMessage(`Cannot display ${init.imageName}: the image could not be decoded.`, 'error');
  }
  let mask: DecodedMask | undefined;
  let problem: string | undefined;
  if (init.maskPng) {
    try {
      mask = decodeMaskPng(init.maskPng, { classes: init.classes, ignoreIndex: init.ignoreIndex });
      if (mask.width !== image.naturalWidth || mask.height !== image.naturalHeight) {
        problem = `${init.maskPath} is ${mask.width}x${mask.height} but the image is ${image.naturalWidth}x${image.naturalHeight}: the mask is not shown and nothing was changed.`;
        mask = undefined;
      }
    } catch (e) {
      problem = `${init.maskPath} cannot be read: ${(e as Error).message}`;
    }
  }
  let overlay: ImageData | undefined;
  if (mask) {
    overlay = new ImageData(mask.width, mask.height);
    paintOverlay(mask.ids, overlayLut(init.classes, init.ignoreIndex), new Uint32Array(overlay.data.buffer));
  }
  view.show(image, overlay);
  renderLegend(document.getElementById('legend')!, init.classes, mask ? countIds(mask.ids) : undefined);
  if (problem) {
    showMessage(problem, 'warning');
    channel.post({ type: 'problem', message: problem });
  }
  document.body.dataset.maskSource = mask ? init.source : 'none';
  document.body.dataset.ready = 'true';
  channel.post({ type: 'loaded', width: image.naturalWidth, height: image.naturalHeight });
}

function loadImage(uri: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    // CORS mode keeps the canvas readable (pixel readout, tools that sample the image).
    img.crossOrigin = 'anonymous';
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('image failed to load'));
    img.src = uri;
  });
}

function showMessage(text: string, kind: 'error' | 'warning'): void {
  messageBox.hidden = false;
  messageBox.className = `message ${kind}`;
  messageBox.textContent = text;
  if (kind === 'error') document.body.dataset.error = text;
}

channel.post({ type: 'ready' });
