import {
  type AnyModelSpec,
  createCatalog,
  defaultCatalog,
  defaultModelSpecs,
  rocAuc,
  stratifiedKFold,
  syntheticPotability,
  takeLabels,
  takeRows,
} from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { ALL_FAMILIES, type Family, familyConfig } from '../../packages/training/src/families.js';
import { buildVariants, checkFamilyNames, runQualityBench } from './quality-run.js';
import { familyInventory, type QualityOutcome, runQualityTask, summarize, type Variant } from './quality.js';

const family = (id: string): Family => ALL_FAMILIES.find((f) => f.id === id) as Family;

describe('familyInventory', () => {
  it('lists training families the catalogue lacks as missing', () => {
    const catalog = createCatalog(defaultModelSpecs.filter((s) => s.kind !== 'svm'));
    const inv = familyInventory(catalog);
    expect(inv.missing).toContain('svm');
    expect(inv.available.map((f) => f.id)).not.toContain('svm');
    expect(inv.extra).toEqual([]);
  });
  it('wraps catalogue kinds unknown to the trainer by whether they take missing values', () => {
    const inv = familyInventory(
      defaultCatalog(),
      ALL_FAMILIES.filter((f) => f.id !== 'qda' && f.id !== 'gbm'),
    );
    expect(inv.extra.sort()).toEqual(['gbm', 'qda']);
    const byId = new Map(inv.available.map((f) => [f.id, f]));
    expect(byId.get('gbm')?.preprocess).toEqual([]);
    expect(byId.get('qda')?.preprocess.map((p) => p.kind)).toEqual(['simple-imputer', 'standard-scaler']);
  });
});

describe('checkFamilyNames', () => {
  it('accepts available families and explains missing or unknown ones', () => {
    const inv = familyInventory(createCatalog(defaultModelSpecs.filter((s) => s.kind !== 'svm')));
    expect(checkFamilyNames(inv, ['gbm', 'qda'])).toEqual([]);
    expect(checkFamilyNames(inv, undefined)).toEqual([]);
    const problems = checkFamilyNames(inv, ['svm', 'gmb']);
    expect(problems[0]).toBe('family "svm" is not in this build\'s model catalogue yet');
    expect(problems[1]).toMatch(/unknown family "gmb" \(available: .*gbm/);
  });
});

describe('buildVariants', () => {
  it('adds a tuned variant per searchable family and a 500-tree forest when the forest has a tree count', () => {
    const forest = {
      kind: 'random-forest',
      label: 'Random forest',
      defaults: { nEstimators: 100 },
      create: () => {
        throw new Error('not used');
      },
      fromState: () => {
        throw new Error('not used');
      },
    } as unknown as AnyModelSpec;
    const catalog = createCatalog([...defaultModelSpecs.filter((s) => s.kind !== 'random-forest'), forest]);
    const ids = buildVariants(catalog, familyInventory(catalog), ['gbm', 'random-forest']).map((v) => v.id);
    expect(ids).toEqual(['gbm', 'gbm tuned', 'random-forest', 'random-forest 500 trees']);
    const rf500 = buildVariants(catalog, familyInventory(catalog), ['random-forest'])[1];
    expect(rf500?.config).toEqual({ kind: 'random-forest', params: { nEstimators: 500 } });
  });
});

describe('runQualityTask', () => {
  const syn = syntheticPotability(300, 3);
  const data = { X: syn.X, y: syn.y, folds: stratifiedKFold(syn.y, 2, 5) };
  const catalog = defaultCatalog();
  const tune = { trials: 2, innerFolds: 3, seed: 1 };
  const nb = family('gaussian-nb');

  it('scores a default variant exactly like a direct fit on the training part', async () => {
    const variant: Variant = { id: 'gaussian-nb', family: nb, kind: 'default', config: familyConfig(nb, {}) };
    const o = await runQualityTask(data, catalog, { taskId: 1, variant, fold: 1 }, tune);
    const fold = data.folds[1];
    if (fold === undefined) throw new Error('no fold');
    const cfg = familyConfig(nb, {});
    const m = catalog
      .create(cfg.kind, cfg.params ?? {})
      .fit(takeRows(syn.X, fold.train), takeLabels(syn.y, fold.train));
    const p = m.predictProba(takeRows(syn.X, fold.test));
    expect(o.error).toBeUndefined();
    expect(o.metrics?.rocAuc).toBe(rocAuc(takeLabels(syn.y, fold.test), p));
    expect(o.metrics?.accuracy).toBeGreaterThan(0);
    expect(o.metrics?.logLoss).toBeGreaterThan(0);
  });

  it('tunes inside the training part and reports the chosen params', async () => {
    const lr = family('logistic-regression');
    const o = await runQualityTask(
      data,
      catalog,
      { taskId: 2, variant: { id: 'lr tuned', family: lr, kind: 'tuned' }, fold: 0 },
      tune,
    );
    expect(o.error).toBeUndefined();
    expect(o.chosen).toBeDefined();
    expect(o.tuneMs).toBeGreaterThan(0);
    expect(o.metrics?.rocAuc).toBeGreaterThanOrEqual(0);
    expect(o.metrics?.rocAuc).toBeLessThanOrEqual(1);
  });

  it('turns a failure into an outcome with the error message', async () => {
    const variant: Variant = { id: 'nb', family: nb, kind: 'default', config: familyConfig(nb, {}) };
    const o = await runQualityTask(data, catalog, { taskId: 3, variant, fold: 7 }, tune);
    expect(o.metrics).toBeUndefined();
    expect(o.error).toMatch(/outer fold 7 does not exist/);
  });
});

describe('summarize', () => {
  it('averages successful folds with the sample std and counts failures', () => {
    const v: Variant = { id: 'x', family: family('gbm'), kind: 'default' };
    const mk = (fold: number, auc: number | undefined): QualityOutcome => ({
      taskId: fold,
      variantId: 'x',
      fold,
      fitMs: 1000,
      predictMs: 1,
      tuneMs: 0,
      ...(auc === undefined ? { error: 'boom' } : { metrics: { accuracy: 0.5, f1: 0.5, rocAuc: auc, logLoss: 0.7 } }),
    });
    const [s] = summarize([v], [mk(2, 0.7), mk(0, 0.6), mk(1, undefined)]);
    expect(s?.folds).toBe(2);
    expect(s?.failures).toBe(1);
    expect(s?.firstError).toBe('boom');
    expect(s?.rocAuc.mean).toBeCloseTo(0.65, 12);
    expect(s?.rocAuc.std).toBeCloseTo(Math.SQRT2 * 0.05, 12);
    expect(s?.perFoldRocAuc).toEqual([0.6, 0.7]);
    expect(s?.fitS.mean).toBeCloseTo(1, 12);
  });
});

describe('runQualityBench (in this thread)', () => {
  it('runs every variant on every fold, then a voting ensemble, with a consistent progress count', async () => {
    const catalog = defaultCatalog();
    const syn = syntheticPotability(240, 11);
    const data = { X: syn.X, y: syn.y, folds: stratifiedKFold(syn.y, 3, 2) };
    const progress: [number, number][] = [];
    const run = await runQualityBench(data, catalog, familyInventory(catalog), {
      families: ['gaussian-nb', 'qda'],
      folds: 2,
      workers: 0,
      tune: { trials: 2, innerFolds: 3, seed: 1 },
      voting: true,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const hasVoting = catalog.has('voting');
    const expected = ['gaussian-nb', 'gaussian-nb tuned', 'qda', 'qda tuned'].length * 2 + (hasVoting ? 2 : 0);
    expect(run.outcomes).toHaveLength(expected);
    expect(progress.at(-1)).toEqual([expected, expected]);
    expect(progress.every(([d, t]) => d <= t && t === expected)).toBe(true);
    expect(run.summaries.every((s) => s.folds === 2 && s.failures === 0)).toBe(true);
    if (hasVoting) expect(run.summaries.at(-1)?.variantId).toMatch(/^voting\((gaussian-nb\+qda|qda\+gaussian-nb)\)$/);
    else expect(run.notes.join()).toContain('no "voting" kind');
  });
});
