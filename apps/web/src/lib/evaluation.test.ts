import { describe, expect, it } from 'vitest';
import { lineage, metricRows, parseEvaluation } from './evaluation.js';

describe('metricRows', () => {
  it('groups cross-validation and held-out metrics and attaches their intervals', () => {
    const rows = metricRows({
      cv_mean: 0.61,
      cv_std: 0.02,
      cv_roc_auc: 0.61,
      test_roc_auc: 0.64,
      test_roc_auc_ci_lower: 0.6,
      test_roc_auc_ci_upper: 0.68,
      test_f1: 0.5,
      drift: 0.1,
    });
    expect(rows.find((r) => r.set === 'cross-validation' && r.name === 'roc_auc')).toMatchObject({ value: 0.61 });
    const cv = rows.find((r) => r.name === 'roc_auc' && r.set === 'cross-validation')!;
    expect(cv.lo).toBeCloseTo(0.59, 12);
    expect(cv.hi).toBeCloseTo(0.63, 12);
    expect(rows.some((r) => r.name === 'mean')).toBe(false);
    expect(rows.find((r) => r.set === 'held-out' && r.name === 'roc_auc')).toEqual({
      name: 'roc_auc',
      value: 0.64,
      lo: 0.6,
      hi: 0.68,
      set: 'held-out',
    });
    expect(rows.find((r) => r.name === 'f1')).toEqual({ name: 'f1', value: 0.5, set: 'held-out' });
    expect(rows.find((r) => r.name === 'drift')?.set).toBe('other');
  });
});

describe('parseEvaluation', () => {
  it('reads the training report: curves, calibration bins, confusion and CIs', () => {
    const e = parseEvaluation({
      threshold: 0.4,
      test: { rocAuc: 0.7, accuracy: 0.6 },
      ci: { rocAuc: { estimate: 0.7, lower: 0.65, upper: 0.75, level: 0.95 } },
      roc: { fpr: [0, 0.5, 1], tpr: [0, 0.7, 1] },
      pr: { recall: [0, 1], precision: [1, 0.4] },
      calibration: [
        { lower: 0, upper: 0.1, count: 0, meanPredicted: 0, fractionPositive: 0 },
        { lower: 0.3, upper: 0.4, count: 10, meanPredicted: 0.35, fractionPositive: 0.3 },
      ],
      confusion: { tp: 1, fp: 2, tn: 3, fn: 4 },
    });
    expect(e.roc).toEqual({ x: [0, 0.5, 1], y: [0, 0.7, 1] });
    expect(e.pr?.y).toEqual([1, 0.4]);
    expect(e.calibration).toEqual({ x: [0.35], y: [0.3] });
    expect(e.confusion).toEqual({ tp: 1, fp: 2, tn: 3, fn: 4 });
    expect(e.metrics.find((m) => m.name === 'roc_auc')).toMatchObject({ lo: 0.65, hi: 0.75 });
  });
  it('gives no curves for malformed input instead of failing', () => {
    const e = parseEvaluation({ roc: { fpr: [0, 1], tpr: [0] }, calibration: 'x' });
    expect(e).toEqual({ metrics: [] });
    expect(parseEvaluation(null)).toEqual({ metrics: [] });
  });
});

describe('lineage', () => {
  it('picks run, data version and family from the card', () => {
    expect(lineage({ runId: 'r1', dataVersion: 'abc', family: 'gbm', other: 1 })).toEqual([
      ['Run', 'r1'],
      ['Data version', 'abc'],
      ['Model family', 'gbm'],
    ]);
  });
});
