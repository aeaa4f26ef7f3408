import { describe, expect, it } from 'vitest';
import { linearProblem, ringProblem, rocAuc, varianceProblem } from '../explain/synthetic.js';
import { matrix, takeRows } from '../matrix.js';
import { KernelCache, plattFit, solveSmo } from './smo.js';
import { SupportVectorClassifier, svmSpec } from './svm.js';
import { kernelShap } from '../explain/kernel-shap.js';
import { toRowMajor } from '../explain/support.js';

describe('solveSmo', () => {
  it('reaches a KKT point of the dual (violation < eps) with y.alpha = 0 and box constraints', () => {
    const { X, y } = ringProblem(300, 2, 1);
    const x = toRowMajor(X.data, 300, 2);
    const ys = Int8Array.from(y, (v) => (v === 1 ? 1 : -1));
    const C = new Float64Array(300).fill(2);
    const cache = new KernelCache(x, 300, 2, 'rbf', 0.5, 1 << 20);
    const res = solveSmo(cache, ys, C, 1e-6, 1e7);
    expect(res.converged).toBe(true);
    let ya = 0;
    for (let i = 0; i < 300; i++) {
      const a = res.alpha[i] as number;
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(2);
      ya += a * (ys[i] as number);
    }
    expect(Math.abs(ya)).toBeLessThan(1e-9);
    // KKT from scratch: y_i f(x_i) >= 1 for a = 0, <= 1 for a = C, = 1 in between (tolerance 1e-5).
    for (let i = 0; i < 300; i++) {
      const K = cache.row(i);
      let f = -res.rho;
      for (let t = 0; t < 300; t++) f += (res.alpha[t] as number) * (ys[t] as number) * (K[t] as number);
      const m = (ys[i] as number) * f;
      const a = res.alpha[i] as number;
      if (a === 0) expect(m).toBeGreaterThan(1 - 1e-5);
      else if (a === 2) expect(m).toBeLessThan(1 + 1e-5);
      else expect(Math.abs(m - 1)).toBeLessThan(1e-5);
    }
  });

  it('a subset cache gathers the same kernel values as a fresh one', () => {
    const { X } = ringProblem(50, 3, 2);
    const x = toRowMajor(X.data, 50, 3);
    const parent = new KernelCache(x, 50, 3, 'rbf', 0.7, 1 << 20);
    const idx = Int32Array.from([3, 7, 11, 40]);
    const sub = parent.subset(idx, 1 << 20);
    const own = new KernelCache(toRowMajor(takeRows(X, idx).data, 4, 3), 4, 3, 'rbf', 0.7, 1 << 20);
    for (let i = 0; i < 4; i++) expect(Array.from(sub.row(i))).toEqual(Array.from(own.row(i)));
  });

  it('Platt fit recovers a known sigmoid (A, B within 0.15)', () => {
    const n = 4000;
    const dec = new Float64Array(n);
    const y = new Uint8Array(n);
    let s = 12345;
    const rnd = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 4294967296;
    };
    for (let i = 0; i < n; i++) {
      dec[i] = rnd() * 6 - 3;
      y[i] = rnd() < 1 / (1 + Math.exp(-1.5 * (dec[i] as number) - 0.5)) ? 1 : 0;
    }
    const { A, B } = plattFit(dec, y);
    expect(Math.abs(A + 1.5)).toBeLessThan(0.15);
    expect(Math.abs(B + 0.5)).toBeLessThan(0.15);
  });
});

describe('SupportVectorClassifier', () => {
  const train = varianceProblem(600, 4, 1);
  const test = varianceProblem(400, 4, 2);
  let fitted: SupportVectorClassifier | undefined;
  /** One default model shared by the tests that only read it (fitting is the slow part). */
  const base = (): SupportVectorClassifier => {
    fitted ??= new SupportVectorClassifier({ seed: 3 }).fit(train.X, train.y);
    return fitted;
  };

  it('solves a variance-difference problem (RBF) far above chance; linear kernel solves a linear one', () => {
    const m = base();
    expect(rocAuc(test.y, m.predictProba(test.X))).toBeGreaterThan(0.85);
    expect(rocAuc(test.y, m.predictMargin(test.X))).toBeGreaterThan(0.85);
    const lin = linearProblem(500, 3, 3);
    const linTest = linearProblem(400, 3, 4);
    const l = new SupportVectorClassifier({ kernel: 'linear' }).fit(lin.X, lin.y);
    expect(rocAuc(linTest.y, l.predictProba(linTest.X))).toBeGreaterThan(0.8);
  });

  it('gamma scale = 1 / (d var(X))', () => {
    const X = matrix(4, 2, Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    const m = new SupportVectorClassifier().fit(X, [0, 1, 0, 1]);
    // var of 0..7 = 5.25
    expect(Math.abs(m.gamma - 1 / (2 * 5.25))).toBeLessThan(1e-15);
  });

  it('same seed gives bit-identical models; round-trip predicts identically', () => {
    const a = base();
    const b = new SupportVectorClassifier({ seed: 3 }).fit(train.X, train.y);
    expect(Array.from(a.predictProba(test.X))).toEqual(Array.from(b.predictProba(test.X)));
    const r = svmSpec.fromState(JSON.parse(JSON.stringify(a.toState())), () => a);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(a.predictProba(test.X)));
  });

  it('explain: KernelSHAP in log-odds adds up to the Platt log-odds', () => {
    const m = base();
    const q = takeRows(test.X, [0, 1, 2]);
    const ex = m.explain(q, { background: takeRows(train.X, [0, 1, 2, 3, 4, 5, 6, 7]) });
    expect(ex.space).toBe('log-odds');
    const z = m.predictLogOdds(q);
    for (let i = 0; i < 3; i++) {
      let s = ex.base;
      for (let j = 0; j < 4; j++) s += ex.phi[i * 4 + j] as number;
      expect(Math.abs(s - (z[i] as number))).toBeLessThan(1e-10);
    }
  });

  it('the RBF coalition fast path gives the generic KernelSHAP values (tolerance 1e-9)', () => {
    const m = base();
    const q = takeRows(test.X, [3, 4]);
    const bg = takeRows(train.X, [10, 11, 12, 13, 14, 15]);
    const fast = m.explain(q, { background: bg });
    const generic = kernelShap((Z) => m.predictLogOdds(Z), q, bg, { space: 'log-odds' });
    expect(Math.abs(fast.base - generic.base)).toBeLessThan(1e-12);
    for (let k = 0; k < fast.phi.length; k++)
      expect(Math.abs((fast.phi[k] as number) - (generic.phi[k] as number))).toBeLessThan(1e-9);
  });

  it('reports errors', () => {
    expect(() => new SupportVectorClassifier({ C: -1 })).toThrow(/params\.C/);
    expect(() => new SupportVectorClassifier({ gamma: 'wide' as never })).toThrow(/params\.gamma/);
    expect(() => new SupportVectorClassifier().predictProba(test.X)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_NOT_FITTED' }),
    );
    const bad = train.X.data.slice();
    bad[5] = Number.NaN;
    expect(() => new SupportVectorClassifier().fit(matrix(600, 4, bad), train.y)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED' }),
    );
    expect(() => new SupportVectorClassifier().fit(train.X, new Uint8Array(600))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_ONE_CLASS' }),
    );
    const m = new SupportVectorClassifier().fit(
      takeRows(
        train.X,
        Array.from({ length: 100 }, (_, i) => i),
      ),
      train.y.subarray(0, 100),
    );
    expect(() => m.predictProba(matrix(2, 3))).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_SHAPE_MISMATCH' }),
    );
  });
});
