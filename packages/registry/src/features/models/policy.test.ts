/** Tests the promotion policy rule on hand-made candidates. */
import { describe, expect, it } from 'vitest';
import { decidePromotion } from './policy.js';

const policy = { metric: 'test_auc', higherIsBetter: true, minImprovement: 0.01 };
const v = (
  version: number,
  auc: number | undefined,
  testSetHash: string | null = 'h1',
  dataVersion: string | null = 'd1',
) => ({
  version,
  metrics: auc === undefined ? {} : { test_auc: auc },
  testSetHash,
  dataVersion,
});

describe('decidePromotion', () => {
  it('makes the first version champion', () => {
    expect(decidePromotion(v(1, 0.7), undefined, policy)).toMatchObject({
      alias: 'champion',
      metrics: { test_auc: 0.7 },
    });
  });

  it('needs to beat the champion by the margin on the same test set', () => {
    expect(decidePromotion(v(2, 0.72), v(1, 0.7), policy).alias).toBe('champion');
    expect(decidePromotion(v(2, 0.705), v(1, 0.7), policy).alias).toBe('challenger');
    expect(decidePromotion(v(2, 0.69), v(1, 0.7), policy).alias).toBe('challenger');
    expect(decidePromotion(v(2, 0.9), v(1, 0.7, 'h2'), policy)).toMatchObject({
      alias: 'challenger',
      reason: expect.stringContaining('different held-out data'),
    });
  });

  it('falls back to the data version when no test-set hash is recorded', () => {
    expect(decidePromotion(v(2, 0.8, null, 'd1'), v(1, 0.7, null, 'd1'), policy).alias).toBe('champion');
    expect(decidePromotion(v(2, 0.8, null, 'd2'), v(1, 0.7, null, 'd1'), policy).alias).toBe('challenger');
    expect(decidePromotion(v(2, 0.8, null, null), v(1, 0.7, null, null), policy).alias).toBe('challenger');
  });

  it('handles lower-is-better metrics, a zero margin and missing metrics', () => {
    const loss = { metric: 'test_auc', higherIsBetter: false, minImprovement: 0 };
    expect(decidePromotion(v(2, 0.3), v(1, 0.4), loss).alias).toBe('champion');
    expect(decidePromotion(v(2, 0.4), v(1, 0.4), loss).alias).toBe('challenger');
    expect(decidePromotion(v(2, undefined), v(1, 0.4), policy).alias).toBe('challenger');
    expect(decidePromotion(v(2, 0.9), v(1, undefined), policy).alias).toBe('challenger');
    expect(() => decidePromotion(v(2, 0.9), undefined, { ...policy, minImprovement: -1 })).toThrow(
      /invalid promotion policy/,
    );
  });
});
