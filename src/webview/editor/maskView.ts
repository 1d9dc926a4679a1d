/**
 * Draws the image fitted to the stage with the overlay on top. Upscaled pixels stay crisp
 * (nearest neighbour) so a labeller sees exactly which pixels belong to a class.
 */
export class MaskView {
  private image: CanvasImageSource | undefined;
  private imageSize = { width: 0, height: 0 };
  private overlay: HTMLCanvasElement | undefined;
  private opacity = 0.5;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly stage: HTMLElement) {
    new ResizeObserver(() => this.draw()).observe(stage);
  }

  show(image: HTMLImageElement, overlay?: ImageData): void {
    this.image = image;
    this.imageSize = { width: image.naturalWidth, height: image.naturalHeight };
    this.overlay = undefined;
    if (overlay) {
      const layer = document.createElement('canvas');
      layer.width = overlay.width;
      layer.height = overlay.height;
      layer.getContext('2d')!.putImageData(overlay, 0, 0);
      this.overlay = layer;
    }
    this.draw();
  }

  setOpacity(opacity: number): void {
    this.opacity = Math.min(1, Math.max(0, opacity));
    this.draw();
  }

  draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(this.stage.clientWidth * dpr));
    const height = Math.max(1, Math.round(this.stage.clientHeight * dpr));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, width, height);
    if (!this.image || this.imageSize.width === 0) return;
    const scale = Math.min(width / this.imageSize.width, height / this.imageSize.height);
    const w = this.imageSize.width * scale;
    const h = this.imageSize.height * scale;
    const x = Math.round((width - w) / 2);
    const y = Math.round((height - h) / 2);
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.globalAlpha = 1;
    ctx.drawImage(this.image, x, y, w, h);
    if (this.overlay && this.opacity > 0) {
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = this.opacity;
      ctx.drawImage(this.overlay, x, y, w, h);
      ctx.globalAlpha = 1;
    }
  }
}
