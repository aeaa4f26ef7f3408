import { describe, expect, it } from 'vitest';
import { type Matrix, matrix } from '../matrix.js';
import { Rng } from '../rng.js';
import { LogisticRegression, logisticRegressionSpec } from './logistic.js';

function linearProblem(n: number, seed: number): { X: Matrix; y: Uint8Array; w: number[] } {
  const rng = new Rng(seed);
  const w = [1.5, -2, 0.5, 0, 0];
  const d = w.length;
  const data = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0.3;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() * (j + 1) * 0.7;
      data[j * n + i] = v;
      z += (w[j] as number) * v;
    }
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: matrix(n, d, data), y, w };
}

/** Independent reference: Newton's method with the full Hessian and Gaussian elimination. */
function newtonL2(X: Matrix, y: Uint8Array, C: number): number[] {
  const n = X.nRows;
  const d = X.nCols;
  const p = d + 1;
  const th = new Array<number>(p).fill(0);
  const xv = (i: number, j: number) => (j === d ? 1 : (X.data[j * n + i] as number));
  for (let it = 0; it < 50; it++) {
    const g = new Array<number>(p).fill(0);
    const H = Array.from({ length: p }, () => new Array<number>(p).fill(0));
    for (let i = 0; i < n; i++) {
      let m = 0;
      for (let j = 0; j < p; j++) m += (th[j] as number) * xv(i, j);
      const pr = 1 / (1 + Math.exp(-m));
      for (let j = 0; j < p; j++) {
        g[j] = (g[j] as number) + (pr - (y[i] as number)) * xv(i, j);
        for (let k = 0; k < p; k++)
          (H[j] as number[])[k] = ((H[j] as number[])[k] as number) + pr * (1 - pr) * xv(i, j) * xv(i, k);
      }
    }
    for (let j = 0; j < d; j++) {
      g[j] = (g[j] as number) + (th[j] as number) / C;
      (H[j] as number[])[j] = ((H[j] as number[])[j] as number) + 1 / C;
    }
    // Solve H delta = g by Gaussian elimination with partial pivoting.
    const A = H.map((r, i) => [...r, g[i] as number]);
    for (let c = 0; c < p; c++) {
      let piv = c;
      for (let r = c + 1; r < p; r++)
        if (Math.abs((A[r] as number[])[c] as number) > Math.abs((A[piv] as number[])[c] as number)) piv = r;
      [A[c], A[piv]] = [A[piv] as number[], A[c] as number[]];
      for (let r = c + 1; r < p; r++) {
        const f = ((A[r] as number[])[c] as number) / ((A[c] as number[])[c] as number);
        for (let k = c; k <= p; k++)
          (A[r] as number[])[k] = ((A[r] as number[])[k] as number) - f * ((A[c] as number[])[k] as number);
      }
    }
    const delta = new Array<number>(p).fill(0);
    for (let r = p - 1; r >= 0; r--) {
      let s = (A[r] as number[])[p] as number;
      for (let k = r + 1; k < p; k++) s -= ((A[r] as number[])[k] as number) * (delta[k] as number);
      delta[r] = s / ((A[r] as number[])[r] as number);
    }
    for (let j = 0; j < p; j++) th[j] = (th[j] as number) - (delta[j] as number);
  }
  return th;
}

/** Gradient of C * sum loss + 0.5 ||w||^2 (sklearn's objective) at (w, b). */
function sklearnGrad(X: Matrix, y: Uint8Array, C: number, w: Float64Array, b: number): number[] {
  const n = X.nRows;
  const d = X.nCols;
  const g = new Array<number>(d + 1).fill(0);
  for (let i = 0; i < n; i++) {
    let m = b;
    for (let j = 0; j < d; j++) m += (w[j] as number) * (X.data[j * n + i] as number);
    const r = 1 / (1 + Math.exp(-m)) - (y[i] as number);
    for (let j = 0; j < d; j++) g[j] = (g[j] as number) + C * r * (X.data[j * n + i] as number);
    g[d] = (g[d] as number) + C * r;
  }
  return g;
}

describe('LogisticRegression', () => {
  const { X, y } = linearProblem(800, 1);

  it('L2 solution matches an independent Newton solve (|diff| <= 1e-6) and the gradient vanishes', () => {
    for (const C of [0.05, 1]) {
      const m = new LogisticRegression({ C }).fit(X, y);
      const ref = newtonL2(X, y, C);
      for (let j = 0; j < X.nCols; j++) expect(Math.abs((m.coef[j] as number) - (ref[j] as number))).toBeLessThan(1e-6);
      expect(Math.abs(m.intercept - (ref[X.nCols] as number))).toBeLessThan(1e-6);
      const g = sklearnGrad(X, y, C, m.coef, m.intercept);
      for (let j = 0; j < X.nCols; j++) g[j] = (g[j] as number) + (m.coef[j] as number);
      // Scaled by 1 / (C n) this is the quantity the optimiser drives below tol = 1e-8.
      for (const v of g) expect(Math.abs(v) / (C * X.nRows)).toBeLessThan(1e-7);
      expect(m.fitInfo?.converged).toBe(true);
    }
  });

  it('converges quickly on badly scaled features (scales 1 .. 2e4) to a stationary point', () => {
    const scales = [1, 300, 20000, 7, 330];
    const d = X.data.slice();
    for (let j = 0; j < 5; j++)
      for (let i = 0; i < X.nRows; i++)
        d[j * X.nRows + i] = (d[j * X.nRows + i] as number) * (scales[j] as number) + (scales[j] as number);
    const Xr = matrix(X.nRows, 5, d);
    const m = new LogisticRegression({ C: 1 }).fit(Xr, y);
    expect(m.fitInfo?.converged).toBe(true);
    expect(m.fitInfo?.iterations).toBeLessThan(100);
    const g = sklearnGrad(Xr, y, 1, m.coef, m.intercept);
    // The gradient with respect to standardised coefficients w'_j = w_j sd_j (the centring moves
    // mean_j * g_b into the intercept): (g_j - mean_j g_b) / sd_j, per row.
    const n = X.nRows;
    for (let j = 0; j < 5; j++) {
      const col = Array.from(Xr.data.subarray(j * n, (j + 1) * n));
      const mu = col.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / n);
      const gj = (g[j] as number) + (m.coef[j] as number) - mu * (g[5] as number);
      expect(Math.abs(gj) / sd / n).toBeLessThan(1e-7);
    }
    expect(Math.abs(g[5] as number) / X.nRows).toBeLessThan(1e-6);
  });

  it('L1 satisfies the KKT conditions and zeroes irrelevant coefficients', () => {
    const C = 0.03;
    const m = new LogisticRegression({ C, penalty: 'l1' }).fit(X, y);
    const g = sklearnGrad(X, y, C, m.coef, m.intercept);
    let zeros = 0;
    for (let j = 0; j < X.nCols; j++) {
      const w = m.coef[j] as number;
      const gj = g[j] as number;
      if (w === 0) {
        zeros++;
        expect(Math.abs(gj)).toBeLessThanOrEqual(1 + 1e-6);
      } else expect(Math.abs(gj + Math.sign(w))).toBeLessThan(1e-4);
    }
    expect(Math.abs(g[X.nCols] as number)).toBeLessThan(1e-4);
    expect(zeros).toBeGreaterThanOrEqual(2); // the two irrelevant features
    expect(m.coef[1]).not.toBe(0);
    expect(m.coef[0]).not.toBe(0);
  });

  it('beats chance clearly on held-out data of a linear problem', () => {
    const test = linearProblem(600, 2);
    const p = new LogisticRegression().fit(X, y).predictProba(test.X);
    let correct = 0;
    for (let i = 0; i < p.length; i++) if (((p[i] as number) > 0.5 ? 1 : 0) === test.y[i]) correct++;
    expect(correct / p.length).toBeGreaterThan(0.8);
  });

  it('explain: exact linear SHAP adds up to the margin', () => {
    const m = new LogisticRegression().fit(X, y);
    const ex = m.explain(X);
    const margin = m.predictMargin(X);
    expect(ex.space).toBe('log-odds');
    for (let i = 0; i < 20; i++) {
      let s = ex.base;
      for (let j = 0; j < X.nCols; j++) s += ex.phi[i * X.nCols + j] as number;
      expect(Math.abs(s - (margin[i] as number))).toBeLessThan(1e-12);
    }
  });

  it('round-trips through toState bit-identically and is deterministic', () => {
    const m = new LogisticRegression({ penalty: 'l1', C: 0.3 }).fit(X, y);
    const r = logisticRegressionSpec.fromState(JSON.parse(JSON.stringify(m.toState())), () => {
      throw new Error('no inner models');
    });
    expect(Array.from(r.predictProba(X))).toEqual(Array.from(m.predictProba(X)));
    const m2 = new LogisticRegression({ penalty: 'l1', C: 0.3 }).fit(X, y);
    expect(Array.from(m2.coef)).toEqual(Array.from(m.coef));
  });

  it('reports bad input and params', () => {
    const m = new LogisticRegression().fit(X, y);
    expect(() => m.predictProba(matrix(1, 2, new Float64Array(2)))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_SHAPE_MISMATCH' }),
    );
    const bad = X.data.slice();
    bad[3] = Number.NaN;
    expect(() => new LogisticRegression().fit(matrix(X.nRows, X.nCols, bad), y)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED' }),
    );
    expect(() => new LogisticRegression().fit(X, new Uint8Array(X.nRows))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_ONE_CLASS' }),
    );
    expect(() => new LogisticRegression().fit(matrix(0, 5), new Uint8Array(0))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_EMPTY_DATA' }),
    );
    expect(() => new LogisticRegression({ C: 0 })).toThrow(/params\.C/);
    expect(() => logisticRegressionSpec.create({ nope: 1 } as never)).toThrow(/params\.nope/);
    expect(() => new LogisticRegression().predictProba(X)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_NOT_FITTED' }),
    );
    expect(() =>
      logisticRegressionSpec.fromState({ kind: 'logistic-regression', params: {}, state: { nFeatures: 2 } }, () => m),
    ).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_MODEL_FORMAT' }));
  });
});
