/**
 * Tests of feature binning: reproducible row sampling, bin boundaries within `maxBin`, and that
 * every binned value agrees with the real-valued threshold rule prediction uses.
 */
import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.js';
import { Rng } from '../rng.js';
import { binMatrix, findBinUpperBounds, sampleRows } from './binning.js';

describe('binning', () => {
  it('samples exactly k ascending rows, reproducibly', () => {
    const a = sampleRows(10_000, 700, 3);
    expect(a.length).toBe(700);
    for (let k = 1; k < a.length; k++) expect(a[k]).toBeGreaterThan(a[k - 1] as number);
    expect(Array.from(sampleRows(10_000, 700, 3))).toEqual(Array.from(a));
    expect(Array.from(sampleRows(10_000, 700, 4))).not.toEqual(Array.from(a));
    expect(sampleRows(5, 10, 1).length).toBe(5);
  });

  it('gives each distinct value its own bin when there are few, cut at midpoints', () => {
    const up = findBinUpperBounds(Float64Array.of(3, 1, 2, 2, 1, 3), 255);
    expect(Array.from(up)).toEqual([1.5, 2.5, Number.POSITIVE_INFINITY]);
    expect(Array.from(findBinUpperBounds(new Float64Array(0), 255))).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('uses at most maxBin roughly equal-frequency bins for many distinct values', () => {
    const rng = new Rng(1);
    const v = new Float64Array(20_000);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    const up = findBinUpperBounds(v, 16);
    expect(up.length).toBeLessThanOrEqual(16);
    expect(up.length).toBeGreaterThanOrEqual(15);
    const counts = new Array<number>(up.length).fill(0);
    for (const x of v) {
      let b = 0;
      while (x > (up[b] as number)) b++;
      counts[b] = (counts[b] as number) + 1;
    }
    // Equal frequency within 25% of the ideal share (sampling-free, greedy cuts).
    const ideal = v.length / up.length;
    for (const c of counts) expect(Math.abs(c - ideal) / ideal).toBeLessThan(0.25);
  });

  it('bins every value consistently with the threshold rule and keeps a missing bin', () => {
    const rng = new Rng(2);
    const n = 3000;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      data[i] = rng.next() < 0.1 ? Number.NaN : Math.round(rng.normal() * 1000) / 10;
      data[n + i] = rng.int(5);
    }
    const out = new Uint8Array(n * 2);
    const { features, bins } = binMatrix(matrix(n, 2, data), { maxBin: 32, sampleCount: 1000, seed: 1 }, out);
    expect(features[0]?.sawMissing).toBe(true);
    expect(features[1]?.sawMissing).toBe(false);
    expect(features[1]?.nBins).toBe(5);
    for (let f = 0; f < 2; f++) {
      const fb = features[f];
      if (fb === undefined) throw new Error('missing feature bins');
      for (let i = 0; i < n; i++) {
        const v = data[f * n + i] as number;
        const b = bins[i * 2 + f] as number;
        if (v !== v) {
          expect(b).toBe(fb.nBins);
          continue;
        }
        expect(v).toBeLessThanOrEqual(fb.upper[b] as number);
        if (b > 0) expect(v).toBeGreaterThan(fb.upper[b - 1] as number);
      }
    }
  });
});
