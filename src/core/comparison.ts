/**
 * Comparing a prediction with the ground truth pixel by pixel, as the editor's comparison mode
 * colours it: true positives, false positives, false negatives, and (over all classes) pixels
 * given the wrong class. Ignore pixels in the truth are not compared. The editor's shader mirrors
 * `comparePixel`; this module gives the counts shown beside it.
 */

export const Outcome = {
  None: 0,
  TruePositive: 1,
  FalsePositive: 2,
  FalseNegative: 3,
  /** Labelled in both, with different classes: a false negative of one class and a false positive of another. */
  WrongClass: 4,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface CompareOptions {
  background: number;
  ignoreIndex: number;
  /** Compare one class only (binary); undefined compares every class. */
  classId?: number;
}

export function comparePixel(truth: number, prediction: number, o: CompareOptions): Outcome {
  if (truth === o.ignoreIndex) return Outcome.None;
  if (o.classId !== undefined) {
    const t = truth === o.classId;
    const p = prediction === o.classId;
    return t && p ? Outcome.TruePositive : t ? Outcome.FalseNegative : p ? Outcome.FalsePositive : Outcome.None;
  }
  const t = truth !== o.background;
  const p = prediction !== o.background && prediction !== o.ignoreIndex;
  if (t && p) return truth === prediction ? Outcome.TruePositive : Outcome.WrongClass;
  return t ? Outcome.FalseNegative : p ? Outcome.FalsePositive : Outcome.None;
}

export interface CompareCounts {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
  wrongClass: number;
}

export function compareCounts(truth: Uint8Array, prediction: Uint8Array, o: CompareOptions): CompareCounts {
  if (truth.length !== prediction.length) throw new Error(`cannot compare ${truth.length} pixels with ${prediction.length}`);
  const n = new Float64Array(5);
  // Outcomes depend only on the pair of ids: one table lookup per pixel.
  const table = new Uint8Array(65536);
  for (let t = 0; t < 256; t++) for (let p = 0; p < 256; p++) table[(t << 8) | p] = comparePixel(t, p, o);
  for (let i = 0; i < truth.length; i++) n[table[(truth[i] << 8) | prediction[i]]]++;
  return { truePositive: n[1], falsePositive: n[2], falseNegative: n[3], wrongClass: n[4] };
}
