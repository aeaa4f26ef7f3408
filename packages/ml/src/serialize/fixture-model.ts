/**
 * Test fixture (not exported from the package): a small but complete classifier — a
 * nearest-centroid logistic model, margin = w·x + b with w = (mean₁ − mean₀)·scale — used by
 * the core tests to exercise pipelines, calibration and serialisation without depending on the
 * model families other modules provide. Its explanation is exact linear SHAP in log-odds space.
 */
import { checkFitInput, checkPredictInput, type Matrix } from '../matrix.js';
import type { Classifier, Explanation, ModelSpec, ModelState } from '../model.js';

export type CentroidParams = { readonly scale: number };

export class CentroidModel implements Classifier {
  readonly kind = 'test-centroid';
  readonly params: CentroidParams;
  readonly handlesMissing = false;
  w = new Float64Array(0);
  b = 0;
  /** Training feature means (the linear SHAP reference). */
  mu = new Float64Array(0);

  constructor(params: Partial<CentroidParams> = {}) {
    this.params = { scale: params.scale ?? 1 };
  }

  get nFeatures(): number {
    return this.w.length;
  }

  fit(X: Matrix, y: ArrayLike<number>): this {
    const labels = checkFitInput(X, y, { allowMissing: false, model: this.kind });
    const p = X.nCols;
    const m0 = new Float64Array(p);
    const m1 = new Float64Array(p);
    let n1 = 0;
    for (let i = 0; i < X.nRows; i++) n1 += labels[i] as number;
    const n0 = X.nRows - n1;
    for (let j = 0; j < p; j++) {
      for (let i = 0; i < X.nRows; i++) {
        const v = X.data[j * X.nRows + i] as number;
        if (labels[i] === 1) m1[j] = (m1[j] as number) + v / n1;
        else m0[j] = (m0[j] as number) + v / n0;
      }
    }
    this.w = new Float64Array(p);
    this.mu = new Float64Array(p);
    let b = 0;
    for (let j = 0; j < p; j++) {
      const w = ((m1[j] as number) - (m0[j] as number)) * this.params.scale;
      this.w[j] = w;
      this.mu[j] = ((m1[j] as number) * n1 + (m0[j] as number) * n0) / X.nRows;
      b -= (w * ((m1[j] as number) + (m0[j] as number))) / 2;
    }
    this.b = b;
    return this;
  }

  predictMargin(X: Matrix): Float64Array {
    checkPredictInput(X, this.w.length, { allowMissing: false, model: this.kind });
    const out = new Float64Array(X.nRows).fill(this.b);
    for (let j = 0; j < X.nCols; j++) {
      const w = this.w[j] as number;
      for (let i = 0; i < X.nRows; i++) out[i] = (out[i] as number) + w * (X.data[j * X.nRows + i] as number);
    }
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    return this.predictMargin(X).map((m) => 1 / (1 + Math.exp(-m)));
  }

  explain(X: Matrix): Explanation {
    const output = this.predictMargin(X);
    const p = X.nCols;
    const phi = new Float64Array(X.nRows * p);
    let base = this.b;
    for (let j = 0; j < p; j++) base += (this.w[j] as number) * (this.mu[j] as number);
    for (let i = 0; i < X.nRows; i++) {
      for (let j = 0; j < p; j++) {
        phi[i * p + j] = (this.w[j] as number) * ((X.data[j * X.nRows + i] as number) - (this.mu[j] as number));
      }
    }
    return { space: 'log-odds', method: 'linear-shap', base, phi, nRows: X.nRows, nFeatures: p, output };
  }

  toState(): ModelState {
    return {
      kind: this.kind,
      params: this.params,
      state: { w: Array.from(this.w), b: this.b, mu: Array.from(this.mu) },
    };
  }
}

export const centroidSpec: ModelSpec<CentroidParams> = {
  kind: 'test-centroid',
  label: 'Nearest-centroid (test fixture)',
  defaults: { scale: 1 },
  create: (params) => new CentroidModel(params),
  fromState(s: ModelState): Classifier {
    const st = s.state as { w: number[]; b: number; mu: number[] };
    const m = new CentroidModel(s.params as Partial<CentroidParams>);
    m.w = Float64Array.from(st.w);
    m.b = st.b;
    m.mu = Float64Array.from(st.mu);
    return m;
  },
};
