/**
 * Instance quality as the panoptic-segmentation paper defines it (Kirillov et al. 2019): a predicted and
 * a true segment of the same class match when their IoU exceeds 0.5 (which makes matches unique);
 * PQ = sum of matched IoUs / (TP + FP/2 + FN/2) = SQ x RQ. Predicted segments lying mostly (> 50 %) on
 * pixels whose truth is the ignore index are neither matches nor false positives. AP at IoU 0.5 ranks
 * predictions by score (COCO's 101-point interpolated precision); predictions of equal score are one
 * threshold, so maps without scores give an AP that does not depend on the order of their instances.
 */

/** Overlap keys pack truth id x 2^32 + predicted id: exact below 2^53 (truth ids < 2^21, predicted ids < 2^32). */
const PRED_SPAN = 2 ** 32;

export interface InstanceInput {
  /** Instance id per pixel, 0 = none. */
  truthInstances: ArrayLike<number>;
  /** Class id per pixel of the truth; gives each true segment its class (majority vote). */
  truthClasses: ArrayLike<number>;
  predInstances: ArrayLike<number>;
  predClasses: ArrayLike<number>;
  /** Confidence per predicted instance id (for AP); missing ids count as 1. */
  predScores?: ReadonlyMap<number, number>;
}

export interface ClassInstanceQuality {
  id: number;
  tp: number;
  fp: number;
  fn: number;
  /** Sum of the IoUs of matched pairs. */
  iouSum: number;
  pq: number | null;
  sq: number | null;
  rq: number | null;
  ap50: number | null;
}

interface Segment {
  area: number;
  classVotes: Map<number, number>;
  cls: number;
  ignoredArea: number;
}

/** Accumulates matches over images; `result()` gives per-class and mean figures. */
export class InstanceQuality {
  private readonly perClass = new Map<number, { tp: number; fp: number; fn: number; iouSum: number; scored: [number, boolean][]; truths: number }>();

  constructor(thingClasses: readonly number[], private readonly ignoreIndex: number) {
    for (const c of thingClasses) this.perClass.set(c, { tp: 0, fp: 0, fn: 0, iouSum: 0, scored: [], truths: 0 });
  }

  add(input: InstanceInput): void {
    const { truthInstances: ti, truthClasses: tc, predInstances: pi, predClasses: pc } = input;
    const n = ti.length;
    if (tc.length !== n || pi.length !== n || pc.length !== n) throw new Error('instance and class maps differ in size');
    const truths = new Map<number, Segment>();
    const preds = new Map<number, Segment>();
    const overlap = new Map<number, number>(); // key truthId * PRED_SPAN + predId
    const segment = (map: Map<number, Segment>, id: number) => {
      let s = map.get(id);
      if (!s) map.set(id, (s = { area: 0, classVotes: new Map(), cls: -1, ignoredArea: 0 }));
      return s;
    };
    for (let k = 0; k < n; k++) {
      const t = ti[k];
      const p = pi[k];
      if (t !== 0) {
        const s = segment(truths, t);
        s.area++;
        s.classVotes.set(tc[k], (s.classVotes.get(tc[k]) ?? 0) + 1);
      }
      if (p !== 0) {
        const s = segment(preds, p);
        s.area++;
        s.classVotes.set(pc[k], (s.classVotes.get(pc[k]) ?? 0) + 1);
        if (tc[k] === this.ignoreIndex) s.ignoredArea++;
        if (t !== 0) overlap.set(t * PRED_SPAN + p, (overlap.get(t * PRED_SPAN + p) ?? 0) + 1);
      }
    }
    for (const s of [...truths.values(), ...preds.values()]) s.cls = majority(s.classVotes);

    const matchedTruth = new Set<number>();
    const matchedPred = new Map<number, number>(); // pred id -> IoU
    for (const [key, inter] of overlap) {
      const t = Math.floor(key / PRED_SPAN);
      const p = key % PRED_SPAN;
      const ts = truths.get(t)!;
      const ps = preds.get(p)!;
      if (ts.cls !== ps.cls || !this.perClass.has(ts.cls)) continue;
      const iou = inter / (ts.area + ps.area - inter);
      if (iou > 0.5) {
        matchedTruth.add(t);
        matchedPred.set(p, iou);
      }
    }
    for (const [t, s] of truths) {
      const acc = this.perClass.get(s.cls);
      if (!acc) continue;
      acc.truths++;
      if (!matchedTruth.has(t)) acc.fn++;
    }
    for (const [p, s] of preds) {
      const acc = this.perClass.get(s.cls);
      if (!acc) continue;
      const iou = matchedPred.get(p);
      const score = input.predScores?.get(p) ?? 1;
      if (iou !== undefined) {
        acc.tp++;
        acc.iouSum += iou;
        acc.scored.push([score, true]);
      } else if (s.ignoredArea / s.area <= 0.5) {
        acc.fp++;
        acc.scored.push([score, false]);
      }
    }
  }

  result(): { perClass: ClassInstanceQuality[]; pq: number; sq: number; rq: number; ap50: number } {
    const perClass: ClassInstanceQuality[] = [];
    for (const [id, a] of this.perClass) {
      const denom = a.tp + a.fp / 2 + a.fn / 2;
      perClass.push({
        id, tp: a.tp, fp: a.fp, fn: a.fn, iouSum: a.iouSum,
        pq: denom > 0 ? a.iouSum / denom : null,
        sq: a.tp > 0 ? a.iouSum / a.tp : denom > 0 ? 0 : null,
        rq: denom > 0 ? a.tp / denom : null,
        ap50: a.truths > 0 ? averagePrecision(a.scored, a.truths) : null,
      });
    }
    const mean = (key: 'pq' | 'sq' | 'rq' | 'ap50') => {
      const v = perClass.map((c) => c[key]).filter((x): x is number => x !== null);
      return v.length ? v.reduce((s, x) => s + x, 0) / v.length : 0;
    };
    return { perClass, pq: mean('pq'), sq: mean('sq'), rq: mean('rq'), ap50: mean('ap50') };
  }
}

/**
 * COCO-style AP: precision made monotone, sampled at 101 recall points. A run of equal scores is one
 * threshold (as scikit-learn's average_precision_score has it): its predictions enter together.
 */
export function averagePrecision(scored: readonly [number, boolean][], truths: number): number {
  if (truths === 0) return 0;
  const sorted = [...scored].sort((a, b) => b[0] - a[0]);
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  sorted.forEach(([score, hit], i) => {
    if (hit) tp++;
    if (i + 1 < sorted.length && sorted[i + 1][0] === score) return;
    precision.push(tp / (i + 1));
    recall.push(tp / truths);
  });
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
  let sum = 0;
  let j = 0;
  for (let r = 0; r <= 100; r++) {
    const target = r / 100;
    while (j < recall.length && recall[j] < target) j++;
    sum += j < recall.length ? precision[j] : 0;
  }
  return sum / 101;
}

function majority(votes: Map<number, number>): number {
  let best = -1;
  let count = -1;
  for (const [cls, c] of votes) if (c > count || (c === count && cls < best)) [best, count] = [cls, c];
  return best;
}
