/**
 * Tests of the synthetic speed-benchmark generator against its specification
 * (shared/baseline/README.md): missing rates, determinism and the strength of the true logit.
 */
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../metrics/ranking.js';
import { syntheticPotability } from './synthetic.js';

describe('syntheticPotability', () => {
  const n = 40_000;
  const d = syntheticPotability(n, 7);

  it('has 9 named features with ~10% of x0 and ~20% of x4 missing, nothing else missing', () => {
    expect(d.X.nCols).toBe(9);
    expect(d.X.featureNames?.[4]).toBe('x4');
    const missing = Array.from({ length: 9 }, (_, j) => {
      let c = 0;
      for (let i = 0; i < n; i++) if (Number.isNaN(d.X.data[j * n + i])) c++;
      return c / n;
    });
    // Binomial sd at n=40k is ~0.002; allow 0.01.
    expect(Math.abs((missing[0] as number) - 0.1)).toBeLessThan(0.01);
    expect(Math.abs((missing[4] as number) - 0.2)).toBeLessThan(0.01);
    for (const j of [1, 2, 3, 5, 6, 7, 8]) expect(missing[j]).toBe(0);
  });

  it('is deterministic in the seed', () => {
    const again = syntheticPotability(1000, 7);
    const other = syntheticPotability(1000, 8);
    expect(Array.from(again.y)).toEqual(Array.from(syntheticPotability(1000, 7).y));
    expect(Array.from(again.y)).not.toEqual(Array.from(other.y));
  });

  it('labels follow the logit: its ROC-AUC is ~0.839 as the spec states', () => {
    // Sampling sd of AUC at n=40k is ~0.002; allow 0.01.
    expect(Math.abs(rocAuc(d.y, d.logit) - 0.839)).toBeLessThan(0.01);
  });
});
