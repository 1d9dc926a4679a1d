/**
 * Feeds decoded images to a model in batches: each image becomes one window (resized to the
 * model's size) or many (overlapping tiles), windows of any images share batches, and an image
 * whose windows are all done is handed on (to be finished elsewhere) while the model runs the next batch.
 */
import { ort } from './ort';
import { ClassDef, thingClassIds } from '../../core/classes';
import { ModelManifest } from '../../core/modelManifest';
import { LoadedModel } from './model';
import { FinishJob, ScoresPart, tileOrigins } from './scores';
import { CancelledError } from '../jobContext';

/** RGB pixels as decoded for the model: at the model's size (resize mode) or the image's (tile mode). */
export interface DecodedImage {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** The image's own size, which the pre-label gets. */
  sourceWidth: number;
  sourceHeight: number;
}

interface ImageJob<T> {
  tag: T;
  job: FinishJob;
  remaining: number;
}

interface Window<T> {
  image: ImageJob<T>;
  decoded: DecodedImage;
  x: number;
  y: number;
}

export class BatchRunner<T> {
  private queue: Window<T>[] = [];
  private input?: Float32Array;
  private readonly manifest: ModelManifest;
  private readonly lut: Float32Array[];
  /**
   * The model's classes that split into objects: as the dataset's segment.json marks them ("thing"),
   * else as the manifest does (else every class but 0).
   */
  private readonly thingIds: number[];
  /** Seconds spent inside the model's run() (for benches and reports). */
  runSeconds = 0;

  /**
   * `onImage` receives each image's finishing job as soon as its windows are done;
   * `batch` is the number of windows per model call (a fixed batch dimension wins); `palette` and
   * `ignoreIndex` are the dataset's, for the PNG.
   */
  constructor(
    private readonly model: LoadedModel,
    private readonly batch: number,
    private readonly palette: ClassDef[],
    private readonly ignoreIndex: number,
    private readonly onImage: (tag: T, job: FinishJob) => void,
    private readonly signal?: AbortSignal,
  ) {
    this.manifest = model.manifest;
    if (model.fixedBatch) this.batch = model.fixedBatch;
    const { mean, std } = this.manifest.input;
    // Normalisation of an 8-bit value is a table lookup per channel.
    const marks = palette.some((c) => c.thing !== undefined) ? thingClassIds(palette) : thingClassIds(this.manifest.classes);
    this.thingIds = this.manifest.classes.map((c) => c.id).filter((id) => marks.has(id));
    this.lut = mean.map((m, c) => Float32Array.from({ length: 256 }, (_, v) => (v - m) / std[c]));
  }

  /** Queues an image's windows; runs the model on every full batch. */
  async add(tag: T, decoded: DecodedImage): Promise<void> {
    const m = this.manifest;
    const [th, tw] = m.input.size;
    const overlap = m.input.overlap ?? 0;
    const origins = m.input.mode === 'tile'
      ? tileOrigins(decoded.height, th, overlap).flatMap((y) => tileOrigins(decoded.width, tw, overlap).map((x) => ({ x, y })))
      : [{ x: 0, y: 0 }];
    const image: ImageJob<T> = {
      tag,
      remaining: origins.length,
      job: {
        width: decoded.sourceWidth,
        height: decoded.sourceHeight,
        mode: m.input.mode,
        kind: m.output.kind,
        layout: m.output.layout,
        channels: m.classes.length,
        overlap,
        parts: [],
        classIds: m.classes.map((c) => c.id),
        ignoreIndex: this.ignoreIndex,
        palette: this.palette,
        ...(m.embedding ? { embedding: { layout: m.embedding.layout, dims: m.embedding.dims, parts: [], bandwidth: m.embedding.bandwidth, thingIds: this.thingIds } } : {}),
      },
    };
    for (const { x, y } of origins) {
      this.queue.push({ image, decoded, x, y });
      if (this.queue.length >= this.batch) await this.runBatch();
    }
  }

  /** Runs what is queued. */
  async flush(): Promise<void> {
    while (this.queue.length > 0) await this.runBatch();
  }

  private async runBatch(): Promise<void> {
    if (this.signal?.aborted) throw new CancelledError();
    const windows = this.queue.splice(0, this.batch);
    const m = this.manifest;
    const [h, w] = m.input.size;
    const C = m.input.channels;
    const size = C * h * w;
    // A fixed batch dimension is filled up with zeros.
    const n = this.model.fixedBatch ?? windows.length;
    // One input buffer for the whole run (run() has copied it by the time it returns); tiles at the
    // image's edge and a fixed batch's padding need the zeros back.
    if (this.input?.length !== n * size) this.input = new Float32Array(n * size);
    else if (m.input.mode === 'tile' || windows.length < n) this.input.fill(0);
    const input = this.input;
    windows.forEach((win, i) => this.pack(input, i * size, win));
    const shape = m.input.layout === 'NCHW' ? [n, C, h, w] : [n, h, w, C];
    const started = performance.now();
    const outputs = await this.model.session.run({ [m.input.name]: new ort.Tensor('float32', input, shape) });
    this.runSeconds += (performance.now() - started) / 1000;
    const [oh, ow] = this.model.outputSize;
    // Copies of each window's slice, so that they can be transferred to a finishing thread on their own.
    const slices = (name: string) => {
      const out = outputs[name];
      const data = out.data as ScoresPart['data'];
      const per = data.length / out.dims[0];
      return windows.map((win, i) => ({ data: data.slice(i * per, (i + 1) * per), height: oh, width: ow, x: win.x, y: win.y }));
    };
    const scores = slices(m.output.name);
    const embeddings = m.embedding ? slices(m.embedding.name) : undefined;
    windows.forEach((win, i) => {
      const image = win.image;
      image.job.parts.push(scores[i]);
      if (embeddings) image.job.embedding!.parts.push(embeddings[i]);
      if (--image.remaining === 0) this.onImage(image.tag, image.job);
    });
  }

  /** Writes one window's normalised pixels at `offset` in the model's layout; outside the image is 0 (the mean). */
  private pack(dst: Float32Array, offset: number, { decoded, x, y }: Window<T>): void {
    const m = this.manifest;
    const [h, w] = m.input.size;
    const { rgb, width: W, height: H } = decoded;
    const nchw = m.input.layout === 'NCHW';
    const rows = Math.min(h, H - y);
    const cols = Math.min(w, W - x);
    if (m.input.channels === 3) {
      const [l0, l1, l2] = this.lut;
      for (let ty = 0; ty < rows; ty++) {
        let s = ((y + ty) * W + x) * 3;
        if (nchw) {
          const o = offset + ty * w;
          for (let tx = 0; tx < cols; tx++, s += 3) {
            dst[o + tx] = l0[rgb[s]];
            dst[o + h * w + tx] = l1[rgb[s + 1]];
            dst[o + 2 * h * w + tx] = l2[rgb[s + 2]];
          }
        } else {
          let o = offset + ty * w * 3;
          for (let tx = 0; tx < cols; tx++, s += 3, o += 3) {
            dst[o] = l0[rgb[s]];
            dst[o + 1] = l1[rgb[s + 1]];
            dst[o + 2] = l2[rgb[s + 2]];
          }
        }
      }
    } else {
      const [mean] = m.input.mean;
      const [std] = m.input.std;
      for (let ty = 0; ty < rows; ty++) {
        let s = ((y + ty) * W + x) * 3;
        const o = offset + ty * w; // one channel: NCHW and NHWC are the same layout
        for (let tx = 0; tx < cols; tx++, s += 3) dst[o + tx] = ((rgb[s] + rgb[s + 1] + rgb[s + 2]) / 3 - mean) / std;
      }
    }
  }
}
