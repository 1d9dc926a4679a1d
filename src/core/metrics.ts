/**
 * Segmentation metrics as the FCN paper defines them and the classic frameworks compute them:
 * a confusion matrix n[i][j] (truth i, predicted j) over pixels whose truth is not the ignore index;
 * t_i = sum_j n_ij. Pixel accuracy = sum n_ii / sum t_i; mean accuracy = mean_i n_ii / t_i;
 * IoU_i = n_ii / (t_i + sum_j n_ji - n_ii); means are over classes present in truth or prediction
 * (mean accuracy over classes present in truth, where it is defined).
 */
import { ClassDef } from './classes';

export interface ClassMetrics {
  id: number;
  name: string;
  /** null where the class is in neither truth nor prediction. */
  iou: number | null;
  /** null where the class is absent from truth. */
  accuracy: number | null;
  truePixels: number;
  predictedPixels: number;
}

export interface SegmentationMetrics {
  mIoU: number;
  pixelAccuracy: number;
  meanPixelAccuracy: number;
  perClass: ClassMetrics[];
  /** Pixels counted (truth not ignored). */
  pixels: number;
}

/**
 * Counts over class ids 0..size-1. A predicted value that is no class (for example the ignore
 * index in a prediction) counts against the truth class but in no prediction column.
 */
export class ConfusionMatrix {
  readonly size: number;
  /** Row-major size x size counts (Float64 so billions of pixels stay exact). */
  readonly counts: Float64Array;
  /** Pixels of each truth class predicted as something that is no class. */
  readonly unmatched: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.counts = new Float64Array(size * size);
    this.unmatched = new Float64Array(size);
  }

  static forClasses(classes: readonly ClassDef[]): ConfusionMatrix {
    return new ConfusionMatrix(Math.max(0, ...classes.map((c) => c.id)) + 1);
  }

  /** Adds one image; truth and prediction are class-id maps of the same length. */
  add(truth: ArrayLike<number>, prediction: ArrayLike<number>, ignoreIndex: number): void {
    if (truth.length !== prediction.length) {
      throw new Error(`truth has ${truth.length} pixels but prediction has ${prediction.length}`);
    }
    const n = this.size;
    const counts = this.counts;
    for (let k = 0; k < truth.length; k++) {
      const t = truth[k];
      if (t === ignoreIndex || t >= n) continue;
      const p = prediction[k];
      if (p < n) counts[t * n + p]++;
      else this.unmatched[t]++;
    }
  }

  merge(other: ConfusionMatrix): void {
    if (other.size !== this.size) throw new Error('confusion matrices of different sizes');
    for (let k = 0; k < this.counts.length; k++) this.counts[k] += other.counts[k];
    for (let k = 0; k < this.size; k++) this.unmatched[k] += other.unmatched[k];
  }

  get(truth: number, predicted: number): number {
    return this.counts[truth * this.size + predicted];
  }

  /** Metrics over `classes`; ids outside the matrix count as absent. */
  metrics(classes: readonly ClassDef[]): SegmentationMetrics {
    const n = this.size;
    let correct = 0;
    let total = 0;
    const perClass: ClassMetrics[] = [];
    for (const c of classes) {
      const i = c.id;
      let t = 0;
      let p = 0;
      let tp = 0;
      if (i < n) {
        for (let j = 0; j < n; j++) {
          t += this.counts[i * n + j];
          p += this.counts[j * n + i];
        }
        t += this.unmatched[i];
        tp = this.counts[i * n + i];
      }
      correct += tp;
      total += t;
      const union = t + p - tp;
      perClass.push({
        id: c.id,
        name: c.name,
        iou: union > 0 ? tp / union : null,
        accuracy: t > 0 ? tp / t : null,
        truePixels: t,
        predictedPixels: p,
      });
    }
    return {
      mIoU: mean(perClass.map((c) => c.iou)),
      pixelAccuracy: total > 0 ? correct / total : 0,
      meanPixelAccuracy: mean(perClass.map((c) => c.accuracy)),
      perClass,
      pixels: total,
    };
  }
}

function mean(values: (number | null)[]): number {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : 0;
}
