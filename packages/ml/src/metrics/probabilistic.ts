/**
 * Metrics of predicted probabilities themselves: log-loss (probabilities clipped to
 * [eps, 1 - eps] like scikit-learn, whose 1.2+ default eps is float64 machine epsilon), the
 * Brier score, a reliability (calibration) curve on uniform bins and the expected calibration
 * error over the same bins. Bins follow scikit-learn's `calibration_curve`: bin k covers
 * (k/n, (k+1)/n], with 0 in the first bin.
 */
import { invalidArgument } from '../errors.js';
import { checkBinaryInput, checkProbabilities } from './validate.js';

/** Mean negative log-likelihood of the labels under `proba`. */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, eps = Number.EPSILON): number {
  if (!(eps > 0 && eps < 0.5)) {
    throw invalidArgument('eps', 'a number in (0, 0.5)', String(eps), 'Use the default (machine epsilon) or 1e-15.');
  }
  const y = checkBinaryInput(yTrue, proba, 'proba');
  checkProbabilities(proba);
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    let p = proba[i] as number;
    p = Math.min(Math.max(p, eps), 1 - eps);
    sum -= y[i] === 1 ? Math.log(p) : Math.log1p(-p);
  }
  return sum / y.length;
}

/** Mean squared difference between probability and label. */
export function brierScore(yTrue: ArrayLike<number>, proba: ArrayLike<number>): number {
  const y = checkBinaryInput(yTrue, proba, 'proba');
  checkProbabilities(proba);
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = (proba[i] as number) - (y[i] as number);
    sum += d * d;
  }
  return sum / y.length;
}

export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability of the rows in the bin. */
  readonly meanPredicted: number;
  /** Observed fraction of positives in the bin. */
  readonly fractionPositive: number;
}

function checkBins(nBins: number): void {
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw invalidArgument('nBins', 'a positive integer', String(nBins), 'Use e.g. 10 uniform bins.');
  }
}

function binIndex(p: number, nBins: number): number {
  // (k/n, (k+1)/n] → k, with p = 0 in bin 0.
  const b = Math.ceil(p * nBins) - 1;
  return b < 0 ? 0 : b >= nBins ? nBins - 1 : b;
}

/** Reliability curve on `nBins` uniform bins over [0, 1]; empty bins are omitted. */
export function calibrationCurve(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nBins = 10): CalibrationBin[] {
  checkBins(nBins);
  const y = checkBinaryInput(yTrue, proba, 'proba');
  checkProbabilities(proba);
  const count = new Float64Array(nBins);
  const sumP = new Float64Array(nBins);
  const sumY = new Float64Array(nBins);
  for (let i = 0; i < y.length; i++) {
    const p = proba[i] as number;
    const b = binIndex(p, nBins);
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + (y[i] as number);
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const c = count[b] as number;
    if (c === 0) continue;
    out.push({
      lower: b / nBins,
      upper: (b + 1) / nBins,
      count: c,
      meanPredicted: (sumP[b] as number) / c,
      fractionPositive: (sumY[b] as number) / c,
    });
  }
  return out;
}

/** Expected calibration error: sum over bins of (rows in bin / rows) * |fraction positive - mean predicted|. */
export function expectedCalibrationError(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nBins = 10): number {
  const bins = calibrationCurve(yTrue, proba, nBins);
  let n = 0;
  let sum = 0;
  for (const b of bins) {
    n += b.count;
    sum += b.count * Math.abs(b.fractionPositive - b.meanPredicted);
  }
  return sum / n;
}
