/**
 * Choosing the decision threshold from out-of-fold scores: maximum F1, maximum Youden's J
 * (TPR − FPR), or minimum expected cost given the cost of a false positive and of a false
 * negative (e.g. calling unsafe water potable costs far more than the reverse). Every distinct
 * score is a candidate cut; the returned threshold sits midway between the last score
 * predicted positive and the next lower one, so it reproduces exactly the chosen partition of
 * the scores it was tuned on while not sitting on a training score. Rows with
 * `score >= threshold` are predicted positive.
 */
import { invalidArgument } from './errors.js';
import { thresholdCounts } from './metrics/ranking.js';
import type { ConfusionMatrix } from './metrics/threshold-metrics.js';
import { oneClassError } from './metrics/validate.js';

export type ThresholdCriterion =
  | { readonly kind: 'f1' }
  | { readonly kind: 'youden' }
  | { readonly kind: 'cost'; readonly costFp: number; readonly costFn: number };

export interface ThresholdChoice {
  readonly threshold: number;
  /** Criterion value at the threshold: F1, J, or expected cost per row. */
  readonly value: number;
  readonly criterion: ThresholdCriterion;
  /** Confusion matrix of the tuning scores at the threshold. */
  readonly confusion: ConfusionMatrix;
}

export function chooseThreshold(
  yTrue: ArrayLike<number>,
  score: ArrayLike<number>,
  criterion: ThresholdCriterion,
): ThresholdChoice {
  if (criterion.kind === 'cost') {
    for (const key of ['costFp', 'costFn'] as const) {
      const v = criterion[key];
      if (!(Number.isFinite(v) && v >= 0)) {
        throw invalidArgument(
          `criterion.${key}`,
          'a finite cost >= 0',
          String(v),
          'Give both error costs, e.g. 1 and 5.',
        );
      }
    }
    if (criterion.costFp + criterion.costFn === 0) {
      throw invalidArgument('criterion', 'at least one positive cost', '0 and 0', 'Give the cost of each error type.');
    }
  } else if (criterion.kind !== 'f1' && criterion.kind !== 'youden') {
    throw invalidArgument(
      'criterion.kind',
      '"f1", "youden" or "cost"',
      JSON.stringify((criterion as { kind: unknown }).kind),
      'Pick one of the three.',
    );
  }
  const c = thresholdCounts(yTrue, score);
  const { nPos, nNeg } = c;
  const n = nPos + nNeg;
  if (criterion.kind === 'youden' && (nPos === 0 || nNeg === 0)) {
    throw oneClassError("Youden's J", nPos === 0 ? 0 : 1, n);
  }
  if (criterion.kind === 'f1' && nPos === 0) throw oneClassError('F1', 0, n);
  const m = c.thresholds.length;
  const evaluate = (tp: number, fp: number): number => {
    const fn = nPos - tp;
    switch (criterion.kind) {
      case 'f1':
        return 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
      case 'youden':
        return tp / nPos - fp / nNeg;
      case 'cost':
        return -(criterion.costFp * fp + criterion.costFn * fn) / n;
    }
  };
  // Candidate k = -1 predicts nothing positive; k >= 0 cuts just below thresholds[k].
  let bestK = -1;
  let best = evaluate(0, 0);
  for (let k = 0; k < m; k++) {
    const v = evaluate(c.tp[k] as number, c.fp[k] as number);
    if (v > best) {
      best = v;
      bestK = k;
    }
  }
  const top = c.thresholds[0] as number;
  let threshold: number;
  if (bestK === -1) threshold = top + Math.max(1, Math.abs(top));
  else if (bestK === m - 1) threshold = c.thresholds[m - 1] as number;
  else threshold = ((c.thresholds[bestK] as number) + (c.thresholds[bestK + 1] as number)) / 2;
  const tp = bestK === -1 ? 0 : (c.tp[bestK] as number);
  const fp = bestK === -1 ? 0 : (c.fp[bestK] as number);
  return {
    threshold,
    value: criterion.kind === 'cost' ? -best : best,
    criterion,
    confusion: { tp, fp, tn: nNeg - fp, fn: nPos - tp },
  };
}
