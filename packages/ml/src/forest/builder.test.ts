/**
 * The CART builder against definitions: binning keeps CART's midpoints when values are few, the
 * chosen root split is the brute-force best weighted-Gini split (over every threshold and both
 * missing directions), and the growth limits (depth, leaf size, leaf count) hold on every tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.js';
import { Rng } from '../rng.js';
import type { Tree } from '../tree/tree.js';
import { ALL_FINITE, binFeatures, type GrowOptions, TreeBuilder } from './builder.js';

const base: GrowOptions = {
  mode: 'hist',
  mtry: 1,
  maxDepth: -1,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxLeafNodes: -1,
  minDecrease: 0,
};

function leafDepths(t: Tree): { depth: number; node: number }[] {
  const out: { depth: number; node: number }[] = [];
  const visit = (n: number, d: number): void => {
    if (t.feature[n] === -1) out.push({ depth: d, node: n });
    else {
      visit(t.left[n] as number, d + 1);
      visit(t.right[n] as number, d + 1);
    }
  };
  visit(0, 0);
  return out;
}

/** Best weighted-Gini score (sum over children of (W1^2 + W0^2) / W) over all splits of all features. */
function bruteBestScore(cols: number[][], y: number[], w: number[]): number {
  let best = Number.NEGATIVE_INFINITY;
  const score = (inLeft: (i: number) => boolean): number => {
    let lW = 0;
    let lY = 0;
    let rW = 0;
    let rY = 0;
    for (let i = 0; i < y.length; i++) {
      if (inLeft(i)) {
        lW += w[i] as number;
        lY += (w[i] as number) * (y[i] as number);
      } else {
        rW += w[i] as number;
        rY += (w[i] as number) * (y[i] as number);
      }
    }
    if (!(lW > 0) || !(rW > 0)) return Number.NEGATIVE_INFINITY;
    return (lY * lY + (lW - lY) ** 2) / lW + (rY * rY + (rW - rY) ** 2) / rW;
  };
  for (const col of cols) {
    const vals = [...new Set(col.filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
    for (const t of vals) {
      for (const ml of [true, false]) {
        best = Math.max(
          best,
          score((i) => {
            const v = col[i] as number;
            return Number.isNaN(v) ? ml : v <= t;
          }),
        );
      }
    }
  }
  return best;
}

describe('binFeatures', () => {
  it('gives every distinct value its own bin with midpoint thresholds, and NaN the extra bin', () => {
    const X = matrix(6, 1, Float64Array.from([3, 1, Number.NaN, 2, 1, 10]));
    const b = binFeatures(X, 255);
    expect(b.nBins[0]).toBe(4);
    expect(Array.from(b.upper[0] as Float64Array)).toEqual([1.5, 2.5, 6.5]);
    expect(Array.from(b.bins)).toEqual([2, 0, 4, 1, 0, 3]);
  });

  it('caps the bin count and keeps values ordered by bin', () => {
    const rng = new Rng(1);
    const n = 5000;
    const data = Float64Array.from({ length: n }, () => rng.normal());
    const b = binFeatures(matrix(n, 1, data), 32);
    expect(b.nBins[0]).toBeLessThanOrEqual(32);
    expect(b.nBins[0]).toBeGreaterThan(28);
    const up = b.upper[0] as Float64Array;
    let misplaced = 0;
    for (let i = 0; i < n; i++) {
      const bin = b.bins[i] as number;
      const v = data[i] as number;
      if (bin > 0 && !(v > (up[bin - 1] as number))) misplaced++;
      if (bin < up.length && !(v <= (up[bin] as number))) misplaced++;
    }
    expect(misplaced).toBe(0);
  });

  it('rejects a bin count outside [2, 65535]', () => {
    expect(() => binFeatures(matrix(2, 1), 1)).toThrow(/maxBins/);
  });
});

describe('TreeBuilder', () => {
  it('picks the brute-force best Gini split at the root, missing values included (hist mode)', () => {
    const cell = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cell, cell, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 3 })), {
          minLength: 4,
          maxLength: 30,
        }),
        (rowsIn) => {
          const n = rowsIn.length;
          const y = rowsIn.map((r) => r[2]);
          const w = rowsIn.map((r) => r[3]);
          const cols = [rowsIn.map((r) => r[0]), rowsIn.map((r) => r[1])];
          const X = matrix(n, 2, Float64Array.from([...(cols[0] as number[]), ...(cols[1] as number[])]));
          const builder = new TreeBuilder({ X, binned: binFeatures(X, 255), y: Uint8Array.from(y) });
          const t = builder.grow(Float64Array.from(w), new Rng(1), { ...base, mtry: 2, maxDepth: 1 });
          const expected = bruteBestScore(cols, y, w);
          if (t.feature[0] === -1) {
            // Only pure or unsplittable roots become leaves.
            const W1 = y.reduce((a, v, i) => a + v * (w[i] as number), 0);
            const W = w.reduce((a, v) => a + v, 0);
            expect(W1 === 0 || W1 === W || expected === Number.NEGATIVE_INFINITY).toBe(true);
            return;
          }
          const l = t.left[0] as number;
          const r = t.right[0] as number;
          const lW = t.cover[l] as number;
          const rW = t.cover[r] as number;
          const lY = (t.value[l] as number) * lW;
          const rY = (t.value[r] as number) * rW;
          const got = (lY * lY + (lW - lY) ** 2) / lW + (rY * rY + (rW - rY) ** 2) / rW;
          expect(Math.abs(got - expected)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('respects maxDepth, minSamplesLeaf and maxLeafNodes, and keeps covers additive', () => {
    const rng = new Rng(5);
    const n = 600;
    const data = Float64Array.from({ length: n * 3 }, () => (rng.next() < 0.1 ? Number.NaN : rng.normal()));
    const y = Uint8Array.from({ length: n }, (_, i) => ((data[i] as number) > 0 ? 1 : 0) ^ (rng.next() < 0.2 ? 1 : 0));
    const X = matrix(n, 3, data);
    const ones = new Float64Array(n).fill(1);
    for (const mode of ['hist', 'random'] as const) {
      const builder = new TreeBuilder({ X, binned: binFeatures(X, 255), y });
      const deep = builder.grow(ones, new Rng(2), { ...base, mode, mtry: 2, minSamplesLeaf: 7 });
      for (const { node } of leafDepths(deep)) expect(deep.cover[node]).toBeGreaterThanOrEqual(7);
      for (let k = 0; k < deep.feature.length; k++) {
        if (deep.feature[k] === -1) continue;
        const sum = (deep.cover[deep.left[k] as number] as number) + (deep.cover[deep.right[k] as number] as number);
        expect(Math.abs(sum - (deep.cover[k] as number))).toBeLessThan(1e-9);
      }
      const shallow = builder.grow(ones, new Rng(2), { ...base, mode, mtry: 2, maxDepth: 3 });
      expect(Math.max(...leafDepths(shallow).map((l) => l.depth))).toBeLessThanOrEqual(3);
      const few = builder.grow(ones, new Rng(2), { ...base, mode, mtry: 2, maxLeafNodes: 5 });
      expect(leafDepths(few).length).toBe(5);
    }
  });

  it('separates "missing" from "present" when only missingness carries the label', () => {
    const n = 200;
    const data = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = i % 3 === 0;
      data[i] = missing ? Number.NaN : 1; // feature 0: constant when present
      data[n + i] = i % 7; // feature 1: unrelated
      y[i] = missing ? 1 : 0;
    }
    const X = matrix(n, 2, data);
    for (const mode of ['hist', 'random'] as const) {
      const builder = new TreeBuilder({ X, binned: binFeatures(X, 255), y });
      const t = builder.grow(new Float64Array(n).fill(1), new Rng(3), { ...base, mode, mtry: 2, maxDepth: 1 });
      expect(t.feature[0]).toBe(0);
      expect(t.threshold[0]).toBe(ALL_FINITE);
      const missingChild = t.missingLeft[0] === 1 ? (t.left[0] as number) : (t.right[0] as number);
      expect(t.value[missingChild]).toBe(1);
    }
  });

  it('ignores rows of weight 0 and grows the same tree from the same generator state', () => {
    const rng = new Rng(9);
    const n = 300;
    const data = Float64Array.from({ length: n * 2 }, () => rng.normal());
    const y = Uint8Array.from({ length: n }, (_, i) => ((data[i] as number) + (data[n + i] as number) > 0 ? 1 : 0));
    const X = matrix(n, 2, data);
    const builder = new TreeBuilder({ X, binned: binFeatures(X, 255), y });
    const w = Float64Array.from({ length: n }, (_, i) => (i < 100 ? 0 : 1));
    const a = builder.grow(w, new Rng(4), base);
    const b = builder.grow(w, new Rng(4), base);
    expect(a).toEqual(b);
    expect(a.cover[0]).toBe(200);
  });
});
