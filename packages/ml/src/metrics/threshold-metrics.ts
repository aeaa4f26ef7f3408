/**
 * Metrics of hard decisions: a row is predicted positive when its score is at or above the
 * threshold (default 0.5, so hard 0/1 predictions pass through unchanged). Everything derives
 * from one confusion matrix; ratios whose denominator is zero are reported as 0, which is what
 * scikit-learn returns (with a warning) under its default `zero_division`.
 */
import { checkBinaryInput, checkThreshold } from './validate.js';

export interface ConfusionMatrix {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export function confusionMatrix(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): ConfusionMatrix {
  checkThreshold(threshold);
  const y = checkBinaryInput(yTrue, score);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const predPos = (score[i] as number) >= threshold;
    if (y[i] === 1) {
      if (predPos) tp++;
      else fn++;
    } else if (predPos) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** Metrics from an already computed confusion matrix (no input checks needed). */
export const fromConfusion = {
  accuracy: (c: ConfusionMatrix): number => ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn),
  precision: (c: ConfusionMatrix): number => ratio(c.tp, c.tp + c.fp),
  recall: (c: ConfusionMatrix): number => ratio(c.tp, c.tp + c.fn),
  specificity: (c: ConfusionMatrix): number => ratio(c.tn, c.tn + c.fp),
  f1: (c: ConfusionMatrix): number => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
  /**
   * Mean of recall and specificity. When one class is absent, scikit-learn averages over the
   * classes present only; we do the same so a one-class window still gets a meaningful value.
   */
  balancedAccuracy: (c: ConfusionMatrix): number => {
    const hasPos = c.tp + c.fn > 0;
    const hasNeg = c.tn + c.fp > 0;
    if (hasPos && hasNeg) return (ratio(c.tp, c.tp + c.fn) + ratio(c.tn, c.tn + c.fp)) / 2;
    return hasPos ? ratio(c.tp, c.tp + c.fn) : ratio(c.tn, c.tn + c.fp);
  },
  /** Matthews correlation coefficient; 0 when any marginal is empty (as scikit-learn). */
  mcc: (c: ConfusionMatrix): number => {
    const den = Math.sqrt((c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn));
    return den === 0 ? 0 : (c.tp * c.tn - c.fp * c.fn) / den;
  },
} as const;

export function accuracy(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.accuracy(confusionMatrix(yTrue, score, threshold));
}

export function balancedAccuracy(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.balancedAccuracy(confusionMatrix(yTrue, score, threshold));
}

export function precision(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.precision(confusionMatrix(yTrue, score, threshold));
}

/** Recall = sensitivity = true-positive rate. */
export function recall(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.recall(confusionMatrix(yTrue, score, threshold));
}

/** Specificity = true-negative rate. */
export function specificity(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.specificity(confusionMatrix(yTrue, score, threshold));
}

export function f1(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.f1(confusionMatrix(yTrue, score, threshold));
}

export function mcc(yTrue: ArrayLike<number>, score: ArrayLike<number>, threshold = 0.5): number {
  return fromConfusion.mcc(confusionMatrix(yTrue, score, threshold));
}
