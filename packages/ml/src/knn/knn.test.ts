import { describe, expect, it } from 'vitest';
import { matrix, takeRows } from '../matrix.js';
import { kernelShap } from '../explain/kernel-shap.js';
import { ringProblem, rocAuc } from '../explain/synthetic.js';
import { KNeighborsClassifier, knnSpec } from './knn.js';

describe('KNeighborsClassifier', () => {
  const train = ringProblem(1500, 3, 1);
  const test = ringProblem(500, 3, 2);

  it('matches a sort-everything reference (uniform and distance weights)', () => {
    const small = ringProblem(200, 3, 3);
    const q = takeRows(test.X, [0, 1, 2, 3, 4, 5, 6, 7]);
    for (const weights of ['uniform', 'distance'] as const) {
      const m = new KNeighborsClassifier({ k: 7, weights }).fit(small.X, small.y);
      const p = m.predictProba(q);
      for (let i = 0; i < q.nRows; i++) {
        const dist = Array.from({ length: small.X.nRows }, (_, t) => {
          let s = 0;
          for (let j = 0; j < 3; j++)
            s += ((small.X.data[j * 200 + t] as number) - (q.data[j * q.nRows + i] as number)) ** 2;
          return { t, d: Math.sqrt(s) };
        }).sort((a, b) => a.d - b.d || a.t - b.t);
        let num = 0;
        let den = 0;
        for (const { t, d } of dist.slice(0, 7)) {
          const w = weights === 'distance' ? 1 / d : 1;
          num += w * (small.y[t] as number);
          den += w;
        }
        expect(Math.abs((p[i] as number) - num / den)).toBeLessThan(1e-12);
      }
    }
  });

  it('solves a non-linear (ring) problem well above chance', () => {
    const p = new KNeighborsClassifier({ k: 15 }).fit(train.X, train.y).predictProba(test.X);
    expect(rocAuc(test.y, p)).toBeGreaterThan(0.85);
  });

  it('distance weights: a training row queried exactly gets its own label', () => {
    const m = new KNeighborsClassifier({ k: 5, weights: 'distance' }).fit(train.X, train.y);
    const p = m.predictProba(takeRows(train.X, [10, 11, 12]));
    expect(Array.from(p)).toEqual([train.y[10], train.y[11], train.y[12]]);
  });

  it('round-trips bit-identically; explain adds up in probability space', () => {
    const m = new KNeighborsClassifier({ k: 9, weights: 'distance', seed: 4 }).fit(train.X, train.y);
    const r = knnSpec.fromState(JSON.parse(JSON.stringify(m.toState())), () => m);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(m.predictProba(test.X)));
    const q = takeRows(test.X, [0, 1]);
    const bg = takeRows(train.X, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const ex = m.explain(q, { background: bg });
    expect(ex.space).toBe('probability');
    const p = m.predictProba(q);
    for (let i = 0; i < 2; i++) {
      const s = ex.base + (ex.phi[i * 3] as number) + (ex.phi[i * 3 + 1] as number) + (ex.phi[i * 3 + 2] as number);
      expect(Math.abs(s - (p[i] as number))).toBeLessThan(1e-12);
    }
    // The third feature is noise: its attributions must be smaller than the ring features'.
    const full = m.explain(takeRows(test.X, [0, 1, 2, 3, 4, 5]), { background: bg });
    let noise = 0;
    let signal = 0;
    for (let i = 0; i < 6; i++) {
      signal += Math.abs(full.phi[i * 3] as number) + Math.abs(full.phi[i * 3 + 1] as number);
      noise += Math.abs(full.phi[i * 3 + 2] as number);
    }
    expect(noise).toBeLessThan(signal / 2);
  });

  it('the incremental-distance coalition path gives the generic KernelSHAP values (tolerance 1e-12)', () => {
    const q = takeRows(test.X, [7, 8]);
    const bg = takeRows(train.X, [20, 21, 22, 23, 24, 25, 26]);
    for (const weights of ['uniform', 'distance'] as const) {
      const m = new KNeighborsClassifier({ k: 11, weights }).fit(train.X, train.y);
      const fast = m.explain(q, { background: bg });
      const generic = kernelShap((Z) => m.predictProba(Z), q, bg, { space: 'probability' });
      for (let t = 0; t < fast.phi.length; t++)
        expect(Math.abs((fast.phi[t] as number) - (generic.phi[t] as number))).toBeLessThan(1e-12);
    }
  });

  it('reports errors', () => {
    const m = new KNeighborsClassifier().fit(train.X, train.y);
    expect(() => m.predictProba(matrix(1, 2))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_SHAPE_MISMATCH' }),
    );
    const bad = test.X.data.slice();
    bad[0] = Number.NaN;
    expect(() => m.predictProba(matrix(500, 3, bad))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED' }),
    );
    expect(() => new KNeighborsClassifier({ k: 0 })).toThrow(/params\.k/);
    expect(() => new KNeighborsClassifier().fit(train.X, new Uint8Array(1500).fill(1))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_ONE_CLASS' }),
    );
    expect(() => new KNeighborsClassifier().fit(matrix(0, 3), [])).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_EMPTY_DATA' }),
    );
  });
});
