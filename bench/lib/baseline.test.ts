import { describe, expect, it } from 'vitest';
import { parseCvBaseline, parseScaleBaseline, qualityTargets, referencesFor } from './baseline.js';
import type { VariantSummary } from './quality.js';

const m = (mean: number, std = 0) => ({ mean, std });
function summary(variantId: string, family: string, auc: number, extra: Partial<VariantSummary> = {}): VariantSummary {
  return {
    variantId,
    family,
    kind: variantId.endsWith('tuned') ? 'tuned' : 'default',
    folds: 25,
    failures: 0,
    accuracy: m(0.6),
    f1: m(0.4),
    rocAuc: m(auc),
    logLoss: m(0.65),
    fitS: m(0.1),
    tuneS: m(0),
    chosen: [],
    perFoldRocAuc: [],
    ...extra,
  };
}

describe('parseCvBaseline', () => {
  it('maps summary keys and skips malformed models', () => {
    const refs = parseCvBaseline(
      JSON.stringify({
        models: {
          'SVC+scaler': {
            spec: 'svc',
            summary: { roc_auc: { mean: 0.69, std: 0.02 }, log_loss: { mean: 0.6, std: 0.01 } },
          },
          broken: { summary: 3 },
        },
      }),
    );
    expect([...refs.keys()]).toEqual(['SVC+scaler']);
    expect(refs.get('SVC+scaler')).toEqual({
      name: 'SVC+scaler',
      spec: 'svc',
      rocAuc: m(0.69, 0.02),
      logLoss: m(0.6, 0.01),
    });
    expect(parseCvBaseline('[]').size).toBe(0);
  });
});

describe('referencesFor', () => {
  it('maps families and variants onto the Python rows', () => {
    expect(referencesFor(summary('gbm', 'gbm', 0.6))).toContain('LGBM original');
    expect(referencesFor(summary('gbm tuned', 'gbm', 0.6))).toContain('LGBM-tuned');
    expect(referencesFor(summary('random-forest 500 trees', 'random-forest', 0.6))).toEqual(['RF500']);
    expect(referencesFor(summary('svm', 'svm', 0.6))).toEqual(['SVC+scaler']);
    expect(referencesFor(summary('qda', 'qda', 0.6))).toEqual([]);
  });
});

describe('qualityTargets', () => {
  it('judges each target on the best eligible variant, inclusive thresholds', () => {
    const t = qualityTargets([
      summary('svm', 'svm', 0.692),
      summary('gbm', 'gbm', 0.6709),
      summary('gbm tuned', 'gbm', 0.65),
      summary('random-forest', 'random-forest', 0.69),
    ]);
    expect(t.map((x) => [x.variantId, x.met])).toEqual([
      ['svm', true],
      ['random-forest', true],
      ['gbm', false],
    ]);
  });
  it('ignores variants with failed folds and misses targets whose family did not run', () => {
    const t = qualityTargets([summary('svm', 'svm', 0.75, { failures: 1 }), summary('qda', 'qda', 0.68)]);
    expect(t[0]).toMatchObject({ variantId: 'qda', met: false });
    expect(t[1]).toMatchObject({ variantId: undefined, value: undefined, met: false });
  });
});

describe('parseScaleBaseline', () => {
  it('reads the per-model results', () => {
    const refs = parseScaleBaseline(
      JSON.stringify({
        results: [
          {
            model: 'LightGBM',
            n_train: 1000000,
            train_s_median: 4.14,
            test_roc_auc: 0.82,
            batch_predict_rows_per_s: 544000,
            single_row_latency_ms_p99: 0.4,
          },
          { model: 'x' },
        ],
      }),
    );
    expect(refs).toEqual([
      { model: 'LightGBM', nTrain: 1000000, trainS: 4.14, testAuc: 0.82, batchRowsPerS: 544000, singleRowP99Ms: 0.4 },
    ]);
  });
});
