import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MlError } from '../errors.js';
import { bootstrapCi, quantileSorted } from './bootstrap.js';
import { brierScore, calibrationCurve, expectedCalibrationError, logLoss } from './probabilistic.js';
import { averagePrecision, prCurve, rocAuc, rocCurve, thresholdCounts } from './ranking.js';
import { binaryReport } from './report.js';
import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  f1,
  mcc,
  precision,
  recall,
  specificity,
} from './threshold-metrics.js';

/** Independent Mann–Whitney: fraction of (positive, negative) pairs ordered correctly, ties = 1/2. */
function bruteAuc(y: number[], s: number[]): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      den++;
      const a = s[i] as number;
      const b = s[j] as number;
      num += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return num / den;
}

const labelledScores = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 12 })), { minLength: 2, maxLength: 60 })
  .filter((rows) => rows.some((r) => r[0] === 1) && rows.some((r) => r[0] === 0));

describe('ROC-AUC', () => {
  it('equals the brute-force Mann–Whitney statistic, ties counted 1/2 (tolerance 1e-12)', () => {
    fc.assert(
      fc.property(labelledScores, (rows) => {
        const y = rows.map((r) => r[0]);
        // Small integer scores divided by 4 force many ties.
        const s = rows.map((r) => r[1] / 4);
        expect(Math.abs(rocAuc(y, s) - bruteAuc(y, s))).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the trapezoidal area under rocCurve (tolerance 1e-12)', () => {
    fc.assert(
      fc.property(labelledScores, (rows) => {
        const y = rows.map((r) => r[0]);
        const s = rows.map((r) => r[1]);
        const c = rocCurve(y, s);
        let area = 0;
        for (let k = 1; k < c.fpr.length; k++) {
          area +=
            (((c.fpr[k] as number) - (c.fpr[k - 1] as number)) * ((c.tpr[k] as number) + (c.tpr[k - 1] as number))) / 2;
        }
        expect(Math.abs(area - rocAuc(y, s))).toBeLessThan(1e-12);
        expect(c.fpr[c.fpr.length - 1]).toBe(1);
        expect(c.tpr[c.tpr.length - 1]).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('matches the scikit-learn documentation example (0.75) and gives 0.5 when all scores tie', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 1], [0.2, 0.1])).toBe(0);
  });

  it('refuses one-class input with AQUAOPS_E_ML_ONE_CLASS', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrowError(MlError);
    try {
      rocAuc([0, 0], [0.2, 0.3]);
    } catch (e) {
      expect((e as MlError).code).toBe('AQUAOPS_E_ML_ONE_CLASS');
    }
  });
});

describe('average precision', () => {
  it('matches the scikit-learn documentation example 0.8333… (tolerance 1e-12)', () => {
    expect(Math.abs(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) - 5 / 6)).toBeLessThan(1e-12);
  });

  it('for distinct scores equals the mean precision at the rank of each positive (tolerance 1e-12)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 40, maxLength: 40 }),
        (scores, labels) => {
          const y = scores.map((_, i) => labels[i] as number);
          if (!y.includes(1)) return;
          const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
          let tp = 0;
          let sum = 0;
          order.forEach((i, rank) => {
            if (y[i] === 1) {
              tp++;
              sum += tp / (rank + 1);
            }
          });
          const expected = sum / tp;
          expect(Math.abs(averagePrecision(y, scores) - expected)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prCurve starts at (recall 0, precision 1) and ends at recall 1', () => {
    const c = prCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(Array.from(c.recall)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(Array.from(c.precision)).toEqual([1, 1, 0.5, 2 / 3, 0.5]);
    expect(c.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it('thresholdCounts groups tied scores', () => {
    const c = thresholdCounts([1, 0, 1, 0], [0.5, 0.5, 0.2, 0.9]);
    expect(Array.from(c.thresholds)).toEqual([0.9, 0.5, 0.2]);
    expect(Array.from(c.tp)).toEqual([0, 1, 2]);
    expect(Array.from(c.fp)).toEqual([1, 2, 2]);
  });
});

describe('threshold metrics on a hand-computed confusion matrix', () => {
  // At 0.5 (proba >= 0.5 is positive): TP rows 0,4,6; FP rows 2,5; FN row 1; TN rows 3,7.
  const y = [1, 1, 0, 0, 1, 0, 1, 0];
  const p = [0.9, 0.4, 0.6, 0.1, 0.5, 0.5, 0.8, 0.2];
  it('counts the confusion matrix', () => {
    expect(confusionMatrix(y, p)).toEqual({ tp: 3, fp: 2, tn: 2, fn: 1 });
    expect(confusionMatrix(y, p, 0.7)).toEqual({ tp: 2, fp: 0, tn: 4, fn: 2 });
  });
  it('derives the ratios (tolerance 1e-15)', () => {
    const tol = 1e-15;
    expect(Math.abs(accuracy(y, p) - 5 / 8)).toBeLessThan(tol);
    expect(Math.abs(precision(y, p) - 3 / 5)).toBeLessThan(tol);
    expect(Math.abs(recall(y, p) - 3 / 4)).toBeLessThan(tol);
    expect(Math.abs(specificity(y, p) - 2 / 4)).toBeLessThan(tol);
    expect(Math.abs(f1(y, p) - 2 / 3)).toBeLessThan(tol);
    expect(Math.abs(balancedAccuracy(y, p) - 0.625)).toBeLessThan(tol);
    expect(Math.abs(mcc(y, p) - 4 / Math.sqrt(240))).toBeLessThan(tol);
  });
  it('reports 0 for an empty denominator (no predicted positives)', () => {
    expect(precision([1, 0], [0.1, 0.2])).toBe(0);
    expect(f1([1, 0], [0.1, 0.2])).toBe(0);
  });
});

describe('probability metrics', () => {
  it('log-loss by hand and with clipping (tolerance 1e-12)', () => {
    expect(Math.abs(logLoss([1, 0], [0.8, 0.3]) - -(Math.log(0.8) + Math.log(0.7)) / 2)).toBeLessThan(1e-12);
    expect(Math.abs(logLoss([1], [0]) - -Math.log(Number.EPSILON))).toBeLessThan(1e-9);
    expect(Math.abs(logLoss([1], [0], 1e-15) - -Math.log(1e-15))).toBeLessThan(1e-9);
    expect(Number.isFinite(logLoss([0], [1]))).toBe(true);
  });
  it('Brier score matches the scikit-learn documentation example 0.0375 (tolerance 1e-15)', () => {
    expect(Math.abs(brierScore([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]) - 0.0375)).toBeLessThan(1e-15);
  });
  it('calibration curve and ECE on a hand-binned case (tolerance 1e-12)', () => {
    // 4 bins: (0,.25]: 0.1, 0.2 → mean .15, frac 0 ; (.5,.75]: 0.6, 0.7, 0.75 → mean .6833, frac 2/3 ; (.75,1]: 0.9 → 1
    const y = [0, 0, 1, 0, 1, 1];
    const p = [0.1, 0.2, 0.6, 0.7, 0.75, 0.9];
    const bins = calibrationCurve(y, p, 4);
    expect(bins.map((b) => b.count)).toEqual([2, 3, 1]);
    expect(bins.map((b) => b.lower)).toEqual([0, 0.5, 0.75]);
    expect(Math.abs((bins[1]?.meanPredicted ?? 0) - 2.05 / 3)).toBeLessThan(1e-12);
    expect(Math.abs((bins[1]?.fractionPositive ?? 0) - 2 / 3)).toBeLessThan(1e-12);
    const ece = (2 * 0.15 + 3 * Math.abs(2 / 3 - 2.05 / 3) + 1 * 0.1) / 6;
    expect(Math.abs(expectedCalibrationError(y, p, 4) - ece)).toBeLessThan(1e-12);
  });
  it('refuses probabilities outside [0, 1]', () => {
    expect(() => brierScore([0, 1], [0.5, 1.2])).toThrowError(/proba\[1\]/);
  });
});

describe('input validation', () => {
  it('names the problem and where', () => {
    expect(() => accuracy([0, 1], [0.5])).toThrowError(/2 values/);
    expect(() => accuracy([], [])).toThrowError(MlError);
    expect(() => accuracy([0, 2], [0.5, 0.5])).toThrowError(/yTrue\[1\]/);
    expect(() => rocAuc([0, 1], [0.5, Number.NaN])).toThrowError(/score\[1\]/);
    expect(() => accuracy([0, 1], [0.5, 0.5], Number.NaN)).toThrowError(/threshold/);
  });
});

describe('bootstrap confidence intervals', () => {
  const n = 200;
  const y: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < n; i++) {
    y.push(i % 3 === 0 ? 1 : 0);
    s.push(((i * 7919) % 101) / 101 + (i % 3 === 0 ? 0.3 : 0));
  }
  it('is reproducible per seed and brackets the estimate', () => {
    const a = bootstrapCi(y, s, rocAuc, { nBoot: 300, seed: 5 });
    const b = bootstrapCi(y, s, rocAuc, { nBoot: 300, seed: 5 });
    const c = bootstrapCi(y, s, rocAuc, { nBoot: 300, seed: 6 });
    expect(a).toEqual(b);
    expect(a.lower).not.toBe(c.lower);
    expect(a.estimate).toBe(rocAuc(y, s));
    expect(a.lower).toBeLessThan(a.estimate);
    expect(a.upper).toBeGreaterThan(a.estimate);
    expect(a.nValid + a.nSkipped).toBe(300);
  });
  it('skips resamples where the metric is undefined and counts them', () => {
    const r = bootstrapCi([1, 0, 0, 0], [0.9, 0.1, 0.2, 0.3], rocAuc, { nBoot: 200, seed: 1 });
    // P(no positive in a resample of 4) = (3/4)^4 ≈ 0.32, so some are skipped.
    expect(r.nSkipped).toBeGreaterThan(20);
    expect(r.nValid).toBe(200 - r.nSkipped);
  });
  it('quantile interpolates linearly like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });
});

describe('binaryReport', () => {
  it('agrees with the individual metrics and nulls ranking metrics on one class', () => {
    const y = [1, 1, 0, 0, 1, 0, 1, 0];
    const p = [0.9, 0.4, 0.6, 0.1, 0.5, 0.5, 0.8, 0.2];
    const r = binaryReport(y, p, 0.5);
    expect(r.accuracy).toBe(accuracy(y, p));
    expect(r.rocAuc).toBe(rocAuc(y, p));
    expect(r.logLoss).toBe(logLoss(y, p));
    expect(r.positives).toBe(4);
    const one = binaryReport([0, 0], [0.1, 0.7]);
    expect(one.rocAuc).toBeNull();
    expect(one.prAuc).toBeNull();
    expect(one.accuracy).toBe(0.5);
  });
});
