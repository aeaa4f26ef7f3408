import { describe, expect, it } from 'vitest';
import { rocAuc, varianceProblem } from '../explain/synthetic.js';
import { matrix, takeRows } from '../matrix.js';
import { GaussianNb, gaussianNbSpec } from './gaussian-nb.js';
import { Qda, qdaSpec } from './qda.js';

const train = varianceProblem(1500, 4, 1);
const test = varianceProblem(800, 4, 2);

/** Direct reference log-density of a 2-D Gaussian with full covariance (no Cholesky). */
function logN2(x0: number, x1: number, m0: number, m1: number, s00: number, s01: number, s11: number): number {
  const det = s00 * s11 - s01 * s01;
  const a = x0 - m0;
  const b = x1 - m1;
  const q = (s11 * a * a - 2 * s01 * a * b + s00 * b * b) / det;
  return -0.5 * (Math.log(det) + q);
}

describe('GaussianNb', () => {
  it('matches a direct computation of the posterior (tolerance 1e-12) and beats chance', () => {
    const X = matrix(6, 1, Float64Array.from([0, 1, 2, 5, 6, 8]));
    const y = [0, 0, 0, 1, 1, 1];
    const m = new GaussianNb().fit(X, y);
    // Class 0: mean 1, var 2/3; class 1: mean 19/3, var 14/9; epsilon = 1e-9 * var(all).
    const all = [0, 1, 2, 5, 6, 8];
    const mu = all.reduce((a, b) => a + b, 0) / 6;
    const eps = 1e-9 * (all.reduce((a, b) => a + (b - mu) ** 2, 0) / 6);
    const v0 = 2 / 3 + eps;
    const v1 = 14 / 9 + eps;
    const x = 3;
    const l1 = -0.5 * Math.log(2 * Math.PI * v1) - (x - 19 / 3) ** 2 / (2 * v1);
    const l0 = -0.5 * Math.log(2 * Math.PI * v0) - (x - 1) ** 2 / (2 * v0);
    const want = 1 / (1 + Math.exp(l0 - l1));
    expect(Math.abs((m.predictProba(matrix(1, 1, Float64Array.of(x)))[0] as number) - want)).toBeLessThan(1e-12);
    const p = new GaussianNb().fit(train.X, train.y).predictProba(test.X);
    expect(rocAuc(test.y, p)).toBeGreaterThan(0.8);
  });

  it('round-trips bit-identically; explanation is additive and exact for this additive model', () => {
    const m = new GaussianNb({ seed: 2 }).fit(train.X, train.y);
    const r = gaussianNbSpec.fromState(JSON.parse(JSON.stringify(m.toState())), () => m);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(m.predictProba(test.X)));
    const q = takeRows(test.X, [0, 1, 2]);
    const ex = m.explain(q);
    const z = m.predictMargin(q);
    for (let i = 0; i < 3; i++) {
      let s = ex.base;
      for (let j = 0; j < 4; j++) s += ex.phi[i * 4 + j] as number;
      expect(Math.abs(s - (z[i] as number))).toBeLessThan(1e-9);
    }
  });

  it('reports errors', () => {
    expect(() => new GaussianNb({ varSmoothing: -1 })).toThrow(/varSmoothing/);
    expect(() => new GaussianNb().fit(train.X, new Uint8Array(1500))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_ONE_CLASS' }),
    );
    const m = new GaussianNb().fit(train.X, train.y);
    expect(() => m.predictProba(matrix(1, 3))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_SHAPE_MISMATCH' }),
    );
  });
});

describe('Qda', () => {
  it('matches a direct 2-D Gaussian computation (tolerance 1e-10), with regParam shrinkage', () => {
    const two = varianceProblem(400, 2, 9);
    for (const r of [0, 0.3]) {
      const m = new Qda({ regParam: r }).fit(two.X, two.y);
      const n = 400;
      const stats = [0, 1].map((c) => {
        const rows = Array.from({ length: n }, (_, i) => i).filter((i) => two.y[i] === c);
        const a = rows.map((i) => two.X.data[i] as number);
        const b = rows.map((i) => two.X.data[n + i] as number);
        const ma = a.reduce((s, v) => s + v, 0) / a.length;
        const mb = b.reduce((s, v) => s + v, 0) / b.length;
        const k = a.length - 1;
        const s00 = a.reduce((s, v) => s + (v - ma) ** 2, 0) / k;
        const s11 = b.reduce((s, v) => s + (v - mb) ** 2, 0) / k;
        const s01 = a.reduce((s, v, t) => s + (v - ma) * ((b[t] as number) - mb), 0) / k;
        return { ma, mb, s00: (1 - r) * s00 + r, s01: (1 - r) * s01, s11: (1 - r) * s11 + r, prior: rows.length / n };
      });
      const z = m.predictMargin(two.X);
      for (let i = 0; i < 10; i++) {
        const x0 = two.X.data[i] as number;
        const x1 = two.X.data[n + i] as number;
        const [c0, c1] = stats as [(typeof stats)[0], (typeof stats)[0]];
        const want =
          Math.log(c1.prior) +
          logN2(x0, x1, c1.ma, c1.mb, c1.s00, c1.s01, c1.s11) -
          Math.log(c0.prior) -
          logN2(x0, x1, c0.ma, c0.mb, c0.s00, c0.s01, c0.s11);
        expect(Math.abs((z[i] as number) - want)).toBeLessThan(1e-10);
      }
    }
  });

  it('solves the variance-difference problem far above chance; bit-identical round trip', () => {
    const m = new Qda().fit(train.X, train.y);
    expect(rocAuc(test.y, m.predictProba(test.X))).toBeGreaterThan(0.85);
    const r = qdaSpec.fromState(JSON.parse(JSON.stringify(m.toState())), () => m);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(m.predictProba(test.X)));
    const q = takeRows(test.X, [4, 5]);
    const ex = r.explain(q);
    const z = m.predictMargin(q);
    expect(ex.space).toBe('log-odds');
    for (let i = 0; i < 2; i++) {
      let s = ex.base;
      for (let j = 0; j < 4; j++) s += ex.phi[i * 4 + j] as number;
      expect(Math.abs(s - (z[i] as number))).toBeLessThan(1e-9);
    }
  });

  it('reports a singular covariance, bad params and state', () => {
    const X = matrix(6, 2, Float64Array.from([0, 1, 2, 3, 4, 5, 0, 2, 4, 6, 8, 10]));
    expect(() => new Qda().fit(X, [0, 1, 0, 1, 0, 1])).toThrow(/regParam/);
    expect(() => new Qda({ regParam: 0.1 }).fit(X, [0, 1, 0, 1, 0, 1])).not.toThrow();
    expect(() => new Qda({ regParam: 2 })).toThrow(/params\.regParam/);
    expect(() => new Qda().fit(matrix(3, 2, new Float64Array(6)), [0, 1, 1])).toThrow(/more than one row/);
    expect(() =>
      qdaSpec.fromState({ kind: 'qda', params: {}, state: { nFeatures: 1, means: [0, 0] } }, () => new Qda()),
    ).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_MODEL_FORMAT' }));
  });
});
