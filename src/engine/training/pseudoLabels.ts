/**
 * Which of the teacher's predictions on unlabelled pixels become pseudo-labels.
 *
 * A single confidence threshold (FixMatch's 0.95) keeps almost only the majority class in
 * segmentation: a rare, thin class (a spirochaete among background) rarely reaches it, so the
 * student learns "background" around every object and the rare class fades. Each class therefore
 * gets its own threshold: the lower of the ceiling and the mean confidence of the pixels the teacher
 * assigns to that class in this batch (class-wise self-adaptive thresholds, as in FreeMatch, from
 * the batch alone so that a resumed run stays exact). A class the teacher is sure of keeps the
 * ceiling; a class it is still learning keeps its more confident half, roughly.
 *
 * The pseudo-label loss also ramps up over the first part of a run, while the teacher is poor.
 */
import { IGNORE } from './augment';

export interface PseudoLabelOptions {
  classes: number;
  /** Highest threshold (FixMatch's 0.95). */
  ceiling: number;
}

/** Per class: the lower of the ceiling and the mean confidence of the pixels predicted as that class (outside pixels left out). */
export function classThresholds(confidence: ArrayLike<number>, label: ArrayLike<number>, outside: ArrayLike<number>, o: PseudoLabelOptions): number[] {
  const sum = new Float64Array(o.classes);
  const count = new Float64Array(o.classes);
  for (let p = 0; p < confidence.length; p++) {
    if (outside[p]) continue;
    sum[label[p]] += confidence[p];
    count[label[p]]++;
  }
  return Array.from(sum, (s, k) => (count[k] ? Math.min(o.ceiling, s / count[k]) : o.ceiling));
}

/** Pseudo-labels (IGNORE where not kept) and how many pixels were kept. */
export function keepConfident(confidence: ArrayLike<number>, label: ArrayLike<number>, outside: ArrayLike<number>, o: PseudoLabelOptions): { labels: Int32Array; kept: number; thresholds: number[] } {
  const thresholds = classThresholds(confidence, label, outside, o);
  const labels = new Int32Array(confidence.length);
  let kept = 0;
  for (let p = 0; p < labels.length; p++) {
    const keep = !outside[p] && confidence[p] >= thresholds[label[p]];
    labels[p] = keep ? label[p] : IGNORE;
    if (keep) kept++;
  }
  return { labels, kept, thresholds };
}

/** A sigmoid-shaped ramp from 0 to 1 over the first `over` of a run (Laine & Aila), for the pseudo-label loss's weight. */
export function rampUp(progress: number, over: number): number {
  const t = Math.min(1, Math.max(0, progress / over));
  return Math.exp(-5 * (1 - t) ** 2);
}
