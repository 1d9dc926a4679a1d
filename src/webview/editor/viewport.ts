/**
 * Where the image sits on screen: zoom to a point (wheel, pinch, keys), pan, fit and 1:1. The
 * transform is what the renderer draws with and what tools use to map the pointer to pixels.
 */
import { Point } from '../../core/raster';
import { ViewTransform } from './renderer';

const MIN_SCALE = 1 / 64;
const MAX_SCALE = 64;
/** Room left around a fitted image, in CSS pixels. */
const FIT_MARGIN = 12;

export class Viewport implements ViewTransform {
  scale = 1;
  x = 0;
  y = 0;
  /** Stage size in CSS pixels. */
  width = 1;
  height = 1;
  imageWidth = 1;
  imageHeight = 1;
  /** True until the user zooms or pans: a resized stage fits the image again. */
  fitted = true;

  constructor(private readonly onChange: () => void) {}

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    if (this.fitted) this.fit();
    else this.onChange();
  }

  setImage(width: number, height: number): void {
    this.imageWidth = width;
    this.imageHeight = height;
    this.fit();
  }

  fit(): void {
    this.scale = clamp(Math.min((this.width - 2 * FIT_MARGIN) / this.imageWidth, (this.height - 2 * FIT_MARGIN) / this.imageHeight), MIN_SCALE, MAX_SCALE);
    this.centre();
    this.fitted = true;
    this.onChange();
  }

  /** One image pixel per CSS pixel, keeping the point at the centre of the view where it is. */
  actualSize(): void {
    this.zoomAt(1 / this.scale, this.width / 2, this.height / 2);
  }

  /** Multiplies the zoom by `factor`, keeping the image point under screen point (sx, sy) in place. */
  zoomAt(factor: number, sx: number, sy: number): void {
    const scale = clamp(this.scale * factor, MIN_SCALE, MAX_SCALE);
    const ix = (sx - this.x) / this.scale;
    const iy = (sy - this.y) / this.scale;
    this.scale = scale;
    this.x = sx - ix * scale;
    this.y = sy - iy * scale;
    this.fitted = false;
    this.onChange();
  }

  panBy(dx: number, dy: number): void {
    this.x += dx;
    this.y += dy;
    this.fitted = false;
    this.onChange();
  }

  toImage(sx: number, sy: number): Point {
    return { x: (sx - this.x) / this.scale, y: (sy - this.y) / this.scale };
  }

  toScreen(p: Point): Point {
    return { x: p.x * this.scale + this.x, y: p.y * this.scale + this.y };
  }

  get transform(): ViewTransform {
    return { scale: this.scale, x: this.x, y: this.y };
  }

  private centre(): void {
    // Whole CSS pixels, so image pixel edges land on screen pixel edges at integer zooms.
    this.x = Math.round((this.width - this.imageWidth * this.scale) / 2);
    this.y = Math.round((this.height - this.imageHeight * this.scale) / 2);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
