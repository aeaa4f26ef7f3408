/**
 * Ranking metrics: how well a score orders positives above negatives, independent of any
 * threshold. ROC-AUC is the Mann–Whitney U statistic (tied scores count one half), which is
 * what scikit-learn's `roc_auc_score` computes. Curves and average
 * precision share one pass over distinct thresholds in descending order (`thresholdCounts`),
 * which threshold selection also reuses.
 */
import { checkBinaryInput, oneClassError, requireBothClasses } from './validate.js';

/**
 * Scores of each class sorted ascending. Two native numeric sorts of plain Float64Arrays are
 * several times faster than sorting row indices with a comparator, and per-class sorted
 * scores are all the threshold sweep needs.
 */
function sortedByClass(y: Uint8Array, score: ArrayLike<number>): [Float64Array, Float64Array] {
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i] as number;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(y.length - nPos);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) pos[a++] = score[i] as number;
    else neg[b++] = score[i] as number;
  }
  return [pos.sort(), neg.sort()];
}

export interface ThresholdCounts {
  /** Distinct scores, descending. Row is predicted positive at threshold t when score >= t. */
  readonly thresholds: Float64Array;
  /** Positives with score >= thresholds[k]. */
  readonly tp: Float64Array;
  /** Negatives with score >= thresholds[k]. */
  readonly fp: Float64Array;
  readonly nPos: number;
  readonly nNeg: number;
}

/** Cumulative true/false positives at every distinct score (validated inputs). */
export function thresholdCounts(yTrue: ArrayLike<number>, score: ArrayLike<number>): ThresholdCounts {
  const y = checkBinaryInput(yTrue, score);
  const [pos, neg] = sortedByClass(y, score);
  const n = y.length;
  const thr = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let m = 0;
  // Merge both classes from the top, one group of equal scores at a time.
  while (i >= 0 || j >= 0) {
    const p = i >= 0 ? (pos[i] as number) : Number.NEGATIVE_INFINITY;
    const q = j >= 0 ? (neg[j] as number) : Number.NEGATIVE_INFINITY;
    const t = Math.max(p, q);
    while (i >= 0 && pos[i] === t) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === t) {
      fp++;
      j--;
    }
    thr[m] = t;
    tps[m] = tp;
    fps[m] = fp;
    m++;
  }
  return {
    thresholds: thr.slice(0, m),
    tp: tps.slice(0, m),
    fp: fps.slice(0, m),
    nPos: pos.length,
    nNeg: neg.length,
  };
}

/**
 * Area under the ROC curve = P(score of a random positive > random negative), ties = 1/2:
 * each group of tied negatives is outranked by every positive above it and ties with half
 * of the positives in its group (the Mann–Whitney U statistic, exact integer arithmetic).
 */
export function rocAuc(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const y = checkBinaryInput(yTrue, score);
  requireBothClasses(y, 'ROC-AUC');
  const c = thresholdCounts(y, score);
  let u = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < c.thresholds.length; k++) {
    const tp = c.tp[k] as number;
    const fp = c.fp[k] as number;
    u += (fp - prevFp) * (prevTp + (tp - prevTp) / 2);
    prevTp = tp;
    prevFp = fp;
  }
  return u / (c.nPos * c.nNeg);
}

/**
 * Average precision (area under the precision–recall step curve), as scikit-learn's
 * `average_precision_score`: sum over distinct thresholds of (R_k - R_{k-1}) * P_k.
 * Needs at least one positive; with no negatives it is 1.
 */
export function averagePrecision(yTrue: ArrayLike<number>, score: ArrayLike<number>): number {
  const c = thresholdCounts(yTrue, score);
  if (c.nPos === 0) throw oneClassError('average precision', 0, c.nNeg);
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < c.thresholds.length; k++) {
    const tp = c.tp[k] as number;
    const recall = tp / c.nPos;
    const precision = tp / (tp + (c.fp[k] as number));
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/** PR-AUC, reported as average precision (no trapezoidal interpolation, which is optimistic). */
export const prAuc = averagePrecision;

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Descending; the first point (0, 0) has threshold +Infinity (nothing predicted positive). */
  readonly thresholds: Float64Array;
}

/** Every distinct threshold (no intermediate points dropped), starting at (0, 0). */
export function rocCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>): RocCurve {
  const c = thresholdCounts(yTrue, score);
  if (c.nPos === 0 || c.nNeg === 0) throw oneClassError('the ROC curve', c.nPos === 0 ? 0 : 1, c.nPos + c.nNeg);
  const m = c.thresholds.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thresholds = new Float64Array(m);
  thresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 1; k < m; k++) {
    fpr[k] = (c.fp[k - 1] as number) / c.nNeg;
    tpr[k] = (c.tp[k - 1] as number) / c.nPos;
    thresholds[k] = c.thresholds[k - 1] as number;
  }
  return { fpr, tpr, thresholds };
}

export interface PrCurve {
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  /** Descending; the first point (recall 0, precision 1) has threshold +Infinity. */
  readonly thresholds: Float64Array;
}

/**
 * Precision and recall at every distinct threshold, in order of increasing recall. Unlike
 * scikit-learn's `precision_recall_curve` (ascending thresholds, truncated at full recall),
 * every threshold is kept and the order runs from the strictest threshold down.
 */
export function prCurve(yTrue: ArrayLike<number>, score: ArrayLike<number>): PrCurve {
  const c = thresholdCounts(yTrue, score);
  if (c.nPos === 0) throw oneClassError('the precision-recall curve', 0, c.nNeg);
  const m = c.thresholds.length + 1;
  const precision = new Float64Array(m);
  const recall = new Float64Array(m);
  const thresholds = new Float64Array(m);
  precision[0] = 1;
  thresholds[0] = Number.POSITIVE_INFINITY;
  for (let k = 1; k < m; k++) {
    const tp = c.tp[k - 1] as number;
    precision[k] = tp / (tp + (c.fp[k - 1] as number));
    recall[k] = tp / c.nPos;
    thresholds[k] = c.thresholds[k - 1] as number;
  }
  return { precision, recall, thresholds };
}
