/**
 * One call for every scalar metric of a set of binary predictions, as the trainer, the
 * registry and monitoring record it. Ranking metrics are `null` (not NaN, which JSON would turn
 * into null anyway, silently) when the set contains only one class.
 */
import { averagePrecision, rocAuc } from './ranking.js';
import { brierScore, expectedCalibrationError, logLoss } from './probabilistic.js';
import { type ConfusionMatrix, confusionMatrix, fromConfusion } from './threshold-metrics.js';
import { checkBinaryInput, checkProbabilities } from './validate.js';

export interface BinaryReport {
  readonly n: number;
  readonly positives: number;
  readonly threshold: number;
  readonly confusion: ConfusionMatrix;
  readonly accuracy: number;
  readonly balancedAccuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly specificity: number;
  readonly f1: number;
  readonly mcc: number;
  /** null when only one class is present. */
  readonly rocAuc: number | null;
  /** Average precision; null when there are no positives. */
  readonly prAuc: number | null;
  readonly logLoss: number;
  readonly brier: number;
  /** Expected calibration error on 10 uniform bins. */
  readonly ece: number;
}

export function binaryReport(yTrue: ArrayLike<number>, proba: ArrayLike<number>, threshold = 0.5): BinaryReport {
  const y = checkBinaryInput(yTrue, proba, 'proba');
  checkProbabilities(proba);
  const c = confusionMatrix(y, proba, threshold);
  const positives = c.tp + c.fn;
  const bothClasses = positives > 0 && positives < y.length;
  return {
    n: y.length,
    positives,
    threshold,
    confusion: c,
    accuracy: fromConfusion.accuracy(c),
    balancedAccuracy: fromConfusion.balancedAccuracy(c),
    precision: fromConfusion.precision(c),
    recall: fromConfusion.recall(c),
    specificity: fromConfusion.specificity(c),
    f1: fromConfusion.f1(c),
    mcc: fromConfusion.mcc(c),
    rocAuc: bothClasses ? rocAuc(y, proba) : null,
    prAuc: positives > 0 ? averagePrecision(y, proba) : null,
    logLoss: logLoss(y, proba),
    brier: brierScore(y, proba),
    ece: expectedCalibrationError(y, proba),
  };
}
