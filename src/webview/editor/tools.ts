/**
 * The painting tools. Each gesture records one edit (EditRecorder) and ends in `commit`, which
 * hands its patches to the host as one undoable step. Shapes come from src/core/raster.ts and
 * src/core/floodFill.ts; what a tool writes (class, instance, protected classes) comes from the
 * host's PaintSpec.
 */
import { EditRecorder, EditTarget, PaintSpec, Rect, SpanPainter } from '../../core/maskPatch';
import { brushCentre, capsuleSpans, Point, polygonSpans, rectSpans, SpanSink } from '../../core/raster';
import { sameIdSpans, similarColorSpans } from '../../core/floodFill';
import { ToolId } from '../../core/protocol';
import { Viewport } from './viewport';

export interface ToolHost {
  readonly target: EditTarget;
  readonly view: Viewport;
  readonly tool: ToolId;
  readonly brushSize: number;
  readonly tolerance: number;
  /** What the tool writes; `erase` for the eraser. */
  paintSpec(erase: boolean): PaintSpec;
  /** The image's RGBA pixels (for the magic wand), read on first use. */
  imagePixels(): Promise<Uint8ClampedArray>;
  /** Pixels in `rect` changed: upload and redraw them. */
  changed(rect: Rect): void;
  /** Ends a gesture: its patches become one undoable edit. */
  commit(label: string, recorder: EditRecorder): void;
  /** Draws a shape preview (screen coordinates), or clears it. */
  preview(shape: { points: Point[]; closed: boolean } | undefined): void;
}

const LABELS: Record<ToolId, string> = {
  brush: 'Brush',
  eraser: 'Eraser',
  fill: 'Fill',
  wand: 'Magic wand',
  polygon: 'Polygon',
  lasso: 'Lasso',
  rectangle: 'Rectangle',
};

/** Screen distance (CSS px) within which a click on the first vertex closes a polygon. */
const CLOSE_DISTANCE = 8;

export class ToolController {
  private stroke?: { recorder: EditRecorder; painter: SpanPainter; last: Point; tool: ToolId };
  private shape?: { tool: ToolId; points: Point[] };
  private busy = false;

  constructor(private readonly host: ToolHost) {}

  /** True while a gesture is under way (a stroke, a lasso, an open polygon). */
  get active(): boolean {
    return !!this.stroke || !!this.shape;
  }

  down(p: Point): void {
    const { host } = this;
    const tool = host.tool;
    if (this.busy) return;
    switch (tool) {
      case 'brush':
      case 'eraser': {
        const recorder = new EditRecorder(host.target);
        const painter = new SpanPainter(host.target, recorder, host.paintSpec(tool === 'eraser'));
        const c = brushCentre(p, host.brushSize);
        this.stroke = { recorder, painter, last: c, tool };
        capsuleSpans(c, c, host.brushSize / 2, host.target.width, host.target.height, painter.span);
        this.flush();
        break;
      }
      case 'fill':
        this.once('fill', (emit) => sameIdSpans(host.target.mask, host.target.width, host.target.height, p.x, p.y, emit));
        break;
      case 'wand':
        this.busy = true;
        void host.imagePixels().then((rgba) => {
          this.busy = false;
          this.once('wand', (emit) => similarColorSpans(rgba, host.target.width, host.target.height, p.x, p.y, host.tolerance, emit));
        }, () => (this.busy = false));
        break;
      case 'polygon':
        if (!this.shape) this.shape = { tool, points: [p] };
        else if (this.nearFirstVertex(p)) return this.closeShape();
        else this.shape.points.push(p);
        this.showShape(p);
        break;
      case 'lasso':
      case 'rectangle':
        this.shape = { tool, points: [p] };
        this.showShape(p);
        break;
    }
  }

  /** Pointer positions since the last event (coalesced events included), in image coordinates. */
  move(points: Point[], buttons: number): void {
    const { host } = this;
    const last = points[points.length - 1];
    if (this.stroke) {
      const { painter } = this.stroke;
      for (const p of points) {
        const c = brushCentre(p, host.brushSize);
        if (c.x === this.stroke.last.x && c.y === this.stroke.last.y) continue;
        capsuleSpans(this.stroke.last, c, host.brushSize / 2, host.target.width, host.target.height, painter.span);
        this.stroke.last = c;
      }
      this.flush();
    } else if (this.shape?.tool === 'lasso' && buttons & 1) {
      for (const p of points) {
        const q = this.shape.points[this.shape.points.length - 1];
        // Keep points a screen pixel apart: enough for the shape, few enough to fill fast.
        if (Math.hypot(p.x - q.x, p.y - q.y) * host.view.scale >= 1) this.shape.points.push(p);
      }
      this.showShape(last);
    } else if (this.shape) {
      this.showShape(last);
    }
  }

  up(p: Point): void {
    if (this.stroke) {
      const { recorder, tool } = this.stroke;
      this.stroke = undefined;
      this.host.commit(LABELS[tool], recorder);
    } else if (this.shape?.tool === 'lasso') {
      this.closeShape();
    } else if (this.shape?.tool === 'rectangle') {
      this.shape.points[1] = p;
      this.closeShape();
    }
  }

  /** Double-click closes a polygon. */
  doubleClick(): void {
    if (this.shape?.tool === 'polygon') {
      // The double-click's two clicks added the same point twice.
      const pts = this.shape.points;
      while (pts.length > 1 && samePoint(pts[pts.length - 1], pts[pts.length - 2])) pts.pop();
      this.closeShape();
    }
  }

  /** Enter closes a polygon, Backspace removes its last vertex, Escape cancels any gesture. */
  key(key: string): boolean {
    if (key === 'Escape' && this.active) {
      this.cancel();
      return true;
    }
    if (this.shape?.tool !== 'polygon') return false;
    if (key === 'Enter') this.closeShape();
    else if (key === 'Backspace') {
      this.shape.points.pop();
      if (this.shape.points.length === 0) this.cancel();
      else this.showShape(undefined);
    } else return false;
    return true;
  }

  /** Ends the gesture for a change of tool: a stroke is kept (one edit), an unfinished shape dropped. */
  finish(): void {
    if (this.stroke) {
      const { recorder, tool } = this.stroke;
      this.stroke = undefined;
      this.host.commit(LABELS[tool], recorder);
    }
    this.cancel();
  }

  cancel(): void {
    if (this.stroke) {
      const dirty = this.stroke.recorder.cancel();
      this.stroke = undefined;
      if (dirty) this.host.changed(dirty);
    }
    this.shape = undefined;
    this.host.preview(undefined);
  }

  /** Redraws the shape preview after the view moved. */
  refreshPreview(): void {
    if (this.shape) this.showShape(undefined);
  }

  private cursor?: Point;

  private showShape(cursor: Point | undefined): void {
    if (cursor) this.cursor = cursor;
    const s = this.shape;
    if (!s) return;
    let points = s.points;
    if (s.tool === 'rectangle' && this.cursor) {
      const [a, b] = [s.points[0], this.cursor];
      points = [a, { x: b.x, y: a.y }, b, { x: a.x, y: b.y }];
    } else if (s.tool === 'polygon' && this.cursor) points = [...points, this.cursor];
    this.host.preview({ points: points.map((p) => this.host.view.toScreen(p)), closed: s.tool !== 'polygon' });
  }

  private nearFirstVertex(p: Point): boolean {
    const first = this.shape!.points[0];
    return this.shape!.points.length >= 3 && Math.hypot(p.x - first.x, p.y - first.y) * this.host.view.scale <= CLOSE_DISTANCE;
  }

  private closeShape(): void {
    const s = this.shape;
    this.shape = undefined;
    this.host.preview(undefined);
    if (!s) return;
    const { width, height } = this.host.target;
    if (s.tool === 'rectangle') {
      const [a, b] = s.points;
      this.once('rectangle', (emit) => rectSpans(a, b ?? a, width, height, emit));
    } else if (s.points.length >= 3) {
      this.once(s.tool, (emit) => polygonSpans(s.points, width, height, emit));
    }
  }

  /** A one-shot edit: fill, wand, polygon, lasso, rectangle. */
  private once(tool: ToolId, shape: (emit: SpanSink) => void): void {
    const recorder = new EditRecorder(this.host.target);
    const painter = new SpanPainter(this.host.target, recorder, this.host.paintSpec(false));
    shape(painter.span);
    const dirty = painter.takeDirty();
    if (dirty) this.host.changed(dirty);
    this.host.commit(LABELS[tool], recorder);
  }

  private flush(): void {
    const dirty = this.stroke?.painter.takeDirty();
    if (dirty) this.host.changed(dirty);
  }
}

function samePoint(a: Point, b: Point): boolean {
  return Math.abs(a.x - b.x) < 1e-9 && Math.abs(a.y - b.y) < 1e-9;
}
