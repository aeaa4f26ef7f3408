/**
 * Selection metrics: the score a search optimises and the rule for "better". ROC-AUC is the
 * default because it does not depend on a threshold (the threshold is chosen afterwards, on
 * out-of-fold predictions). Recall at a fixed precision serves labs that must bound false alarms.
 */
import { invalidArgument } from '../errors.js';
import { logLoss } from '../metrics/probabilistic.js';
import { rocAuc, thresholdCounts } from '../metrics/ranking.js';
import { balancedAccuracy, f1 } from '../metrics/threshold-metrics.js';

export type SelectionMetricName = 'roc_auc' | 'f1' | 'balanced_accuracy' | 'log_loss' | 'recall_at_precision';

export interface SelectionMetric {
  readonly name: SelectionMetricName;
  /** For `recall_at_precision`: the precision to hold (0–1). */
  readonly atPrecision?: number;
}

export interface Objective {
  readonly name: string;
  readonly greaterIsBetter: boolean;
  score(yTrue: ArrayLike<number>, proba: ArrayLike<number>): number;
}

/** Highest recall among thresholds whose precision is at least `minPrecision` (0 if none reaches it). */
export function recallAtPrecision(yTrue: ArrayLike<number>, score: ArrayLike<number>, minPrecision: number): number {
  const c = thresholdCounts(yTrue, score);
  let best = 0;
  for (let k = 0; k < c.tp.length; k++) {
    const tp = c.tp[k] as number;
    const fp = c.fp[k] as number;
    if (tp + fp === 0) continue;
    if (tp / (tp + fp) >= minPrecision) {
      const r = tp / c.nPos;
      if (r > best) best = r;
    }
  }
  return best;
}

export function objectiveFor(metric: SelectionMetric): Objective {
  switch (metric.name) {
    case 'roc_auc':
      return { name: 'roc_auc', greaterIsBetter: true, score: rocAuc };
    case 'f1':
      return { name: 'f1', greaterIsBetter: true, score: (y, p) => f1(y, p, 0.5) };
    case 'balanced_accuracy':
      return { name: 'balanced_accuracy', greaterIsBetter: true, score: (y, p) => balancedAccuracy(y, p, 0.5) };
    case 'log_loss':
      return { name: 'log_loss', greaterIsBetter: false, score: logLoss };
    case 'recall_at_precision': {
      const p = metric.atPrecision;
      if (p === undefined || !(p > 0 && p <= 1)) {
        throw invalidArgument(
          'metric.atPrecision',
          'a precision in (0, 1]',
          String(p),
          'Give the precision to hold, e.g. recall_at_precision with atPrecision 0.8.',
        );
      }
      return { name: `recall_at_precision_${p}`, greaterIsBetter: true, score: (y, s) => recallAtPrecision(y, s, p) };
    }
    default:
      throw invalidArgument(
        'metric',
        'one of roc_auc, f1, balanced_accuracy, log_loss, recall_at_precision',
        JSON.stringify((metric as { name: unknown }).name),
        'Pick a supported selection metric.',
      );
  }
}
