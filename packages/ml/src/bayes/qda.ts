/**
 * Quadratic discriminant analysis as scikit-learn's QuadraticDiscriminantAnalysis: one Gaussian
 * per class with its own full covariance, regularised as (1 - regParam) * Sigma_c + regParam * I
 * (Sigma_c the unbiased sample covariance), priors from class frequencies. The class log
 * densities use a Cholesky factor (log-det = 2 sum log L_ii, Mahalanobis term by a triangular
 * solve); probabilities are the softmax of the two log posteriors (a sigmoid of their
 * difference, computed without overflow). The water data's signal is largely a difference in
 * class-wise spread, which QDA models directly. Explanations: KernelSHAP in log-odds.
 */
import { invalidArgument } from '../errors.js';
import { checkFitInput, checkPredictInput, type Matrix } from '../matrix.js';
import type {
  Classifier,
  Explanation,
  ExplainOptions,
  FitOptions,
  ModelSpec,
  ModelState,
  ParamRange,
} from '../model.js';
import { backgroundFromJson, backgroundToJson, kernelShap, sampleBackground } from '../explain/kernel-shap.js';
import {
  checkNumber,
  checkSampleWeight,
  formatError,
  mergeParams,
  notFitted,
  sigmoid,
  stateFloats,
  stateNumber,
  stateObject,
  restoreParams,
  explainOpts,
} from '../explain/support.js';

export type QdaParams = {
  /** Shrinks each class covariance towards the identity: (1 - r) Sigma + r I, r in [0, 1]. */
  readonly regParam: number;
  readonly seed: number;
};

export const QDA_KIND = 'qda';
const DEFAULTS: QdaParams = { regParam: 0, seed: 0 };

function validate(p: Partial<QdaParams> | undefined): QdaParams {
  const m = mergeParams(QDA_KIND, DEFAULTS, p);
  checkNumber('regParam', m.regParam, { min: 0, max: 1 });
  checkNumber('seed', m.seed, { integer: true });
  return m;
}

/** In-place lower Cholesky factor of a row-major d x d matrix; false when not positive definite. */
function choleskyInPlace(A: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j] as number;
    for (let k = 0; k < j; k++) s -= (A[j * d + k] as number) ** 2;
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const l = Math.sqrt(s);
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j] as number;
      for (let k = 0; k < j; k++) t -= (A[i * d + k] as number) * (A[j * d + k] as number);
      A[i * d + j] = t / l;
    }
    for (let k = j + 1; k < d; k++) A[j * d + k] = 0;
  }
  return true;
}

export class Qda implements Classifier {
  readonly kind = QDA_KIND;
  readonly params: QdaParams;
  readonly handlesMissing = false;
  nFeatures = 0;
  /** Class means, 2 x d row-major. */
  means: Float64Array = new Float64Array(0);
  /** Cholesky factors of the regularised covariances, 2 blocks of d x d (row-major, lower). */
  chol: Float64Array = new Float64Array(0);
  /** log prior_c - 1/2 log det Sigma_c, per class. */
  offset: Float64Array = new Float64Array(2);
  private background: Matrix | undefined;

  constructor(params?: Partial<QdaParams>) {
    this.params = validate(params);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: false, model: QDA_KIND });
    const sw = checkSampleWeight(options?.sampleWeight, X.nRows);
    const n = X.nRows;
    const d = X.nCols;
    const r = this.params.regParam;
    const means = new Float64Array(2 * d);
    const chol = new Float64Array(2 * d * d);
    const offset = new Float64Array(2);
    const wc = new Float64Array(2);
    for (let i = 0; i < n; i++)
      wc[labels[i] as number] = (wc[labels[i] as number] as number) + (sw === undefined ? 1 : (sw[i] as number));
    const total = (wc[0] as number) + (wc[1] as number);
    for (let c = 0; c < 2; c++) {
      const W = wc[c] as number;
      if (!(W > 1)) {
        throw invalidArgument(
          'y',
          `more than one row (total weight > 1) of class ${c} to estimate its covariance`,
          `total weight ${W}`,
          'Add rows of that class or use a model that needs no per-class covariance (e.g. gaussian-nb).',
        );
      }
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let i = 0; i < n; i++)
          if (labels[i] === c) s += (sw === undefined ? 1 : (sw[i] as number)) * (X.data[j * n + i] as number);
        means[c * d + j] = s / W;
      }
      const base = c * d * d;
      for (let a = 0; a < d; a++) {
        const ma = means[c * d + a] as number;
        for (let b = 0; b <= a; b++) {
          const mb = means[c * d + b] as number;
          let s = 0;
          for (let i = 0; i < n; i++) {
            if (labels[i] !== c) continue;
            const w = sw === undefined ? 1 : (sw[i] as number);
            s += w * ((X.data[a * n + i] as number) - ma) * ((X.data[b * n + i] as number) - mb);
          }
          const cov = ((1 - r) * s) / (W - 1) + (a === b ? r : 0);
          chol[base + a * d + b] = cov;
          chol[base + b * d + a] = cov;
        }
      }
      const block = chol.subarray(base, base + d * d);
      if (!choleskyInPlace(block, d)) {
        throw invalidArgument(
          'params.regParam',
          `a class-${c} covariance that is positive definite`,
          `a singular covariance with regParam = ${r} (collinear or constant features)`,
          'Increase regParam (e.g. 0.01-0.1) or remove collinear/constant features.',
        );
      }
      let logDet = 0;
      for (let j = 0; j < d; j++) logDet += 2 * Math.log(block[j * d + j] as number);
      offset[c] = Math.log(W / total) - 0.5 * logDet;
    }
    this.nFeatures = d;
    this.means = means;
    this.chol = chol;
    this.offset = offset;
    this.background = sampleBackground(X, undefined, this.params.seed);
    return this;
  }

  /** Log posterior odds log P(1|x) - log P(0|x). */
  predictMargin(X: Matrix): Float64Array {
    if (this.background === undefined) throw notFitted(QDA_KIND, 'predictMargin');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: QDA_KIND });
    const n = X.nRows;
    const d = this.nFeatures;
    const out = new Float64Array(n);
    const z = new Float64Array(d);
    const L = this.chol;
    for (let i = 0; i < n; i++) {
      let ll1 = 0;
      let ll0 = 0;
      for (let c = 0; c < 2; c++) {
        const base = c * d * d;
        let maha = 0;
        for (let a = 0; a < d; a++) {
          let s = (X.data[a * n + i] as number) - (this.means[c * d + a] as number);
          for (let k = 0; k < a; k++) s -= (L[base + a * d + k] as number) * (z[k] as number);
          const v = s / (L[base + a * d + a] as number);
          z[a] = v;
          maha += v * v;
        }
        const ll = (this.offset[c] as number) - 0.5 * maha;
        if (c === 0) ll0 = ll;
        else ll1 = ll;
      }
      out[i] = ll1 - ll0;
    }
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    const m = this.predictMargin(X);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i] as number);
    return m;
  }

  /** KernelSHAP in log-odds against the background sample kept at fit time. */
  explain(X: Matrix, options?: ExplainOptions): Explanation {
    if (this.background === undefined) throw notFitted(QDA_KIND, 'explain');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: QDA_KIND });
    return kernelShap((Z) => this.predictMargin(Z), X, options?.background ?? this.background, {
      space: 'log-odds',
      ...explainOpts(options, this.params.seed),
    });
  }

  toState(): ModelState {
    if (this.background === undefined) throw notFitted(QDA_KIND, 'toState');
    return {
      kind: QDA_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        means: Array.from(this.means),
        chol: Array.from(this.chol),
        offset: Array.from(this.offset),
        background: backgroundToJson(this.background),
      },
    };
  }

  static fromState(s: ModelState): Qda {
    const o = stateObject(s, QDA_KIND);
    const m: Qda = restoreParams(QDA_KIND, () => new Qda(s.params as Partial<QdaParams>));
    const d = stateNumber(QDA_KIND, o, 'nFeatures', true);
    m.nFeatures = d;
    m.means = stateFloats(QDA_KIND, o, 'means', 2 * d);
    m.chol = stateFloats(QDA_KIND, o, 'chol', 2 * d * d);
    for (let c = 0; c < 2; c++)
      for (let j = 0; j < d; j++)
        if (!((m.chol[c * d * d + j * d + j] as number) > 0))
          throw formatError(
            QDA_KIND,
            'chol',
            'a Cholesky factor with a positive diagonal',
            'a non-positive diagonal entry',
          );
    m.offset = stateFloats(QDA_KIND, o, 'offset', 2);
    m.background = backgroundFromJson(o.background, d, QDA_KIND);
    return m;
  }
}

const SEARCH: Record<string, ParamRange> = {
  regParam: { type: 'float', min: 0, max: 0.5 },
};

export const qdaSpec: ModelSpec<QdaParams> = {
  kind: QDA_KIND,
  label: 'Quadratic discriminant analysis',
  defaults: DEFAULTS,
  searchSpace: SEARCH,
  create: (params) => new Qda(params),
  fromState: (state) => Qda.fromState(state),
};
