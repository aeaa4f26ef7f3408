import { checkFitInput, checkPredictInput, type Matrix, matrix } from '../matrix.js';
import type {
  Classifier,
  Explanation,
  ExplainOptions,
  FitOptions,
  ModelSpec,
  ModelState,
  ParamRange,
} from '../model.js';
import {
  checkChoice,
  checkNumber,
  checkSampleWeight,
  mergeParams,
  notFitted,
  sigmoid,
  softplus,
  stateFloats,
  stateNumber,
  stateObject,
  restoreParams,
} from '../explain/support.js';

export type LogisticParams = {
  /** Inverse regularisation strength (as scikit-learn's C). */
  readonly C: number;
  readonly penalty: 'l2' | 'l1' | 'none';
  readonly maxIter: number;
  /** Convergence tolerance on the max-abs (pseudo-)gradient of the scaled objective. */
  readonly tol: number;
  readonly fitIntercept: boolean;
  /** L-BFGS history length. */
  readonly memory: number;
};

export const LOGISTIC_KIND = 'logistic-regression';

const DEFAULTS: LogisticParams = { C: 1, penalty: 'l2', maxIter: 1000, tol: 1e-8, fitIntercept: true, memory: 10 };

function validate(p: Partial<LogisticParams> | undefined): LogisticParams {
  const m = mergeParams(LOGISTIC_KIND, DEFAULTS, p);
  checkNumber('C', m.C, { min: 0, exclusiveMin: true });
  checkChoice('penalty', m.penalty, ['l2', 'l1', 'none'] as const);
  checkNumber('maxIter', m.maxIter, { min: 1, integer: true });
  checkNumber('tol', m.tol, { min: 0, exclusiveMin: true });
  checkChoice('fitIntercept', m.fitIntercept, [true, false]);
  checkNumber('memory', m.memory, { min: 1, max: 100, integer: true });
  return m;
}

export interface LogisticFitInfo {
  readonly iterations: number;
  readonly converged: boolean;
  /** Final max-abs (pseudo-)gradient of the scaled objective. */
  readonly gradNorm: number;
}

/**
 * The scaled objective F(theta) = (sum_i s_i loss_i + penalty / C) / S for theta = [w..., b],
 * S = total weight. Returns the smooth part's value and writes its gradient; the L1 term is
 * handled by the optimiser.
 */
function smoothObjective(
  X: Matrix,
  y: Uint8Array,
  sw: Float64Array | undefined,
  theta: Float64Array,
  l2: Float64Array,
  grad: Float64Array,
  margin: Float64Array,
): number {
  const n = X.nRows;
  const d = X.nCols;
  const b = theta[d] as number;
  margin.fill(b);
  for (let j = 0; j < d; j++) {
    const wj = theta[j] as number;
    if (wj === 0) continue;
    const off = j * n;
    for (let i = 0; i < n; i++) margin[i] = (margin[i] as number) + wj * (X.data[off + i] as number);
  }
  let loss = 0;
  // margin is reused to hold the per-row residual weight s_i (p_i - y_i).
  for (let i = 0; i < n; i++) {
    const m = margin[i] as number;
    const s = sw === undefined ? 1 : (sw[i] as number);
    const yi = y[i] as number;
    loss += s * softplus(yi === 1 ? -m : m);
    margin[i] = s * (sigmoid(m) - yi);
  }
  let gb = 0;
  for (let i = 0; i < n; i++) gb += margin[i] as number;
  grad[d] = gb;
  let pen = 0;
  for (let j = 0; j < d; j++) {
    const off = j * n;
    let g = 0;
    for (let i = 0; i < n; i++) g += (margin[i] as number) * (X.data[off + i] as number);
    const wj = theta[j] as number;
    const lj = l2[j] as number;
    grad[j] = g + lj * wj;
    pen += lj * wj * wj;
  }
  return loss + 0.5 * pen;
}

/**
 * Fits theta = [w..., b] by L-BFGS (no L1) or OWL-QN (some l1_j > 0), with per-feature penalty
 * weights. The objective is unscaled; `tol` applies to max |pseudo-gradient| / scale.
 */
export function minimiseLogistic(
  X: Matrix,
  y: Uint8Array,
  sw: Float64Array | undefined,
  opts: {
    l2: Float64Array;
    l1: Float64Array;
    fitIntercept: boolean;
    maxIter: number;
    tol: number;
    memory: number;
    scale: number;
  },
): { theta: Float64Array; info: LogisticFitInfo } {
  const d = X.nCols;
  const n = d + 1;
  const nPen = d; // the intercept (index d) is never penalised
  const theta = new Float64Array(n);
  const g = new Float64Array(n);
  const margin = new Float64Array(X.nRows);
  const { l1, l2, memory } = opts;
  let anyL1 = false;
  for (let j = 0; j < nPen; j++) if ((l1[j] as number) > 0) anyL1 = true;
  const fixB = !opts.fitIntercept;
  const evalF = (t: Float64Array, gr: Float64Array): number => {
    let v = smoothObjective(X, y, sw, t, l2, gr, margin);
    if (fixB) gr[d] = 0;
    if (anyL1) for (let j = 0; j < nPen; j++) v += (l1[j] as number) * Math.abs(t[j] as number);
    return v;
  };
  const pseudo = (t: Float64Array, gr: Float64Array, pg: Float64Array): number => {
    let mx = 0;
    for (let j = 0; j < n; j++) {
      const gj = gr[j] as number;
      let v = gj;
      const lj = j < nPen ? (l1[j] as number) : 0;
      if (lj > 0) {
        const tj = t[j] as number;
        if (tj > 0) v = gj + lj;
        else if (tj < 0) v = gj - lj;
        else if (gj + lj < 0) v = gj + lj;
        else if (gj - lj > 0) v = gj - lj;
        else v = 0;
      }
      pg[j] = v;
      mx = Math.max(mx, Math.abs(v));
    }
    return mx / opts.scale;
  };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const pg = new Float64Array(n);
  const dir = new Float64Array(n);
  const alpha = new Float64Array(memory);
  const tNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let f = evalF(theta, g);
  let gradNorm = pseudo(theta, g, pg);
  let it = 0;
  let stalled = 0;
  let converged = gradNorm < opts.tol;
  while (!converged && it < opts.maxIter) {
    it++;
    // Two-loop recursion on the pseudo-gradient.
    for (let j = 0; j < n; j++) dir[j] = -(pg[j] as number);
    const k = S.length;
    for (let h = k - 1; h >= 0; h--) {
      const s = S[h] as Float64Array;
      const yv = Y[h] as Float64Array;
      let a = 0;
      for (let j = 0; j < n; j++) a += (s[j] as number) * (dir[j] as number);
      a *= rho[h] as number;
      alpha[h] = a;
      for (let j = 0; j < n; j++) dir[j] = (dir[j] as number) - a * (yv[j] as number);
    }
    if (k > 0) {
      const s = S[k - 1] as Float64Array;
      const yv = Y[k - 1] as Float64Array;
      let sy = 0;
      let yy = 0;
      for (let j = 0; j < n; j++) {
        sy += (s[j] as number) * (yv[j] as number);
        yy += (yv[j] as number) ** 2;
      }
      const gamma = sy / yy;
      for (let j = 0; j < n; j++) dir[j] = (dir[j] as number) * gamma;
    } else {
      // First step: a unit-length move along the steepest descent direction.
      let nrm = 0;
      for (let j = 0; j < n; j++) nrm += (dir[j] as number) ** 2;
      const sc = 1 / Math.max(1, Math.sqrt(nrm));
      for (let j = 0; j < n; j++) dir[j] = (dir[j] as number) * sc;
    }
    for (let h = 0; h < k; h++) {
      const s = S[h] as Float64Array;
      const yv = Y[h] as Float64Array;
      let bta = 0;
      for (let j = 0; j < n; j++) bta += (yv[j] as number) * (dir[j] as number);
      bta *= rho[h] as number;
      const c = (alpha[h] as number) - bta;
      for (let j = 0; j < n; j++) dir[j] = (dir[j] as number) + c * (s[j] as number);
    }
    if (fixB) dir[d] = 0;
    if (anyL1) {
      // OWL-QN: keep only direction components that agree with the steepest pseudo-descent.
      for (let j = 0; j < nPen; j++)
        if ((l1[j] as number) > 0 && (dir[j] as number) * (pg[j] as number) >= 0) dir[j] = 0;
    }
    let dg = 0;
    for (let j = 0; j < n; j++) dg += (dir[j] as number) * (pg[j] as number);
    if (!(dg < 0)) {
      // Not a descent direction (stale curvature): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let j = 0; j < n; j++) dir[j] = -(pg[j] as number);
      dg = 0;
      for (let j = 0; j < n; j++) dg += (dir[j] as number) * (pg[j] as number);
      if (!(dg < 0)) break;
    }
    // Backtracking (Armijo) line search, projected onto the current orthant for L1.
    let step = 1;
    let fNew = f;
    let accepted = false;
    for (let ls = 0; ls < 60; ls++) {
      for (let j = 0; j < n; j++) tNew[j] = (theta[j] as number) + step * (dir[j] as number);
      if (anyL1) {
        for (let j = 0; j < nPen; j++) {
          if ((l1[j] as number) === 0) continue;
          const tj = theta[j] as number;
          const orth = tj !== 0 ? Math.sign(tj) : -Math.sign(pg[j] as number);
          if ((tNew[j] as number) * orth <= 0) tNew[j] = 0;
        }
      }
      fNew = evalF(tNew, gNew);
      let decr = 0;
      for (let j = 0; j < n; j++) decr += (pg[j] as number) * ((tNew[j] as number) - (theta[j] as number));
      if (fNew <= f + 1e-4 * decr) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break; // at the limit of floating-point precision
    const s = new Float64Array(n);
    const yv = new Float64Array(n);
    let sy = 0;
    for (let j = 0; j < n; j++) {
      s[j] = (tNew[j] as number) - (theta[j] as number);
      yv[j] = (gNew[j] as number) - (g[j] as number);
      sy += (s[j] as number) * (yv[j] as number);
    }
    theta.set(tNew);
    g.set(gNew);
    const fOld = f;
    f = fNew;
    if (sy > 1e-16) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
    }
    gradNorm = pseudo(theta, g, pg);
    if (gradNorm < opts.tol) converged = true;
    else if (fOld - f <= 1e-15 * Math.max(1, Math.abs(f))) {
      if (++stalled >= 5) break; // no measurable progress left at double precision
    } else stalled = 0;
  }
  return { theta, info: { iterations: it, converged, gradNorm } };
}

export class LogisticRegression implements Classifier {
  readonly kind = LOGISTIC_KIND;
  readonly params: LogisticParams;
  readonly handlesMissing = false;
  nFeatures = 0;
  /** Coefficients per feature. */
  coef: Float64Array = new Float64Array(0);
  intercept = 0;
  /** Training means of the features (reference point of the linear SHAP values). */
  means: Float64Array = new Float64Array(0);
  fitInfo: LogisticFitInfo | undefined;
  private fitted = false;

  constructor(params?: Partial<LogisticParams>) {
    this.params = validate(params);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: false, model: LOGISTIC_KIND });
    const sw = checkSampleWeight(options?.sampleWeight, X.nRows);
    let total = 0;
    for (let i = 0; i < X.nRows; i++) total += sw === undefined ? 1 : (sw[i] as number);
    const p = this.params;
    const invC = 1 / p.C;
    const n = X.nRows;
    const d = X.nCols;
    // Optimise on standardised features (raw lab values span 1e0..1e4, which would make the
    // problem badly conditioned); the penalty is reweighted so the optimum is the same.
    const mean = new Float64Array(d);
    const sd = new Float64Array(d);
    const Z = new Float64Array(n * d);
    const l2 = new Float64Array(d);
    const l1 = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const off = j * n;
      let m = 0;
      for (let i = 0; i < n; i++) m += X.data[off + i] as number;
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += ((X.data[off + i] as number) - m) ** 2;
      const s = Math.sqrt(v / n) || 1;
      mean[j] = m;
      sd[j] = s;
      for (let i = 0; i < n; i++) Z[off + i] = ((X.data[off + i] as number) - m) / s;
      // w_j = w'_j / s_j, so w_j^2 / C = w'_j^2 / (C s_j^2) and |w_j| / C = |w'_j| / (C s_j).
      if (p.penalty === 'l2') l2[j] = invC / (s * s);
      if (p.penalty === 'l1') l1[j] = invC / s;
    }
    // Without an intercept, centring would change the model: keep the raw features then.
    const useZ = p.fitIntercept;
    if (!useZ) {
      Z.set(X.data);
      mean.fill(0);
      sd.fill(1);
      if (p.penalty === 'l2') l2.fill(invC);
      if (p.penalty === 'l1') l1.fill(invC);
    }
    const { theta, info } = minimiseLogistic(matrix(n, d, Z), labels, sw, {
      l2,
      l1,
      fitIntercept: p.fitIntercept,
      maxIter: p.maxIter,
      tol: p.tol,
      memory: p.memory,
      scale: total,
    });
    this.nFeatures = d;
    this.coef = new Float64Array(d);
    let b = theta[d] as number;
    for (let j = 0; j < d; j++) {
      const w = (theta[j] as number) / (sd[j] as number);
      this.coef[j] = w;
      b -= w * (mean[j] as number);
    }
    this.intercept = b;
    this.means = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < X.nRows; i++) s += X.data[j * X.nRows + i] as number;
      this.means[j] = s / X.nRows;
    }
    this.fitInfo = info;
    this.fitted = true;
    options?.onProgress?.({ stage: 'lbfgs', done: info.iterations, total: info.iterations });
    return this;
  }

  predictMargin(X: Matrix): Float64Array {
    if (!this.fitted) throw notFitted(LOGISTIC_KIND, 'predictMargin');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: LOGISTIC_KIND });
    const n = X.nRows;
    const out = new Float64Array(n).fill(this.intercept);
    for (let j = 0; j < this.nFeatures; j++) {
      const w = this.coef[j] as number;
      const off = j * n;
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + w * (X.data[off + i] as number);
    }
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    const m = this.predictMargin(X);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i] as number);
    return m;
  }

  /** Exact linear SHAP in log-odds; `options` (background, nSamples) do not apply. */
  explain(X: Matrix, _options?: ExplainOptions): Explanation {
    const output = this.predictMargin(X);
    const d = this.nFeatures;
    const n = X.nRows;
    let base = this.intercept;
    for (let j = 0; j < d; j++) base += (this.coef[j] as number) * (this.means[j] as number);
    const phi = new Float64Array(n * d);
    for (let j = 0; j < d; j++) {
      const w = this.coef[j] as number;
      const mu = this.means[j] as number;
      for (let i = 0; i < n; i++) phi[i * d + j] = w * ((X.data[j * n + i] as number) - mu);
    }
    return { space: 'log-odds', method: 'linear-shap', base, phi, nRows: n, nFeatures: d, output };
  }

  toState(): ModelState {
    if (!this.fitted) throw notFitted(LOGISTIC_KIND, 'toState');
    return {
      kind: LOGISTIC_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        coef: Array.from(this.coef),
        intercept: this.intercept,
        means: Array.from(this.means),
      },
    };
  }

  static fromState(s: ModelState): LogisticRegression {
    const o = stateObject(s, LOGISTIC_KIND);
    const m: LogisticRegression = restoreParams(
      LOGISTIC_KIND,
      () => new LogisticRegression(s.params as Partial<LogisticParams>),
    );
    const d = stateNumber(LOGISTIC_KIND, o, 'nFeatures', true);
    m.nFeatures = d;
    m.coef = stateFloats(LOGISTIC_KIND, o, 'coef', d);
    m.intercept = stateNumber(LOGISTIC_KIND, o, 'intercept');
    m.means = stateFloats(LOGISTIC_KIND, o, 'means', d);
    m.fitted = true;
    return m;
  }
}

const SEARCH: Record<string, ParamRange> = {
  C: { type: 'float', min: 1e-3, max: 1e3, log: true },
  penalty: { type: 'choice', values: ['l2', 'l1'] },
};

export const logisticRegressionSpec: ModelSpec<LogisticParams> = {
  kind: LOGISTIC_KIND,
  label: 'Logistic regression',
  defaults: DEFAULTS,
  searchSpace: SEARCH,
  create: (params) => new LogisticRegression(params),
  fromState: (state) => LogisticRegression.fromState(state),
};
