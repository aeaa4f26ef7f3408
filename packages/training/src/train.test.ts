import { SYNTHETIC_FEATURES, defaultCatalog, syntheticPotability } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { trainModels } from './train.js';

describe('trainModels', () => {
  it('searches, selects by the one-SE rule, thresholds on OOF and evaluates once on held-out rows', async () => {
    const d = syntheticPotability(1500, 11);
    const progress: string[] = [];
    const r = await trainModels({ X: d.X, y: d.y, featureNames: SYNTHETIC_FEATURES }, defaultCatalog(), {
      families: ['gbm', 'logistic-regression', 'gaussian-nb'],
      ensemble: true,
      trialsPerFamily: 3,
      folds: 3,
      threads: 1,
      seed: 5,
      bootstrap: 200,
      onProgress: (e) => progress.push(e.phase),
    });
    // Split sizes: 20% held out, disjoint.
    expect(r.split.testRows.length).toBe(300);
    const trainSet = new Set(r.split.trainRows);
    expect([...r.split.testRows].some((i) => trainSet.has(i))).toBe(false);
    // Every configuration of every family was tried (3 per family), plus the voting ensemble of the three.
    expect(r.trials.length).toBe(10);
    const voting = r.trials.find((t) => t.family === 'voting');
    expect(voting?.foldScores).toHaveLength(3);
    expect((voting?.params as { members?: unknown[] } | undefined)?.members).toHaveLength(3);
    // The synthetic logit is non-linear: boosting must beat the linear/NB families on CV.
    const gbm = r.families.find((f) => f.family.id === 'gbm')?.best;
    const lr = r.families.find((f) => f.family.id === 'logistic-regression')?.best;
    expect(gbm).toBeDefined();
    expect(lr).toBeDefined();
    expect((gbm?.mean ?? 0) > (lr?.mean ?? 1)).toBe(true);
    // The chosen model is within one standard error of the best.
    const best = r.trials.find((t) => t.id === r.selection.bestTrialId);
    expect(best).toBeDefined();
    expect((best?.mean ?? 0) - r.chosen.mean).toBeLessThanOrEqual((best?.stdErr ?? 0) + 1e-12);
    // Held-out evaluation with CIs that contain the estimate.
    const ci = r.test.ci.rocAuc;
    expect(ci.lower).toBeLessThanOrEqual(ci.estimate);
    expect(ci.upper).toBeGreaterThanOrEqual(ci.estimate);
    expect(r.test.report.rocAuc ?? 0).toBeGreaterThan(0.7);
    expect(r.threshold.threshold).toBeGreaterThan(0);
    expect(r.threshold.threshold).toBeLessThan(1);
    expect(r.importance).toHaveLength(9);
    expect(progress).toContain('search');
    expect(progress.at(-1)).toBe('done');
  });

  it('rejects an unknown family with the list of known ones', async () => {
    const d = syntheticPotability(200, 1);
    await expect(
      trainModels({ X: d.X, y: d.y, featureNames: [] }, defaultCatalog(), { families: ['nope'] }),
    ).rejects.toThrow(/Unknown model family "nope"/);
  });
});
