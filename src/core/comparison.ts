/**
 * Prediction against truth, per pixel: true positive, false positive, false negative, or a wrong
 * class (a false positive for the predicted class and a false negative for the true one). For one
 * class, the same against "that class or not". Drawn through the overlay colour lookup.
 */
import { ClassDef } from './classes';
import { overlayLut } from './overlayColors';

export const DIFF_KINDS = [
  { value: 1, key: 'tp', name: 'True positive', color: '#2ca02c' },
  { value: 2, key: 'fp', name: 'False positive', color: '#d62728' },
  { value: 3, key: 'fn', name: 'False negative', color: '#1f77b4' },
  { value: 4, key: 'wrong', name: 'Wrong class', color: '#ff7f0e' },
] as const;
/** Value of ignore pixels in a diff map (truth says "not labelled": not compared). */
export const DIFF_IGNORE = 5;

export type DiffCounts = Record<(typeof DIFF_KINDS)[number]['key'], number> & { ignore: number };

/**
 * The diff map of two class-id maps: 0 where both say background (or, for one class, neither says
 * it), else one of DIFF_KINDS' values, DIFF_IGNORE where the truth is the ignore index.
 */
export function diffMap(truth: Uint8Array, prediction: Uint8Array, ignoreIndex: number, onlyClass?: number): { map: Uint8Array; counts: DiffCounts } {
  if (truth.length !== prediction.length) throw new Error(`truth has ${truth.length} pixels but the prediction has ${prediction.length}`);
  const map = new Uint8Array(truth.length);
  const n = [0, 0, 0, 0, 0, 0];
  for (let k = 0; k < truth.length; k++) {
    const t = truth[k];
    const p = prediction[k];
    let v: number;
    if (t === ignoreIndex) v = DIFF_IGNORE;
    else if (onlyClass === undefined) v = t === p ? (t === 0 ? 0 : 1) : t === 0 ? 2 : p === 0 ? 3 : 4;
    else v = t === onlyClass ? (p === onlyClass ? 1 : 3) : p === onlyClass ? 2 : 0;
    map[k] = v;
    n[v]++;
  }
  return { map, counts: { tp: n[1], fp: n[2], fn: n[3], wrong: n[4], ignore: n[5] } };
}

/** Overlay colours of a diff map (background transparent, ignore faint), for paintOverlay. */
export function diffLut(): Uint32Array {
  const kinds: ClassDef[] = DIFF_KINDS.map((k) => ({ id: k.value, name: k.name, color: k.color }));
  return overlayLut(kinds, DIFF_IGNORE);
}
