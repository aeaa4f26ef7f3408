import { createCatalog, defaultModelSpecs, stratifiedKFold, syntheticPotability } from '@aquaops/ml';
import type { AnyModelSpec } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { inProcessExecutor } from './executor.js';
import { ALL_FAMILIES } from './families.js';
import { searchFamily } from './search.js';

describe('searchFamily', () => {
  it('tries the defaults, then the spec’s seed configurations, then random samples; every trial recorded', async () => {
    const gnb = defaultModelSpecs.find((s) => s.kind === 'gaussian-nb') as AnyModelSpec;
    const seeded = { ...gnb, searchSeeds: [{ varSmoothing: 1e-3 }, { varSmoothing: 1e-2 }] } as AnyModelSpec;
    const catalog = createCatalog([seeded]);
    const d = syntheticPotability(400, 2);
    const folds = stratifiedKFold(d.y, 3, 1);
    const family = ALL_FAMILIES.find((f) => f.id === 'gaussian-nb');
    if (family === undefined) throw new Error('gaussian-nb family missing');
    const r = await searchFamily(
      family,
      catalog,
      inProcessExecutor({ X: d.X, y: d.y, folds }, catalog, { name: 'roc_auc' }),
      {
        trialsPerFamily: 5,
        totalFolds: 3,
        minFolds: 1,
        eta: 3,
        greaterIsBetter: true,
        seed: 1,
      },
    );
    expect(r.trials.map((t) => t.id)).toEqual([0, 1, 2, 3, 4]);
    expect(r.trials[0]?.params).toEqual({});
    expect(r.trials[1]?.params).toEqual({ varSmoothing: 1e-3 });
    expect(r.trials[2]?.params).toEqual({ varSmoothing: 1e-2 });
    // Successive halving: everyone scored on 1 fold, the best third on all 3.
    expect(r.trials.every((t) => t.foldScores.length >= 1)).toBe(true);
    expect(r.trials.filter((t) => t.foldScores.length === 3)).toHaveLength(1);
    expect(r.best?.foldScores).toHaveLength(3);
    expect(r.best?.oof?.some(Number.isNaN)).toBe(false);
    expect(r.trials.filter((t) => t.status === 'pruned')).toHaveLength(4);
  });
});
