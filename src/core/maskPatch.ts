/**
 * Edits as rectangles of pixels: every stroke or fill becomes a few small rectangles holding the
 * pixels before and after it, deflated. They are what travels between the editor webview and the
 * extension host, what undo and redo replay, and what a hot-exit backup stores: never whole masks.
 */
import { deflateSync, inflateSync } from 'fflate';

/** The class mask (8-bit ids) or the instance map (16-bit ids). */
export type Layer = 'mask' | 'instances';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The pixels one rectangle of one layer gets: deflated, row-major; instances as little-endian uint16. */
export interface PatchWrite extends Rect {
  layer: Layer;
  pixels: Uint8Array;
}

/** One rectangle of an edit: its pixels before and after (each deflated as in PatchWrite). */
export interface Patch extends Rect {
  layer: Layer;
  before: Uint8Array;
  after: Uint8Array;
}

/** The pixels an editor holds: a class mask and, once instance mode is used, an instance map. */
export interface EditTarget {
  width: number;
  height: number;
  mask: Uint8Array;
  instances?: Uint16Array;
}

export type LayerPixels = Uint8Array | Uint16Array;

/** Recording granularity: an edit is stored as the changed part of each 64x64 tile it touched. */
export const PATCH_TILE = 64;

export function layerOf(target: EditTarget, layer: Layer): LayerPixels {
  if (layer === 'mask') return target.mask;
  if (!target.instances) target.instances = new Uint16Array(target.width * target.height);
  return target.instances;
}

export function readRect(data: LayerPixels, width: number, r: Rect): LayerPixels {
  const out = data instanceof Uint16Array ? new Uint16Array(r.w * r.h) : new Uint8Array(r.w * r.h);
  for (let j = 0; j < r.h; j++) {
    const start = (r.y + j) * width + r.x;
    out.set(data.subarray(start, start + r.w), j * r.w);
  }
  return out;
}

export function writeRect(data: LayerPixels, width: number, r: Rect, pixels: LayerPixels): void {
  for (let j = 0; j < r.h; j++) data.set(pixels.subarray(j * r.w, (j + 1) * r.w), (r.y + j) * width + r.x);
}

/** Deflates a rectangle's pixels (masks compress a hundredfold: runs of one id). */
export function packPixels(pixels: LayerPixels): Uint8Array {
  const bytes = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return deflateSync(bytes, { level: 1 });
}

export function unpackPixels(packed: Uint8Array, layer: Layer, count: number): LayerPixels {
  const bytes = inflateSync(packed);
  const expected = layer === 'mask' ? count : count * 2;
  if (bytes.length !== expected) throw new Error(`a ${layer} patch holds ${bytes.length} bytes, expected ${expected}`);
  if (layer === 'mask') return bytes;
  // Uint16Array needs an even byte offset: copy when the inflated view is not aligned.
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, count);
}

/** Writes patch pixels into the target; `onWrite` hears each rectangle (to refresh textures). */
export function applyWrites(target: EditTarget, writes: readonly PatchWrite[], onWrite?: (w: PatchWrite) => void): void {
  for (const w of writes) {
    if (w.x < 0 || w.y < 0 || w.w < 1 || w.h < 1 || w.x + w.w > target.width || w.y + w.h > target.height) {
      throw new Error(`patch ${w.w}x${w.h} at (${w.x}, ${w.y}) lies outside the ${target.width}x${target.height} mask`);
    }
    writeRect(layerOf(target, w.layer), target.width, w, unpackPixels(w.pixels, w.layer, w.w * w.h));
    onWrite?.(w);
  }
}

/** What undoing an edit writes: the before pixels, last rectangle first. */
export function undoWrites(patches: readonly Patch[]): PatchWrite[] {
  return patches.map(({ before, after: _after, ...r }) => ({ ...r, pixels: before })).reverse();
}

/** What redoing an edit writes: the after pixels, in order. */
export function redoWrites(patches: readonly Patch[]): PatchWrite[] {
  return patches.map(({ after, before: _before, ...r }) => ({ ...r, pixels: after }));
}

export function unionRect(a: Rect | undefined, b: Rect): Rect {
  if (!a) return { ...b };
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

/**
 * Copy-on-write recording of one edit: before a tool writes pixels it calls `touch`, which saves
 * the tiles it is about to change the first time they are touched. `finish` turns the touched
 * tiles into patches cropped to the pixels that really changed.
 */
export class EditRecorder {
  private readonly saved = new Map<string, { layer: Layer; rect: Rect; before: LayerPixels }>();
  private readonly tilesX: number;

  constructor(private readonly target: EditTarget) {
    this.tilesX = Math.ceil(target.width / PATCH_TILE);
  }

  get touched(): boolean {
    return this.saved.size > 0;
  }

  /** Declares that pixels [x0, x1) x [y0, y1) of `layer` may change. */
  touch(layer: Layer, x0: number, y0: number, x1: number, y1: number): void {
    const { width, height } = this.target;
    const tx0 = Math.max(0, Math.floor(x0 / PATCH_TILE));
    const tx1 = Math.min(this.tilesX - 1, Math.floor((x1 - 1) / PATCH_TILE));
    const ty0 = Math.max(0, Math.floor(y0 / PATCH_TILE));
    const ty1 = Math.min(Math.ceil(height / PATCH_TILE) - 1, Math.floor((y1 - 1) / PATCH_TILE));
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const key = `${layer}:${ty * this.tilesX + tx}`;
        if (this.saved.has(key)) continue;
        const x = tx * PATCH_TILE;
        const y = ty * PATCH_TILE;
        const rect = { x, y, w: Math.min(PATCH_TILE, width - x), h: Math.min(PATCH_TILE, height - y) };
        this.saved.set(key, { layer, rect, before: readRect(layerOf(this.target, layer), width, rect) });
      }
    }
  }

  /** The edit's patches: one per touched tile that changed, cropped to its changed pixels. */
  finish(): Patch[] {
    const patches: Patch[] = [];
    for (const { layer, rect, before } of this.saved.values()) {
      const after = readRect(layerOf(this.target, layer), this.target.width, rect);
      let x0 = rect.w, y0 = rect.h, x1 = -1, y1 = -1;
      for (let j = 0; j < rect.h; j++) {
        for (let i = 0; i < rect.w; i++) {
          if (before[j * rect.w + i] === after[j * rect.w + i]) continue;
          if (i < x0) x0 = i;
          if (i > x1) x1 = i;
          if (j < y0) y0 = j;
          y1 = j;
        }
      }
      if (x1 < 0) continue;
      const crop = { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
      patches.push({
        layer,
        x: rect.x + x0, y: rect.y + y0, w: crop.w, h: crop.h,
        before: packPixels(readRect(before, rect.w, crop)),
        after: packPixels(readRect(after, rect.w, crop)),
      });
    }
    this.saved.clear();
    return patches;
  }

  /** Puts the touched tiles back as they were (a cancelled stroke) and returns their union. */
  cancel(): Rect | undefined {
    let dirty: Rect | undefined;
    for (const { layer, rect, before } of this.saved.values()) {
      writeRect(layerOf(this.target, layer), this.target.width, rect, before);
      dirty = unionRect(dirty, rect);
    }
    this.saved.clear();
    return dirty;
  }
}

/** How a tool's pixels are written: the value, the instance id in instance mode, and protection. */
export interface PaintSpec {
  /** Class id written to the mask. */
  value: number;
  /** Instance id written alongside (instance mode), or undefined to leave instances alone. */
  instance?: number;
  /** protect[id] = 1: pixels holding class `id` are left as they are. */
  protect?: Uint8Array;
}

/**
 * Writes horizontal spans (what every rasteriser emits) into the target through a recorder,
 * honouring protected classes, and tracks the dirty rectangle for the renderer.
 */
export class SpanPainter {
  dirty: Rect | undefined;

  constructor(
    private readonly target: EditTarget,
    private readonly recorder: EditRecorder,
    private readonly spec: PaintSpec,
  ) {}

  /** Pixels [x0, x1) of row y; clipped to the image. */
  readonly span = (y: number, x0: number, x1: number): void => {
    const { width, height, mask } = this.target;
    if (y < 0 || y >= height) return;
    if (x0 < 0) x0 = 0;
    if (x1 > width) x1 = width;
    if (x1 <= x0) return;
    const { value, instance, protect } = this.spec;
    this.recorder.touch('mask', x0, y, x1, y + 1);
    const row = y * width;
    if (instance === undefined) {
      if (protect) for (let i = row + x0; i < row + x1; i++) { if (!protect[mask[i]]) mask[i] = value; }
      else mask.fill(value, row + x0, row + x1);
    } else {
      this.recorder.touch('instances', x0, y, x1, y + 1);
      const inst = layerOf(this.target, 'instances') as Uint16Array;
      for (let i = row + x0; i < row + x1; i++) {
        if (protect && protect[mask[i]]) continue;
        mask[i] = value;
        inst[i] = instance;
      }
    }
    this.dirty = unionRect(this.dirty, { x: x0, y, w: x1 - x0, h: 1 });
  };

  /** The dirty rectangle since the last call, for the renderer. */
  takeDirty(): Rect | undefined {
    const d = this.dirty;
    this.dirty = undefined;
    return d;
  }
}
