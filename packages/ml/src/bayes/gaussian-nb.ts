/**
 * Gaussian naive Bayes as scikit-learn's GaussianNB: per-class feature means and variances
 * (maximum-likelihood, sample-weighted), every variance increased by varSmoothing times the
 * largest feature variance over all rows (keeps constant features finite), class priors from the
 * (weighted) class frequencies. The margin is the log posterior odds; explanations are KernelSHAP
 * in that log-odds space (the model is additive in log-odds, so the exact mode's values equal
 * g_j(x_j) - E_background[g_j]).
 */
import { MlError } from '../errors.js';
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

export type GaussianNbParams = {
  readonly varSmoothing: number;
  /** Seed of the background sample kept for explanations. */
  readonly seed: number;
};

export const GAUSSIAN_NB_KIND = 'gaussian-nb';
const DEFAULTS: GaussianNbParams = { varSmoothing: 1e-9, seed: 0 };

function validate(p: Partial<GaussianNbParams> | undefined): GaussianNbParams {
  const m = mergeParams(GAUSSIAN_NB_KIND, DEFAULTS, p);
  checkNumber('varSmoothing', m.varSmoothing, { min: 0, max: 1e3 });
  checkNumber('seed', m.seed, { integer: true });
  return m;
}

export class GaussianNb implements Classifier {
  readonly kind = GAUSSIAN_NB_KIND;
  readonly params: GaussianNbParams;
  readonly handlesMissing = false;
  nFeatures = 0;
  /** Row c holds class c's feature means (2 x nFeatures, row-major). */
  theta: Float64Array = new Float64Array(0);
  /** Smoothed variances, same layout. */
  variance: Float64Array = new Float64Array(0);
  /** log P(class 1) - log P(class 0). */
  logPriorRatio = 0;
  private background: Matrix | undefined;

  constructor(params?: Partial<GaussianNbParams>) {
    this.params = validate(params);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: false, model: GAUSSIAN_NB_KIND });
    const sw = checkSampleWeight(options?.sampleWeight, X.nRows);
    const n = X.nRows;
    const d = X.nCols;
    let w0 = 0;
    let w1 = 0;
    for (let i = 0; i < n; i++) {
      const w = sw === undefined ? 1 : (sw[i] as number);
      if (labels[i] === 1) w1 += w;
      else w0 += w;
    }
    if (!(w0 > 0 && w1 > 0)) {
      throw new MlError('AQUAOPS_E_ML_ONE_CLASS', {
        argument: 'options.sampleWeight',
        expected: 'positive total weight in both classes',
        found: `class weights ${w0} and ${w1}`,
        fix: 'Give some weight to rows of each class.',
      });
    }
    const theta = new Float64Array(2 * d);
    const variance = new Float64Array(2 * d);
    let maxVar = 0;
    for (let j = 0; j < d; j++) {
      const off = j * n;
      let s0 = 0;
      let s1 = 0;
      let all = 0;
      for (let i = 0; i < n; i++) {
        const v = X.data[off + i] as number;
        const w = sw === undefined ? 1 : (sw[i] as number);
        if (labels[i] === 1) s1 += w * v;
        else s0 += w * v;
        all += v;
      }
      const m0 = s0 / w0;
      const m1 = s1 / w1;
      const mAll = all / n;
      let v0 = 0;
      let v1 = 0;
      let vAll = 0;
      for (let i = 0; i < n; i++) {
        const v = X.data[off + i] as number;
        const w = sw === undefined ? 1 : (sw[i] as number);
        if (labels[i] === 1) v1 += w * (v - m1) ** 2;
        else v0 += w * (v - m0) ** 2;
        vAll += (v - mAll) ** 2;
      }
      theta[j] = m0;
      theta[d + j] = m1;
      variance[j] = v0 / w0;
      variance[d + j] = v1 / w1;
      maxVar = Math.max(maxVar, vAll / n);
    }
    // sklearn's epsilon; a floor keeps a fully constant dataset from dividing by zero.
    const eps = Math.max(this.params.varSmoothing * maxVar, Number.MIN_VALUE * 1e10);
    for (let k = 0; k < 2 * d; k++) variance[k] = (variance[k] as number) + eps;
    this.nFeatures = d;
    this.theta = theta;
    this.variance = variance;
    this.logPriorRatio = Math.log(w1) - Math.log(w0);
    this.background = sampleBackground(X, undefined, this.params.seed);
    return this;
  }

  /** Log posterior odds log P(1|x) - log P(0|x). */
  predictMargin(X: Matrix): Float64Array {
    if (this.background === undefined) throw notFitted(GAUSSIAN_NB_KIND, 'predictMargin');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: GAUSSIAN_NB_KIND });
    const n = X.nRows;
    const d = this.nFeatures;
    const out = new Float64Array(n).fill(this.logPriorRatio);
    for (let j = 0; j < d; j++) {
      const m0 = this.theta[j] as number;
      const m1 = this.theta[d + j] as number;
      const v0 = this.variance[j] as number;
      const v1 = this.variance[d + j] as number;
      const c = -0.5 * (Math.log(v1) - Math.log(v0));
      const off = j * n;
      for (let i = 0; i < n; i++) {
        const x = X.data[off + i] as number;
        out[i] = (out[i] as number) + c - (0.5 * (x - m1) ** 2) / v1 + (0.5 * (x - m0) ** 2) / v0;
      }
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
    if (this.background === undefined) throw notFitted(GAUSSIAN_NB_KIND, 'explain');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: GAUSSIAN_NB_KIND });
    return kernelShap((Z) => this.predictMargin(Z), X, options?.background ?? this.background, {
      space: 'log-odds',
      ...explainOpts(options, this.params.seed),
    });
  }

  toState(): ModelState {
    if (this.background === undefined) throw notFitted(GAUSSIAN_NB_KIND, 'toState');
    return {
      kind: GAUSSIAN_NB_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        theta: Array.from(this.theta),
        variance: Array.from(this.variance),
        logPriorRatio: this.logPriorRatio,
        background: backgroundToJson(this.background),
      },
    };
  }

  static fromState(s: ModelState): GaussianNb {
    const o = stateObject(s, GAUSSIAN_NB_KIND);
    const m: GaussianNb = restoreParams(GAUSSIAN_NB_KIND, () => new GaussianNb(s.params as Partial<GaussianNbParams>));
    const d = stateNumber(GAUSSIAN_NB_KIND, o, 'nFeatures', true);
    m.nFeatures = d;
    m.theta = stateFloats(GAUSSIAN_NB_KIND, o, 'theta', 2 * d);
    m.variance = stateFloats(GAUSSIAN_NB_KIND, o, 'variance', 2 * d);
    for (let k = 0; k < 2 * d; k++)
      if (!((m.variance[k] as number) > 0))
        throw formatError(GAUSSIAN_NB_KIND, `variance[${k}]`, 'a positive number', String(m.variance[k]));
    m.logPriorRatio = stateNumber(GAUSSIAN_NB_KIND, o, 'logPriorRatio');
    m.background = backgroundFromJson(o.background, d, GAUSSIAN_NB_KIND);
    return m;
  }
}

const SEARCH: Record<string, ParamRange> = {
  varSmoothing: { type: 'float', min: 1e-12, max: 1e-2, log: true },
};

export const gaussianNbSpec: ModelSpec<GaussianNbParams> = {
  kind: GAUSSIAN_NB_KIND,
  label: 'Gaussian naive Bayes',
  defaults: DEFAULTS,
  searchSpace: SEARCH,
  create: (params) => new GaussianNb(params),
  fromState: (state) => GaussianNb.fromState(state),
};
