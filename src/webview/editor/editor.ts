/**
 * The segmentation editor in its webview: loads the image and its mask, draws them on the GPU,
 * runs the tools, and keeps the host's edit list up to date with one edit per stroke or fill.
 * The host owns undo/redo and files; this side owns pixels, so it also encodes the mask on save.
 */
import { ClassDef } from '../../core/classes';
import { DIFF_KINDS, diffMap } from '../../core/comparison';
import { nextInstanceId, splitInstances } from '../../core/instanceSplit';
import { decodeInstancePng, decodeMaskPng, findUnknownIds } from '../../core/maskCodec';
import { encodeLayer } from '../../core/maskFiles';
import { applyWrites, EditRecorder, EditTarget, Layer, PaintSpec, Rect, unionRect } from '../../core/maskPatch';
import { countIds, overlayLut } from '../../core/overlayColors';
import { ComparisonInit, EditorAction, EditorCommand, EditorInit, EditorToHost, HostToEditor, ToolId, ToolState } from '../../core/protocol';
import { brushCentre, Point } from '../../core/raster';
import { renderLegend } from './legend';
import { hideBanner, showBanner, toast, toggleHelp } from './notices';
import { MaskRenderer, RenderStyle, TextureLayer, WebGLUnavailableError } from './renderer';
import { ToolController, ToolHost } from './tools';
import { el, TOOL_BUTTONS } from './ui';
import { Viewport } from './viewport';

/** Brush sizes the [ and ] keys step through (diameters in image pixels). */
const BRUSH_SIZES = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500];

type CompareShow = 'truth' | 'reference' | 'diff';

interface FrameStats {
  /** When the first input of the frame arrived (performance.now()). */
  inputAt?: number;
}

export class Editor implements ToolHost {
  private readonly canvas = el<HTMLCanvasElement>('view');
  private readonly stage = el('stage');
  readonly view = new Viewport(() => this.onViewChange());
  private readonly toolController = new ToolController(this);
  private renderer?: MaskRenderer;
  private init?: EditorInit;
  target: EditTarget = { width: 1, height: 1, mask: new Uint8Array(1) };
  private image?: HTMLImageElement;
  private imageRgba?: Promise<Uint8ClampedArray>;
  private toolState: ToolState = { tool: 'brush', classId: 1, brushSize: 12, tolerance: 32, protect: [], outline: false, instanceMode: false };
  private showMask = true;
  private opacity = 0.5;
  private readonly hidden = new Set<number>();
  private compare?: { init: ComparisonInit; show: CompareShow; classId: number };
  private reference?: Uint8Array;
  /** Why the mask cannot be edited right now, if it cannot. */
  private blocked?: string;
  /** The mask file could not be used (wrong size, unreadable): the badge says so. */
  private maskUnreadable = false;
  private loads = 0;
  private instanceId = 1;
  private unknownIds: number[] = [];
  private source: EditorInit['source'] = 'none';
  private maskPath?: string;
  private counts?: Float64Array;
  private countsTimer?: ReturnType<typeof setTimeout>;
  private readonly pending = new Map<TextureLayer, Rect>();
  private fullRedraw = true;
  private frameRequested = false;
  private frameStats: FrameStats = {};
  private spaceDown = false;
  private pan?: { x: number; y: number; id: number };
  private lastPointer?: { sx: number; sy: number };
  private loaded = false;
  private commands = 0;
  private edits = 0;
  private writes = 0;

  constructor(private readonly post: (message: EditorToHost) => void) {
    this.wireUi();
    new ResizeObserver(() => this.onResize()).observe(this.stage);
    new MutationObserver(() => this.onThemeChange()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  // --- messages from the host ------------------------------------------------------------------

  async onMessage(message: HostToEditor): Promise<void> {
    switch (message.type) {
      case 'init':
        return this.load(message.init);
      case 'error':
        return this.fail(message.message);
      case 'writes':
        applyWrites(this.target, message.writes, (w) => this.markDirty(w, w.layer));
        this.writes++;
        document.body.dataset.writes = String(this.writes);
        this.refreshCounts();
        return;
      case 'command':
        return this.command(message.command);
      case 'encode':
        return this.encode(message.requestId, message.layers);
      case 'saved':
        this.source = message.source;
        this.maskPath = message.maskPath;
        if (this.init?.dataset && message.status) this.init.dataset.status = message.status;
        this.updateDocUi();
        toast(`Saved ${message.maskPath}`);
        return;
      case 'compare':
        return message.comparison ? this.enterCompare(message.comparison) : this.exitCompare();
      case 'prelabelAvailable':
        if (this.init) this.init.prelabelAvailable = message.available;
        this.updateDocUi();
        return;
    }
  }

  private async load(init: EditorInit): Promise<void> {
    const started = performance.now();
    const sameImage = this.init?.imageUri === init.imageUri;
    this.init = init;
    this.loaded = false;
    document.body.dataset.ready = 'false';
    this.toolController.cancel();
    this.toolState = { ...init.tools };
    if (!this.isClass(this.toolState.classId)) this.toolState.classId = init.classes.find((c) => c.id !== 0)?.id ?? 0;
    this.opacity = init.opacity;
    this.source = init.source;
    this.maskPath = init.maskPath;
    this.blocked = init.readOnly;
    this.maskUnreadable = false;
    this.compare = undefined;
    this.reference = undefined;
    this.unknownIds = [];
    hideBanner();
    el('message').hidden = true;
    this.updateToolUi();
    this.updateDocUi();

    // The browser fetches and decodes the image off this thread while the masks decode here.
    const timings: Record<string, number> = {};
    let lap = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round(now - lap);
      lap = now;
    };
    const pending = sameImage && this.image ? Promise.resolve(this.image) : loadImage(init.imageUri);
    pending.catch(() => undefined); // awaited below
    const options = { classes: init.classes, ignoreIndex: init.ignoreIndex };
    let decoded: ReturnType<typeof decodeMaskPng> | Error | undefined;
    if (init.maskPng) {
      try {
        decoded = decodeMaskPng(init.maskPng, options);
      } catch (e) {
        decoded = e as Error;
      }
    }
    let instances: ReturnType<typeof decodeInstancePng> | Error | undefined;
    if (init.instancesPng) {
      try {
        instances = decodeInstancePng(init.instancesPng);
      } catch (e) {
        instances = e as Error;
      }
    }
    phase('decodeMasks');
    let image: HTMLImageElement;
    try {
      image = await pending;
    } catch {
      return this.fail(`Cannot display ${init.imageName}: the image could not be decoded.`);
    }
    phase('image');
    this.image = image;
    const width = image.naturalWidth;
    const height = image.naturalHeight;
    if (!sameImage) this.imageRgba = undefined;

    // The mask the edits start from, checked before anything may change it.
    let mask: Uint8Array | undefined;
    let problem: { text: string; choices: 'replace' | 'unknown' } | undefined;
    if (decoded instanceof Error) {
      problem = { text: `${init.maskPath} cannot be read: ${decoded.message}. Nothing was changed.`, choices: 'replace' };
    } else if (decoded) {
      if (decoded.width !== width || decoded.height !== height) {
        problem = { text: `${init.maskPath} is ${decoded.width}x${decoded.height} but the image is ${width}x${height}. The mask is not shown and nothing was changed.`, choices: 'replace' };
      } else {
        mask = decoded.ids;
        const unknown = findUnknownIds(mask, width, options);
        if (unknown.length > 0) {
          this.unknownIds = unknown.map((u) => u.id);
          const u = unknown[0];
          const others = unknown.length > 1 ? ` (and ${unknown.length - 1} other unknown value${unknown.length > 2 ? 's' : ''})` : '';
          problem = { text: `${init.maskPath} holds the value ${u.id} (${u.count} pixels, first at x ${u.firstX}, y ${u.firstY})${others}, which is no class in segment.json. Nothing was changed.`, choices: 'unknown' };
        }
      }
    }
    const target: EditTarget = { width, height, mask: mask ?? new Uint8Array(width * height).fill(init.emptyFill) };
    if (instances instanceof Error) toast(`${init.instancesPath} cannot be read: ${instances.message}`, 6000);
    else if (instances && (instances.width !== width || instances.height !== height)) toast(`${init.instancesPath} is ${instances.width}x${instances.height}, not ${width}x${height}: instances are not shown.`, 6000);
    else if (instances) target.instances = instances.ids;
    try {
      applyWrites(target, init.writes);
    } catch (e) {
      toast(`Unsaved changes could not be restored: ${(e as Error).message}`, 8000);
    }
    this.target = target;
    this.instanceId = nextInstanceId(target.instances);

    try {
      if (!this.renderer) {
        this.renderer = new MaskRenderer(this.canvas, tileLimit());
        this.onThemeChange();
      }
      if (!sameImage || this.view.imageWidth !== width || this.view.imageHeight !== height) {
        await this.renderer.setImage(image, width, height);
        this.view.setImage(width, height);
      }
      phase('imageTextures');
      this.renderer.setLayer('mask', target.mask);
      this.renderer.setLayer('instances', target.instances);
      this.renderer.setLayer('reference', undefined);
      phase('maskTextures');
    } catch (e) {
      const why = e instanceof WebGLUnavailableError ? 'WebGL2 is not available here, and the editor draws with it' : (e as Error).message;
      return this.fail(`Cannot display ${init.imageName}: ${why}.`);
    }
    this.updateLut();
    this.refreshCounts(0);

    if (problem) {
      this.blocked = problem.text;
      this.maskUnreadable = problem.choices === 'replace';
      const replace = [
        { label: 'Start an empty mask', primary: true, run: () => this.action({ kind: 'startEmpty' }) },
        { label: 'Open the mask file', run: () => this.action({ kind: 'openFile', path: init.maskPath! }) },
      ];
      const unknown = [
        { label: `Add ${this.unknownIds.length === 1 ? `class ${this.unknownIds[0]}` : 'these classes'} to segment.json`, primary: true, run: () => this.action({ kind: 'addClasses', ids: this.unknownIds }) },
        { label: 'Edit anyway (keeps the values)', run: () => this.unblock() },
      ];
      showBanner('warning', problem.text, problem.choices === 'replace' ? replace : unknown);
      document.body.dataset.problem = problem.choices;
      this.post({ type: 'problem', message: problem.text });
    } else if (init.readOnly) {
      const choices = init.dataset || /not a local file|Could not read/.test(init.readOnly) ? [] : [{ label: 'Create segment.json here', primary: true, run: () => this.action({ kind: 'createDataset' }) }];
      showBanner('info', init.readOnly, choices);
      delete document.body.dataset.problem;
    } else {
      delete document.body.dataset.problem;
    }
    if (init.notice) toast(init.notice, 6000);
    if (init.comparison) this.enterCompare(init.comparison);

    phase('checks');
    this.fullRedraw = true;
    this.renderNow();
    this.renderer.finish();
    phase('firstFrame');
    document.body.dataset.firstFrameAt = String(performance.now());
    document.body.dataset.firstFrameMs = String(Math.round(performance.now() - started));
    document.body.dataset.loadTimings = JSON.stringify(timings);
    document.body.dataset.tiles = String(this.renderer.tileCount);
    document.body.dataset.maxTextureSize = String(this.renderer.maxTextureSize);
    document.body.dataset.maskSource = mask || init.writes.length > 0 ? this.source : 'none';
    this.updateToolUi();
    this.updateDocUi();
    this.loaded = true;
    document.body.dataset.loads = String(++this.loads);
    document.body.dataset.ready = 'true';
    this.post({ type: 'loaded', width, height });
    // Mipmaps make zoomed-out views smooth; they cost a moment on large images, so after the first frame.
    setTimeout(() => {
      this.renderer?.generateMipmaps();
      this.requestRender(true);
    }, 30);
  }

  private fail(text: string): void {
    const box = el('message');
    box.hidden = false;
    box.className = 'message error';
    box.textContent = text;
    document.body.dataset.error = text;
  }

  // --- commands (keys) ---------------------------------------------------------------------

  command(c: EditorCommand): void {
    const cx = this.view.width / 2;
    const cy = this.view.height / 2;
    document.body.dataset.commands = String(++this.commands);
    switch (c.kind) {
      case 'tool':
        if (c.tool === this.toolState.tool) break; // the same key again never interrupts a stroke
        this.toolController.finish();
        this.setTools({ tool: c.tool });
        break;
      case 'class':
        if (this.isClass(c.classId)) this.selectClass(c.classId);
        else toast(`No class has the id ${c.classId}.`);
        break;
      case 'ignore':
        this.selectClass(this.init?.ignoreIndex ?? 255);
        break;
      case 'brushSize': {
        const size = this.toolState.brushSize;
        const i = BRUSH_SIZES.findIndex((s) => s >= size);
        const at = i < 0 ? BRUSH_SIZES.length - 1 : BRUSH_SIZES[i] === size ? i : c.step > 0 ? i - 1 : i;
        this.setTools({ brushSize: BRUSH_SIZES[Math.max(0, Math.min(BRUSH_SIZES.length - 1, at + c.step))] });
        break;
      }
      case 'toggleMask':
        this.showMask = !this.showMask;
        this.updateViewUi();
        this.requestRender(true);
        break;
      case 'toggleOutline':
        this.setTools({ outline: !this.toolState.outline });
        break;
      case 'zoom':
        this.view.zoomAt(c.factor, this.lastPointer?.sx ?? cx, this.lastPointer?.sy ?? cy);
        break;
      case 'fit':
        this.view.fit();
        break;
      case 'actualSize':
        this.view.actualSize();
        break;
      case 'toggleInstanceMode':
        this.setTools({ instanceMode: !this.toolState.instanceMode });
        break;
      case 'newInstance':
        this.instanceId = nextInstanceId(this.target.instances);
        if (!this.toolState.instanceMode) this.setTools({ instanceMode: true });
        this.updateToolUi();
        toast(`Painting instance ${this.instanceId}`);
        break;
      case 'splitInstances':
        this.splitInstances();
        break;
      case 'toggleCompare':
        if (this.compare) this.action({ kind: 'compare', on: false });
        else if (this.init?.prelabelAvailable) this.action({ kind: 'compare', on: true });
        else toast('There is no pre-label besides this mask to compare with.');
        break;
      case 'help':
        toggleHelp(this.init?.keys ?? []);
        break;
    }
  }

  private splitInstances(): void {
    if (!this.canEdit()) return;
    const t = this.target;
    const background = 0;
    const ignore = this.init!.ignoreIndex;
    let next: Uint16Array;
    try {
      next = splitInstances(t.instances ?? new Uint16Array(t.width * t.height), t.mask, t.width, t.height, { background, ignore });
    } catch (e) {
      return toast((e as Error).message, 6000);
    }
    const recorder = new EditRecorder(t);
    const inst = t.instances ?? (t.instances = new Uint16Array(t.width * t.height));
    let dirty: Rect | undefined;
    for (let y = 0; y < t.height; y++) {
      const row = y * t.width;
      for (let x = 0; x < t.width; x++) {
        if (inst[row + x] === next[row + x]) continue;
        let end = x + 1;
        while (end < t.width && inst[row + end] !== next[row + end]) end++;
        recorder.touch('instances', x, y, end, y + 1);
        inst.set(next.subarray(row + x, row + end), row + x);
        dirty = unionRect(dirty, { x, y, w: end - x, h: 1 });
        x = end;
      }
    }
    if (!this.renderer) return;
    if (!dirty) return toast('Every instance is already in one piece.');
    this.renderer.setLayer('instances', inst);
    this.commit('Split instances', recorder);
    this.instanceId = nextInstanceId(inst);
    if (!this.toolState.instanceMode) this.setTools({ instanceMode: true });
    this.requestRender(true);
  }

  // --- ToolHost --------------------------------------------------------------------------------

  get tool(): ToolId {
    return this.toolState.tool;
  }

  get brushSize(): number {
    return this.toolState.brushSize;
  }

  get tolerance(): number {
    return this.toolState.tolerance;
  }

  paintSpec(erase: boolean): PaintSpec {
    const protect = new Uint8Array(256);
    for (const id of this.toolState.protect) protect[id] = 1;
    return {
      value: erase ? this.init!.emptyFill : this.toolState.classId,
      instance: this.toolState.instanceMode ? (erase ? 0 : this.instanceId) : undefined,
      protect: this.toolState.protect.length > 0 ? protect : undefined,
    };
  }

  imagePixels(): Promise<Uint8ClampedArray> {
    if (!this.imageRgba) {
      const { width, height } = this.target;
      const image = this.image!;
      this.imageRgba = (async () => {
        const canvas = new OffscreenCanvas(width, height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(image, 0, 0);
        return ctx.getImageData(0, 0, width, height).data;
      })();
      this.imageRgba.catch((e) => toast(`The image's colours cannot be read: ${(e as Error).message}`, 6000));
    }
    return this.imageRgba;
  }

  changed(rect: Rect): void {
    this.markDirty(rect, 'mask');
    if (this.toolState.instanceMode && this.target.instances) {
      if (!this.renderer || this.renderer.tileCount === 0) return;
      this.markDirty(rect, 'instances');
    }
  }

  commit(label: string, recorder: EditRecorder): void {
    const patches = recorder.finish();
    if (patches.length === 0) return;
    if (patches.some((p) => p.layer === 'instances') && this.renderer) {
      // The instance layer may have just been created by this edit.
      this.renderer.setLayer('instances', this.target.instances);
    }
    this.post({ type: 'edit', label, patches });
    this.edits++;
    document.body.dataset.edits = String(this.edits);
    this.refreshCounts();
  }

  preview(shape: { points: Point[]; closed: boolean } | undefined): void {
    const svg = el('shape-preview');
    const pts = shape ? shape.points.map((p) => `${p.x},${p.y}`).join(' ') : '';
    el('shape-line').setAttribute('points', shape && shape.closed ? `${pts} ${shape.points[0].x},${shape.points[0].y}` : pts);
    el('shape-fill').setAttribute('points', pts);
    svg.classList.toggle('active', !!shape);
    const color = this.classColor(this.toolState.classId);
    svg.style.setProperty('--shape-color', color);
  }

  // --- pixels and frames -----------------------------------------------------------------------

  private markDirty(rect: Rect, layer: TextureLayer | Layer): void {
    this.pending.set(layer, unionRect(this.pending.get(layer), rect));
    this.frameStats.inputAt ??= performance.now();
    this.requestRender(false);
  }

  private requestRender(full: boolean): void {
    if (full) this.fullRedraw = true;
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.renderNow();
    });
  }

  private renderNow(): void {
    const r = this.renderer;
    if (!r) return;
    let only: Rect | undefined;
    for (const [layer, rect] of this.pending) {
      const data = layer === 'mask' ? this.target.mask : layer === 'instances' ? this.target.instances : this.reference;
      if (data) r.updateLayer(layer, data, rect);
      if (!this.fullRedraw) only = unionRect(only, this.screenRect(rect));
    }
    this.pending.clear();
    if (this.fullRedraw || only) {
      r.render(this.view, this.style(), devicePixelRatio || 1, this.fullRedraw ? undefined : only);
      this.fullRedraw = false;
    }
    const bench = (window as { segmentEditorBench?: { frames: number[][] } }).segmentEditorBench;
    if (bench && this.frameStats.inputAt !== undefined) {
      r.finish();
      bench.frames.push([this.frameStats.inputAt, performance.now()]);
    }
    this.frameStats = {};
  }

  /** The device-pixel screen rectangle covering image rectangle `r` (one pixel around, for outlines). */
  private screenRect(r: Rect): Rect {
    const dpr = devicePixelRatio || 1;
    const s = this.view.scale * dpr;
    const x0 = Math.floor((r.x - 1) * s + this.view.x * dpr) - 1;
    const y0 = Math.floor((r.y - 1) * s + this.view.y * dpr) - 1;
    const x1 = Math.ceil((r.x + r.w + 1) * s + this.view.x * dpr) + 1;
    const y1 = Math.ceil((r.y + r.h + 1) * s + this.view.y * dpr) + 1;
    const cx0 = Math.max(0, x0), cy0 = Math.max(0, y0);
    return { x: cx0, y: cy0, w: Math.max(0, Math.min(this.canvas.width, x1) - cx0), h: Math.max(0, Math.min(this.canvas.height, y1) - cy0) };
  }

  private style(): RenderStyle {
    const c = this.compare;
    return {
      showMask: this.showMask,
      opacity: this.opacity,
      outline: this.toolState.outline,
      mode: !c || c.show === 'truth' ? 'mask' : c.show === 'reference' ? 'reference' : 'diff',
      instances: this.toolState.instanceMode && !c,
      background: 0,
      ignoreIndex: this.init?.ignoreIndex ?? 255,
      diffClass: c?.classId ?? -1,
    };
  }

  private updateLut(): void {
    if (!this.renderer || !this.init) return;
    const lut = overlayLut(this.init.classes, this.init.ignoreIndex, { hidden: new Set([0, ...this.hidden]) });
    // Ids no class declares show in magenta, so "edit anyway" never hides them.
    for (const id of this.unknownIds) if (!this.hidden.has(id)) lut[id] = 0xffff00ff;
    this.renderer.setLut(lut);
    this.requestRender(true);
  }

  private onResize(): void {
    const dpr = devicePixelRatio || 1;
    const w = this.stage.clientWidth;
    const h = this.stage.clientHeight;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.view.resize(w, h);
    this.requestRender(true);
  }

  private onViewChange(): void {
    const v = this.view;
    document.body.dataset.view = JSON.stringify({ scale: v.scale, x: v.x, y: v.y });
    el('zoom-level').textContent = `${v.scale >= 1 ? Math.round(v.scale * 100) : (v.scale * 100).toFixed(1)}%`;
    this.toolController.refreshPreview();
    this.updateCursor();
    this.requestRender(true);
  }

  private onThemeChange(): void {
    this.renderer?.setBackground(getComputedStyle(document.body).getPropertyValue('--vscode-editor-background') || '#808080');
    this.requestRender(true);
  }

  // --- pointer, wheel, keys ----------------------------------------------------------------------

  private wireUi(): void {
    const canvas = this.canvas;
    const local = (e: { clientX: number; clientY: number }) => {
      const r = canvas.getBoundingClientRect();
      return { sx: e.clientX - r.left, sy: e.clientY - r.top };
    };
    // The last pointer events, for diagnosing lost strokes in tests (body[data-pointer]).
    const trace: string[] = [];
    const note = (what: string) => {
      trace.push(what);
      if (trace.length > 12) trace.shift();
      document.body.dataset.pointer = trace.join(' ');
    };
    for (const type of ['pointerdown', 'pointerup', 'pointercancel', 'lostpointercapture'] as const) {
      canvas.addEventListener(type, (e) => note(`${type.replace('pointer', '')}:${e.button}${e.isPrimary ? '' : '!'}`), true);
    }
    canvas.addEventListener('pointerdown', (e) => {
      canvas.focus();
      const { sx, sy } = local(e);
      const p = this.view.toImage(sx, sy);
      if (e.button === 1 || (e.button === 0 && this.spaceDown)) {
        this.pan = { x: e.clientX, y: e.clientY, id: e.pointerId };
        capture(canvas, e.pointerId);
        this.stage.classList.add('panning');
        e.preventDefault();
        return;
      }
      if (e.button !== 0 || !this.loaded) return note(this.loaded ? 'not-left' : 'loading');
      if (e.altKey) return this.pick(p);
      if (!this.canEdit()) return note('blocked');
      this.toolController.down(p);
      note(this.toolController.active ? 'started' : 'no-gesture');
      capture(canvas, e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      const { sx, sy } = local(e);
      this.lastPointer = { sx, sy };
      if (this.pan && e.pointerId === this.pan.id) {
        this.view.panBy(e.clientX - this.pan.x, e.clientY - this.pan.y);
        this.pan.x = e.clientX;
        this.pan.y = e.clientY;
        return;
      }
      this.frameStats.inputAt ??= performance.now();
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
      const points = (events.length > 0 ? events : [e]).map((ev) => {
        const l = local(ev);
        return this.view.toImage(l.sx, l.sy);
      });
      if (this.toolController.active) this.toolController.move(points, e.buttons);
      this.readout(points[points.length - 1]);
      this.updateCursor();
    });
    const end = (e: PointerEvent) => {
      if (this.pan && e.pointerId === this.pan.id) {
        this.pan = undefined;
        this.stage.classList.remove('panning');
        return;
      }
      const { sx, sy } = local(e);
      if (this.toolController.active) this.toolController.up(this.view.toImage(sx, sy));
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', () => this.toolController.cancel());
    canvas.addEventListener('dblclick', () => this.toolController.doubleClick());
    canvas.addEventListener('pointerleave', () => {
      el('brush-cursor').hidden = true;
      this.showHint();
    });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.frameStats.inputAt ??= performance.now();
        const { sx, sy } = local(e);
        const delta = e.deltaY || e.deltaX;
        if (e.altKey || e.shiftKey) {
          this.command({ kind: 'brushSize', step: delta > 0 ? -1 : 1 });
          this.updateCursor();
          return;
        }
        // Pinch arrives as ctrl+wheel with small deltas: zoom faster per unit.
        const unit = e.deltaMode === 1 ? 16 : 1;
        this.view.zoomAt(Math.exp(-delta * unit * (e.ctrlKey ? 0.01 : 0.0015)), sx, sy);
      },
      { passive: false },
    );

    window.addEventListener('keydown', (e) => {
      if (e.key === ' ' && !e.repeat) {
        this.spaceDown = true;
        this.stage.classList.add('pan-ready');
        e.preventDefault();
      } else if (e.key === 'Tab') {
        e.preventDefault(); // Tab toggles the mask (a VS Code keybinding), not the focus
      } else if (e.key === 'Escape' && !el('help').hidden) {
        toggleHelp([], false);
      } else if (this.toolController.key(e.key)) {
        e.preventDefault();
      }
    });
    window.addEventListener('keyup', (e) => {
      if (e.key === ' ') {
        this.spaceDown = false;
        this.stage.classList.remove('pan-ready');
      }
    });
    // The focus context key makes the editor's keys work. VS Code may focus the webview before this
    // script runs (no focus event then), so any interaction reports it too.
    window.addEventListener('focus', () => this.reportFocus(true));
    window.addEventListener('pointerdown', () => this.reportFocus(true), true);
    window.addEventListener('keydown', () => this.reportFocus(true), true);
    window.addEventListener('blur', () => {
      this.spaceDown = false;
      this.reportFocus(false);
    });
    if (document.hasFocus()) this.reportFocus(true);
    document.addEventListener('pointerdown', (e) => {
      const help = el('help');
      if (!help.hidden && !help.contains(e.target as Node) && !(e.target as HTMLElement).closest('#help-button')) toggleHelp([], false);
    });

    for (const t of TOOL_BUTTONS) el(`tool-${t.tool}`).addEventListener('click', () => this.command({ kind: 'tool', tool: t.tool }));
    const sizeInput = el<HTMLInputElement>('brush-size');
    sizeInput.addEventListener('input', () => this.setTools({ brushSize: sliderToSize(Number(sizeInput.value)) }));
    const tol = el<HTMLInputElement>('tolerance');
    tol.addEventListener('input', () => this.setTools({ tolerance: Number(tol.value) }));
    const opacity = el<HTMLInputElement>('opacity');
    opacity.addEventListener('input', () => {
      this.opacity = Number(opacity.value) / 100;
      el('opacity-value').textContent = `${opacity.value}%`;
      this.requestRender(true);
    });
    opacity.addEventListener('change', () => this.post({ type: 'setOpacity', opacity: Number(opacity.value) / 100 }));
    const click = (id: string, fn: () => void) => el(id).addEventListener('click', fn);
    click('toggle-mask', () => this.command({ kind: 'toggleMask' }));
    click('toggle-outline', () => this.command({ kind: 'toggleOutline' }));
    click('zoom-in', () => this.command({ kind: 'zoom', factor: 1.25 }));
    click('zoom-out', () => this.command({ kind: 'zoom', factor: 0.8 }));
    click('zoom-fit', () => this.command({ kind: 'fit' }));
    click('zoom-actual', () => this.command({ kind: 'actualSize' }));
    click('instance-mode', () => this.command({ kind: 'toggleInstanceMode' }));
    click('new-instance', () => this.command({ kind: 'newInstance' }));
    click('split-instances', () => this.command({ kind: 'splitInstances' }));
    click('help-button', () => this.command({ kind: 'help' }));
    click('accept', () => this.action({ kind: 'accept' }));
    click('compare', () => this.command({ kind: 'toggleCompare' }));
    click('compare-exit', () => this.action({ kind: 'compare', on: false }));
    click('nav-previous', () => this.action({ kind: 'navigate', target: 'previous' }));
    click('nav-next', () => this.action({ kind: 'navigate', target: 'next' }));
    click('nav-unlabelled', () => this.action({ kind: 'navigate', target: 'nextUnlabelled' }));
    click('nav-prelabelled', () => this.action({ kind: 'navigate', target: 'nextPrelabelled' }));
    click('show-truth', () => this.setCompareShow('truth'));
    click('show-reference', () => this.setCompareShow('reference'));
    click('show-diff', () => this.setCompareShow('diff'));
  }

  private focused = false;

  private reportFocus(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    this.post({ type: 'focus', focused });
  }

  private action(action: EditorAction): void {
    this.post({ type: 'action', action });
  }

  /** Alt+click: the class (and instance) under the pointer becomes the one painted. */
  private pick(p: Point): void {
    const i = this.pixelIndex(p);
    if (i < 0) return;
    const id = this.target.mask[i];
    if (this.isClass(id)) this.selectClass(id);
    const inst = this.target.instances?.[i] ?? 0;
    if (this.toolState.instanceMode && inst > 0) {
      this.instanceId = inst;
      this.updateToolUi();
    }
    toast(`Picked ${this.className(id)}${this.toolState.instanceMode && inst > 0 ? `, instance ${inst}` : ''}`);
  }

  /** What the current tool does, in the status line while the pointer is off the image. */
  private showHint(): void {
    const hints: Record<ToolId, string> = {
      brush: 'Drag to paint · [ ] or Alt+wheel: size · Alt+click: pick a class · Space+drag: pan',
      eraser: 'Drag to erase · [ ] or Alt+wheel: size',
      fill: 'Click a region to fill it with the class',
      wand: 'Click to fill the region of similar image colour (tolerance above)',
      polygon: 'Click to add points · click the first point, double-click or Enter to close · Backspace: undo a point · Esc: cancel',
      lasso: 'Drag around a region to fill it',
      rectangle: 'Drag to fill a rectangle',
    };
    const out = el('readout');
    out.classList.add('hint');
    out.textContent = this.compare ? 'Comparison: hover to read both masks · Back to editing to paint' : hints[this.tool];
  }

  private readout(p: Point): void {
    const i = this.pixelIndex(p);
    const out = el('readout');
    out.classList.remove('hint');
    if (i < 0) return this.showHint();
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    const id = this.target.mask[i];
    const parts = [`x ${x}, y ${y}`];
    if (this.compare && this.reference) {
      const names = this.compareNames();
      parts.push(`${names.truth}: ${this.className(id)}`, `${names.reference}: ${this.className(this.reference[i])}`);
    } else {
      parts.push(this.className(id));
      const inst = this.target.instances?.[i] ?? 0;
      if (this.target.instances) parts.push(inst > 0 ? `instance ${inst}` : 'no instance');
    }
    out.textContent = parts.join(' · ');
    document.body.dataset.hover = JSON.stringify({ x, y, classId: id, instance: this.target.instances?.[i] ?? 0 });
  }

  private updateCursor(): void {
    const cursor = el('brush-cursor');
    const p = this.lastPointer;
    const brush = (this.tool === 'brush' || this.tool === 'eraser') && !this.blocked && !this.compare;
    this.stage.dataset.tool = this.tool;
    if (!p || !brush || !this.loaded) {
      cursor.hidden = true;
      return;
    }
    const c = brushCentre(this.view.toImage(p.sx, p.sy), this.brushSize);
    const s = this.view.toScreen(c);
    const d = Math.max(2, this.brushSize * this.view.scale);
    cursor.hidden = false;
    cursor.style.width = cursor.style.height = `${d}px`;
    cursor.style.transform = `translate(${s.x - d / 2}px, ${s.y - d / 2}px)`;
    cursor.classList.toggle('eraser', this.tool === 'eraser');
  }

  // --- tool state and UI -------------------------------------------------------------------------

  private setTools(change: Partial<ToolState>): void {
    this.toolState = { ...this.toolState, ...change };
    this.post({ type: 'tools', tools: this.toolState });
    this.updateToolUi();
    if ('outline' in change || 'instanceMode' in change) this.requestRender(true);
  }

  private selectClass(id: number): void {
    if (this.compare?.show === 'diff') {
      this.compare.classId = this.compare.classId === id ? -1 : id;
      this.updateCompareUi();
      this.requestRender(true);
      return;
    }
    this.setTools({ classId: id });
  }

  private updateToolUi(): void {
    const s = this.toolState;
    if (!s) return;
    for (const t of TOOL_BUTTONS) {
      const b = el(`tool-${t.tool}`);
      b.toggleAttribute('checked', t.tool === s.tool);
      b.setAttribute('aria-pressed', String(t.tool === s.tool));
    }
    el('brush-options').hidden = !(s.tool === 'brush' || s.tool === 'eraser');
    el('wand-options').hidden = s.tool !== 'wand';
    el<HTMLInputElement>('brush-size').value = String(sizeToSlider(s.brushSize));
    el('brush-size-value').textContent = `${s.brushSize} px`;
    el<HTMLInputElement>('tolerance').value = String(s.tolerance);
    el('tolerance-value').textContent = String(s.tolerance);
    el('current-swatch').style.background = this.classColor(s.classId);
    el('current-name').textContent = this.className(s.classId);
    el('current-key').textContent = s.classId === this.init?.ignoreIndex ? 'I' : s.classId <= 9 ? String(s.classId) : '';
    el('instance-mode').toggleAttribute('checked', s.instanceMode);
    for (const id of ['instance-id', 'new-instance', 'split-instances']) el(id).hidden = !s.instanceMode;
    el('instance-id').textContent = `instance ${this.instanceId}`;
    el('toggle-outline').toggleAttribute('checked', s.outline);
    Object.assign(document.body.dataset, {
      tool: s.tool,
      classId: String(s.classId),
      brushSize: String(s.brushSize),
      instanceMode: String(s.instanceMode),
      instanceId: String(this.instanceId),
      outline: String(s.outline),
      protect: s.protect.join(','),
    });
    this.updateViewUi();
    this.renderLegend();
    this.updateCursor();
    if (el('readout').classList.contains('hint') || !el('readout').textContent) this.showHint();
  }

  private updateViewUi(): void {
    const opacity = el<HTMLInputElement>('opacity');
    opacity.value = String(Math.round(this.opacity * 100));
    el('opacity-value').textContent = `${opacity.value}%`;
    const eye = el('toggle-mask');
    eye.toggleAttribute('checked', this.showMask);
    eye.setAttribute('icon', this.showMask ? 'eye' : 'eye-closed');
    document.body.dataset.showMask = String(this.showMask);
  }

  private updateDocUi(): void {
    const init = this.init;
    if (!init) return;
    const badge = el('source');
    const comparing = !!this.compare;
    const unreadable = this.maskUnreadable && !!this.blocked;
    badge.textContent = comparing
      ? this.compare!.init.kind === 'prediction' ? 'Prediction review (read-only)' : 'Comparing (read-only)'
      : unreadable ? 'Mask unreadable' : { mask: 'Ground truth', prelabel: 'Pre-label · unreviewed', none: 'New mask' }[this.source];
    badge.className = `source source-${comparing ? 'compare' : unreadable ? 'problem' : this.source}`;
    const strip = el('prelabel-strip');
    strip.hidden = this.source !== 'prelabel' || comparing;
    el('prelabel-text').textContent = `Unreviewed pre-label ${this.maskPath ?? ''}${init.prelabelInfo ? ` (${init.prelabelInfo})` : ''}: fix what is wrong, then save (Ctrl+S) or accept it. It becomes ${init.saveTarget}; the pre-label file is kept as it is.`;
    badge.title = comparing
      ? `Comparing ${this.compare!.init.path} with the mask`
      : this.source === 'mask' ? `Ground truth: ${this.maskPath}` : this.source === 'prelabel' ? `A model's pre-label (${this.maskPath}) that nobody has reviewed: saving accepts it as ${init.saveTarget}` : `No mask yet: saving writes ${init.saveTarget ?? 'nothing (not in a dataset)'}`;
    el('accept').hidden = this.source !== 'prelabel' || comparing || !!init.readOnly;
    el('compare').hidden = !init.prelabelAvailable && !(comparing && this.compare!.init.kind === 'prelabel');
    el('compare').toggleAttribute('checked', comparing && this.compare!.init.kind === 'prelabel');
    const ds = init.dataset;
    el('position').textContent = ds ? `${ds.index + 1} / ${ds.count} · ${ds.status}` : 'not in a dataset';
    el('position').title = ds ? `${ds.key} in ${ds.root}` : '';
    for (const id of ['nav-previous', 'nav-next', 'nav-unlabelled', 'nav-prelabelled']) el(id).toggleAttribute('disabled', !ds);
    el('image-size').textContent = this.loaded || this.target.width > 1 ? `${this.target.width} × ${this.target.height}` : '';
    document.body.classList.toggle('read-only', !!this.blocked || comparing);
    document.body.dataset.mode = comparing ? `compare-${this.compare!.show}` : 'edit';
    document.body.dataset.source = this.source;
    document.body.dataset.readOnly = String(!!this.blocked || comparing);
  }

  private renderLegend(): void {
    if (!this.init) return;
    renderLegend(
      el('legend'),
      this.init.classes,
      this.init.ignoreIndex,
      {
        selected: this.compare?.show === 'diff' ? this.compare.classId : this.toolState.classId,
        hidden: this.hidden,
        protect: new Set(this.toolState.protect),
        counts: this.counts,
        unknown: this.unknownIds,
      },
      {
        select: (id) => this.selectClass(id),
        toggleHidden: (id) => {
          if (this.hidden.has(id)) this.hidden.delete(id);
          else this.hidden.add(id);
          this.updateLut();
          this.renderLegend();
        },
        toggleProtect: (id) => {
          const protect = new Set(this.toolState.protect);
          if (protect.has(id)) protect.delete(id);
          else protect.add(id);
          this.setTools({ protect: [...protect].sort((a, b) => a - b) });
        },
      },
    );
  }

  /** Class shares for the legend, recounted a moment after edits stop. */
  private refreshCounts(delay = 400): void {
    clearTimeout(this.countsTimer);
    this.countsTimer = setTimeout(() => {
      this.counts = countIds(this.target.mask);
      this.renderLegend();
      if (this.compare) this.updateCompareUi();
    }, delay);
  }

  // --- comparison ------------------------------------------------------------------------------

  private enterCompare(c: ComparisonInit): void {
    let ids: Uint8Array;
    try {
      const decoded = decodeMaskPng(c.png, { classes: this.init!.classes, ignoreIndex: this.init!.ignoreIndex });
      if (decoded.width !== this.target.width || decoded.height !== this.target.height) {
        return showBanner('warning', `${c.path} is ${decoded.width}x${decoded.height} but the image is ${this.target.width}x${this.target.height}: it cannot be compared.`);
      }
      ids = decoded.ids;
    } catch (e) {
      return showBanner('warning', `${c.path} cannot be read: ${(e as Error).message}`);
    }
    this.toolController.cancel();
    this.setComparison({ init: c, show: c.diff ? 'diff' : 'reference', classId: -1 }, ids);
  }

  private exitCompare(): void {
    this.setComparison(undefined, undefined);
  }

  private setComparison(compare: Editor['compare'], reference: Uint8Array | undefined): void {
    this.compare = compare;
    this.reference = reference;
    this.renderer?.setLayer('reference', reference);
    el('compare-section').hidden = !compare;
    if (compare) this.updateCompareUi();
    this.updateDocUi();
    this.renderLegend();
    this.updateCursor();
    this.requestRender(true);
  }

  private setCompareShow(show: CompareShow): void {
    if (!this.compare) return;
    this.compare.show = show;
    this.updateCompareUi();
    this.updateDocUi();
    this.renderLegend();
    this.requestRender(true);
  }

  private compareNames(): { truth: string; reference: string } {
    return this.compare?.init.kind === 'prediction' ? { truth: 'Truth', reference: 'Prediction' } : { truth: 'Mask', reference: 'Pre-label' };
  }

  private updateCompareUi(): void {
    const c = this.compare;
    if (!c || !this.reference || !this.init) return;
    const names = this.compareNames();
    el('show-truth').textContent = names.truth;
    el('show-reference').textContent = names.reference;
    for (const [id, show] of [['show-truth', 'truth'], ['show-reference', 'reference'], ['show-diff', 'diff']] as const) {
      el(id).toggleAttribute('secondary', c.show !== show);
      el(id).setAttribute('aria-checked', String(c.show === show));
    }
    // The same definitions (and colours) as the dataset-inspection comparison view.
    const { counts } = diffMap(this.target.mask, this.reference, this.init.ignoreIndex, c.classId >= 0 ? c.classId : undefined);
    const kinds = DIFF_KINDS.filter((k) => k.key !== 'wrong' || c.classId < 0);
    const union = counts.tp + counts.fp + counts.fn + counts.wrong;
    el('compare-legend').innerHTML =
      kinds.map((k) => `<li><span class="swatch" style="background:${k.color}"></span><span class="name">${k.name}</span><span class="share">${counts[k.key].toLocaleString('en')} px</span></li>`).join('') +
      `<li class="iou"><span></span><span class="name">IoU${c.classId >= 0 ? ` (${escapeHtml(this.className(c.classId))})` : ' (labelled pixels)'}</span><span class="share">${union > 0 ? ((counts.tp / union) * 100).toFixed(1) + '%' : '—'}</span></li>`;
    el('compare-hint').textContent = `${c.init.path} against the ${c.init.kind === 'prediction' ? 'ground truth' : 'mask'}. ${c.show === 'diff' ? 'Click a class to compare it alone.' : ''}`;
    el('compare-exit').hidden = !c.init.exitable;
    document.body.dataset.compareCounts = JSON.stringify(counts);
  }

  // --- saving ------------------------------------------------------------------------------------

  private encode(requestId: number, layers: Layer[]): void {
    try {
      const options = { classes: this.init!.classes, ignoreIndex: this.init!.ignoreIndex };
      const started = performance.now();
      const files = layers.map((layer) => ({ layer, png: encodeLayer(this.target, layer, options) }));
      document.body.dataset.encodeMs = String(Math.round(performance.now() - started));
      this.post({ type: 'encoded', requestId, files });
    } catch (e) {
      this.post({ type: 'encodeFailed', requestId, message: (e as Error).message });
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  private canEdit(): boolean {
    const why = this.compare ? 'Comparison is read-only: choose "Back to editing" to paint.' : this.blocked;
    if (why) toast(why, 5000);
    return !why;
  }

  private unblock(): void {
    this.blocked = undefined;
    hideBanner();
    delete document.body.dataset.problem;
    this.updateDocUi();
    this.updateLut();
  }

  private pixelIndex(p: Point): number {
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (x < 0 || y < 0 || x >= this.target.width || y >= this.target.height) return -1;
    return y * this.target.width + x;
  }

  private isClass(id: number): boolean {
    return !!this.init && (id === this.init.ignoreIndex || this.init.classes.some((c) => c.id === id));
  }

  private classOf(id: number): ClassDef | undefined {
    return this.init?.classes.find((c) => c.id === id);
  }

  private className(id: number): string {
    if (id === this.init?.ignoreIndex) return 'ignore';
    return this.classOf(id)?.name ?? `unknown id ${id}`;
  }

  private classColor(id: number): string {
    if (id === this.init?.ignoreIndex) return '#e0e0c0';
    return this.classOf(id)?.color ?? '#ff00ff';
  }
}

/** Keeps a drag's events coming when the pointer leaves the canvas; not every pointer can be captured (nested frames). */
function capture(canvas: HTMLCanvasElement, pointerId: number): void {
  try {
    canvas.setPointerCapture(pointerId);
  } catch {
    // the stroke still works while the pointer stays over the canvas
  }
}

function loadImage(uri: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    // CORS mode keeps the pixels readable (magic wand) and lets textures be made from them.
    img.crossOrigin = 'anonymous';
    img.onload = () => img.decode().then(() => resolve(img), () => resolve(img));
    img.onerror = () => reject(new Error('image failed to load'));
    img.src = uri;
  });
}

/** The brush slider is logarithmic: fine steps for small brushes, reach for large ones. */
function sliderToSize(v: number): number {
  return Math.max(1, Math.round(Math.exp((v / 100) * Math.log(500))));
}

function sizeToSlider(size: number): number {
  return Math.round((Math.log(size) / Math.log(500)) * 100);
}

/** A tile size limit for tests (?maxTile=N in the page URL), else the GPU's own. */
function tileLimit(): number | undefined {
  const v = Number((window as { segmentEditorMaxTile?: number }).segmentEditorMaxTile);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
