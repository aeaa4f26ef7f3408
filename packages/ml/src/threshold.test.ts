import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, f1 } from './metrics/threshold-metrics.js';
import { chooseThreshold } from './threshold.js';

// Scores descending: 0.9(1) 0.8(1) 0.7(0) 0.6(1) 0.4(0) 0.3(0) 0.2(1) 0.1(0)
const y = [1, 1, 0, 1, 0, 0, 1, 0];
const s = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];

describe('chooseThreshold', () => {
  it('max F1: cut below 0.6 gives TP 3, FP 1, FN 1 → F1 = 0.75 (hand-checked)', () => {
    // Cuts: k=0 F1=2/5, k=1 2/3 (4/6), k=2 4/7, k=3 6/8=.75, k=4 6/9, k=5 6/10, k=6 8/11, k=7 8/12.
    const r = chooseThreshold(y, s, { kind: 'f1' });
    expect(r.value).toBeCloseTo(0.75, 12);
    expect(r.threshold).toBeCloseTo(0.5, 12);
    expect(r.confusion).toEqual({ tp: 3, fp: 1, tn: 3, fn: 1 });
    expect(confusionMatrix(y, s, r.threshold)).toEqual(r.confusion);
  });
  it("Youden's J: best J = 0.5 at the cut below 0.8 (first of the ties, fewer positives)", () => {
    // J per cut: .25, .5, .25, .5, .25, 0, .25, 0.
    const r = chooseThreshold(y, s, { kind: 'youden' });
    expect(r.value).toBeCloseTo(0.5, 12);
    expect(r.threshold).toBeCloseTo(0.75, 12);
  });
  it('cost-weighted: expensive false negatives push the threshold down, expensive false positives up', () => {
    // costFn = 10: predicting all positive costs 4·1/8 = 0.5; any cut above 0.2 leaves an FN (≥ 10/8).
    const low = chooseThreshold(y, s, { kind: 'cost', costFp: 1, costFn: 10 });
    expect(low.threshold).toBeCloseTo(0.15, 12);
    expect(low.value).toBeCloseTo(3 / 8, 12);
    expect(low.confusion).toEqual({ tp: 4, fp: 3, tn: 1, fn: 0 });
    // costFp = 10: predicting none costs 4/8 = 0.5; the cut below 0.8 costs 2/8 = 0.25.
    const high = chooseThreshold(y, s, { kind: 'cost', costFp: 10, costFn: 1 });
    expect(high.threshold).toBeCloseTo(0.75, 12);
    expect(high.value).toBeCloseTo(0.25, 12);
  });
  it('may predict nothing positive when false positives are prohibitive', () => {
    const r = chooseThreshold([0, 1, 0], [0.9, 0.5, 0.1], { kind: 'cost', costFp: 100, costFn: 1 });
    expect(r.threshold).toBeGreaterThan(0.9);
    expect(r.confusion.tp + r.confusion.fp).toBe(0);
  });
  it('the chosen F1 is the best F1 over every observed score used as a threshold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20 })), {
          minLength: 2,
          maxLength: 50,
        }),
        (rows) => {
          const yy = rows.map((r) => r[0]);
          if (!yy.includes(1)) return;
          const ss = rows.map((r) => r[1] / 20);
          const r = chooseThreshold(yy, ss, { kind: 'f1' });
          const bruteBest = Math.max(...ss.map((t) => f1(yy, ss, t)));
          expect(Math.abs(r.value - bruteBest)).toBeLessThan(1e-12);
          expect(Math.abs(f1(yy, ss, r.threshold) - r.value)).toBeLessThan(1e-12);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('rejects invalid costs and one-class input', () => {
    expect(() => chooseThreshold(y, s, { kind: 'cost', costFp: -1, costFn: 1 })).toThrowError(/costFp/);
    expect(() => chooseThreshold([0, 0], [0.1, 0.2], { kind: 'youden' })).toThrowError(/both classes/);
  });
});
