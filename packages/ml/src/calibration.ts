/**
 * Probability calibration. `PlattCalibrator` fits p = sigmoid(a·s + b) to scores by Newton's
 * method with backtracking on Platt's prior-corrected targets (the algorithm of Lin, Lin &
 * Weng 2007, as in libsvm). `IsotonicCalibrator` fits a monotone non-decreasing step function by
 * pool-adjacent-violators and interpolates linearly between its breakpoints, clipping outside
 * the fitted range (scikit-learn's `IsotonicRegression(out_of_bounds='clip')`).
 * `CalibratedClassifier` wraps any classifier: the calibrator is fitted on out-of-fold scores
 * of k fresh copies of the inner model (never on scores of rows the scorer was trained on),
 * then the inner model is refitted on all rows.
 */
import { MlError, invalidArgument } from './errors.js';
import { checkFitInput, type Matrix, takeLabels, takeRows } from './matrix.js';
import { checkBinaryInput } from './metrics/validate.js';
import type { Classifier, ExplainOptions, Explanation, FitOptions, ModelSpec, ModelState } from './model.js';
import type { ComponentConfig } from './preprocess/pipeline.js';
import { stratifiedKFold } from './split.js';

export type CalibrationMethod = 'platt' | 'isotonic';

export interface CalibratorState {
  readonly kind: CalibrationMethod;
  readonly state: Readonly<Record<string, unknown>>;
}

/** A fitted map from raw scores to calibrated probabilities. */
export interface Calibrator {
  readonly kind: CalibrationMethod;
  fit(score: ArrayLike<number>, y: ArrayLike<number>): this;
  predict(score: ArrayLike<number>): Float64Array;
  toState(): CalibratorState;
}

function notFitted(what: string): MlError {
  return new MlError('AQUAOPS_E_ML_NOT_FITTED', {
    argument: what,
    expected: 'a fitted calibrator',
    found: 'an unfitted one',
    fix: 'Call fit() with out-of-fold scores and labels first.',
  });
}

function formatError(field: string, expected: string, found: unknown): MlError {
  return new MlError('AQUAOPS_E_MODEL_FORMAT', {
    argument: `calibration state.${field}`,
    expected,
    found: JSON.stringify(found) ?? 'nothing',
    fix: 'The saved model is corrupt or from an incompatible version; retrain and save it again.',
  });
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export class PlattCalibrator implements Calibrator {
  readonly kind = 'platt';
  /** Slope and intercept: p = sigmoid(a·score + b). */
  a = Number.NaN;
  b = Number.NaN;

  fit(score: ArrayLike<number>, y: ArrayLike<number>): this {
    const labels = checkBinaryInput(y, score);
    const n = labels.length;
    let nPos = 0;
    for (let i = 0; i < n; i++) nPos += labels[i] as number;
    const nNeg = n - nPos;
    // Platt's targets keep the fit from becoming infinitely steep on separable scores.
    const hi = (nPos + 1) / (nPos + 2);
    const lo = 1 / (nNeg + 2);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = labels[i] === 1 ? hi : lo;
    // Work in Platt's parameterisation P(y=1) = 1 / (1 + exp(A·f + B)).
    let A = 0;
    let B = Math.log((nNeg + 1) / (nPos + 1));
    const objective = (a: number, b: number): number => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const z = (score[i] as number) * a + b;
        const ti = t[i] as number;
        f += z >= 0 ? ti * z + Math.log1p(Math.exp(-z)) : (ti - 1) * z + Math.log1p(Math.exp(z));
      }
      return f;
    };
    let fval = objective(A, B);
    for (let iter = 0; iter < 100; iter++) {
      let h11 = 1e-12;
      let h22 = 1e-12;
      let h21 = 0;
      let g1 = 0;
      let g2 = 0;
      for (let i = 0; i < n; i++) {
        const f = score[i] as number;
        const z = f * A + B;
        const p = sigmoid(-z);
        const d2 = p * (1 - p);
        h11 += f * f * d2;
        h22 += d2;
        h21 += f * d2;
        const d1 = (t[i] as number) - p;
        g1 += f * d1;
        g2 += d1;
      }
      if (Math.abs(g1) < 1e-5 && Math.abs(g2) < 1e-5) break;
      const det = h11 * h22 - h21 * h21;
      const dA = -(h22 * g1 - h21 * g2) / det;
      const dB = -(-h21 * g1 + h11 * g2) / det;
      const gd = g1 * dA + g2 * dB;
      let step = 1;
      let accepted = false;
      while (step >= 1e-10) {
        const nA = A + step * dA;
        const nB = B + step * dB;
        const nf = objective(nA, nB);
        if (nf < fval + 1e-4 * step * gd) {
          A = nA;
          B = nB;
          fval = nf;
          accepted = true;
          break;
        }
        step /= 2;
      }
      if (!accepted) break;
    }
    this.a = -A;
    this.b = -B;
    return this;
  }

  predict(score: ArrayLike<number>): Float64Array {
    if (Number.isNaN(this.a)) throw notFitted('platt');
    const out = new Float64Array(score.length);
    for (let i = 0; i < score.length; i++) out[i] = sigmoid(this.a * (score[i] as number) + this.b);
    return out;
  }

  toState(): CalibratorState {
    if (Number.isNaN(this.a)) throw notFitted('platt');
    return { kind: 'platt', state: { a: this.a, b: this.b } };
  }
}

export class IsotonicCalibrator implements Calibrator {
  readonly kind = 'isotonic';
  /** Breakpoints: increasing scores and the non-decreasing probabilities fitted there. */
  x = new Float64Array(0);
  y = new Float64Array(0);

  fit(score: ArrayLike<number>, yTrue: ArrayLike<number>): this {
    const labels = checkBinaryInput(yTrue, score);
    const n = labels.length;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (i, j) => (score[i] as number) - (score[j] as number) || i - j,
    );
    // Tied scores first become one point (their mean label, weighted by count).
    const ux: number[] = [];
    const uy: number[] = [];
    const uw: number[] = [];
    for (const i of order) {
      const s = score[i] as number;
      const last = ux.length - 1;
      if (last >= 0 && ux[last] === s) {
        uy[last] = (uy[last] as number) + (labels[i] as number);
        uw[last] = (uw[last] as number) + 1;
      } else {
        ux.push(s);
        uy.push(labels[i] as number);
        uw.push(1);
      }
    }
    // Pool adjacent violators: blocks of (weighted sum, weight, first point index).
    const sum: number[] = [];
    const wt: number[] = [];
    const start: number[] = [];
    for (let k = 0; k < ux.length; k++) {
      sum.push(uy[k] as number);
      wt.push(uw[k] as number);
      start.push(k);
      while (sum.length > 1) {
        const m = sum.length - 1;
        if ((sum[m - 1] as number) / (wt[m - 1] as number) <= (sum[m] as number) / (wt[m] as number)) break;
        sum[m - 1] = (sum[m - 1] as number) + (sum[m] as number);
        wt[m - 1] = (wt[m - 1] as number) + (wt[m] as number);
        sum.pop();
        wt.pop();
        start.pop();
      }
    }
    // Keep only each block's first and last score: interpolation inside a flat block is flat.
    const bx: number[] = [];
    const by: number[] = [];
    for (let b = 0; b < sum.length; b++) {
      const v = (sum[b] as number) / (wt[b] as number);
      const first = start[b] as number;
      const last = b + 1 < start.length ? (start[b + 1] as number) - 1 : ux.length - 1;
      bx.push(ux[first] as number);
      by.push(v);
      if (last > first) {
        bx.push(ux[last] as number);
        by.push(v);
      }
    }
    this.x = Float64Array.from(bx);
    this.y = Float64Array.from(by);
    return this;
  }

  predict(score: ArrayLike<number>): Float64Array {
    const xs = this.x;
    const ys = this.y;
    const m = xs.length;
    if (m === 0) throw notFitted('isotonic');
    const out = new Float64Array(score.length);
    for (let i = 0; i < score.length; i++) {
      const s = score[i] as number;
      if (s <= (xs[0] as number)) out[i] = ys[0] as number;
      else if (s >= (xs[m - 1] as number)) out[i] = ys[m - 1] as number;
      else {
        // Largest k with xs[k] <= s.
        let lo = 0;
        let hi = m - 1;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if ((xs[mid] as number) <= s) lo = mid;
          else hi = mid;
        }
        const x0 = xs[lo] as number;
        const x1 = xs[hi] as number;
        const y0 = ys[lo] as number;
        const y1 = ys[hi] as number;
        out[i] = y0 + ((s - x0) / (x1 - x0)) * (y1 - y0);
      }
    }
    return out;
  }

  toState(): CalibratorState {
    if (this.x.length === 0) throw notFitted('isotonic');
    return { kind: 'isotonic', state: { x: Array.from(this.x), y: Array.from(this.y) } };
  }
}

export function createCalibrator(method: CalibrationMethod): Calibrator {
  return method === 'platt' ? new PlattCalibrator() : new IsotonicCalibrator();
}

function finiteNumbers(v: unknown, field: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw formatError(field, 'an array of finite numbers', v);
  }
  return v as number[];
}

export function calibratorFromState(s: CalibratorState): Calibrator {
  const st = (typeof s?.state === 'object' && s.state !== null ? s.state : {}) as Record<string, unknown>;
  if (s?.kind === 'platt') {
    const c = new PlattCalibrator();
    if (typeof st.a !== 'number' || !Number.isFinite(st.a)) throw formatError('a', 'a finite number', st.a);
    if (typeof st.b !== 'number' || !Number.isFinite(st.b)) throw formatError('b', 'a finite number', st.b);
    c.a = st.a;
    c.b = st.b;
    return c;
  }
  if (s?.kind === 'isotonic') {
    const c = new IsotonicCalibrator();
    const x = finiteNumbers(st.x, 'x');
    const y = finiteNumbers(st.y, 'y');
    if (x.length === 0 || y.length !== x.length) throw formatError('y', `${x.length} (>0) values like x`, y.length);
    c.x = Float64Array.from(x);
    c.y = Float64Array.from(y);
    return c;
  }
  throw formatError('kind', '"platt" or "isotonic"', s?.kind);
}

export type CalibratedParams = {
  readonly method: CalibrationMethod;
  /** Folds used to produce out-of-fold scores for fitting the calibrator (>= 2). */
  readonly cv: number;
  readonly seed: number;
  /** The inner model, by kind and params. */
  readonly model: ComponentConfig;
};

/** Explanation of a calibrated model, with a note on what space it is in. */
export interface CalibratedExplanation extends Explanation {
  readonly note: string;
}

/** What the calibrator is fed: the inner margin when the inner model has one, else its probability. */
export type ScoreSource = 'margin' | 'proba';

function innerScore(m: Classifier, X: Matrix, source: ScoreSource): Float64Array {
  if (source === 'margin') {
    if (m.predictMargin === undefined) throw invalidArgument('model', 'a model with predictMargin', m.kind, 'Refit.');
    return m.predictMargin(X);
  }
  return m.predictProba(X);
}

function checkCalibratedParams(p: Readonly<Record<string, unknown>>): CalibratedParams {
  for (const key of Object.keys(p)) {
    if (!['method', 'cv', 'seed', 'model'].includes(key)) {
      throw invalidArgument(
        `params.${key}`,
        'one of method, cv, seed, model',
        `unknown parameter "${key}"`,
        'Remove it.',
      );
    }
  }
  const method = p.method ?? 'isotonic';
  const cv = p.cv ?? 5;
  const seed = p.seed ?? 0;
  const model = p.model;
  if (method !== 'platt' && method !== 'isotonic') {
    throw invalidArgument('params.method', '"platt" or "isotonic"', JSON.stringify(method), 'Pick one of the two.');
  }
  if (typeof cv !== 'number' || !Number.isInteger(cv) || cv < 2) {
    throw invalidArgument('params.cv', 'an integer >= 2', JSON.stringify(cv), 'Use e.g. 5 folds.');
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw invalidArgument('params.seed', 'an integer', JSON.stringify(seed), 'Pass an integer seed.');
  }
  if (typeof model !== 'object' || model === null || typeof (model as ComponentConfig).kind !== 'string') {
    throw invalidArgument('params.model', 'an object {kind, params}', JSON.stringify(model), 'Name the inner model.');
  }
  return { method, cv, seed, model: model as ComponentConfig };
}

export class CalibratedClassifier implements Classifier {
  readonly kind = 'calibrated';
  readonly params: CalibratedParams;
  private readonly makeInner: () => Classifier;
  private inner: Classifier;
  private calibrator: Calibrator | null = null;
  private source: ScoreSource = 'proba';

  /** `makeInner` builds a fresh unfitted inner model (one per CV fold, plus the final one). */
  constructor(makeInner: () => Classifier, params: Partial<CalibratedParams> & Pick<CalibratedParams, 'model'>) {
    this.params = checkCalibratedParams(params);
    this.makeInner = makeInner;
    this.inner = makeInner();
  }

  get model(): Classifier {
    return this.inner;
  }

  get nFeatures(): number {
    return this.inner.nFeatures;
  }

  get handlesMissing(): boolean {
    return this.inner.handlesMissing;
  }

  fit(X: Matrix, y: ArrayLike<number>, options: FitOptions = {}): this {
    const labels = checkFitInput(X, y, { allowMissing: true, model: 'calibrated' });
    const folds = stratifiedKFold(labels, this.params.cv, this.params.seed);
    const oof = new Float64Array(X.nRows);
    let source: ScoreSource | null = null;
    folds.forEach((f, k) => {
      const m = this.makeInner();
      const sw = options.sampleWeight;
      const foldOptions: FitOptions =
        sw === undefined ? {} : { sampleWeight: Float64Array.from(f.train, (i) => sw[i] as number) };
      m.fit(takeRows(X, f.train), takeLabels(labels, f.train), foldOptions);
      source ??= m.predictMargin !== undefined ? 'margin' : 'proba';
      const s = innerScore(m, takeRows(X, f.test), source);
      f.test.forEach((i, t) => {
        oof[i] = s[t] as number;
      });
      options.onProgress?.({ stage: 'calibration-cv', done: k + 1, total: folds.length });
    });
    this.source = source ?? 'proba';
    this.calibrator = createCalibrator(this.params.method).fit(oof, labels);
    this.inner = this.makeInner().fit(X, labels, options);
    return this;
  }

  private fitted(): Calibrator {
    if (this.calibrator === null) {
      throw new MlError('AQUAOPS_E_ML_NOT_FITTED', {
        argument: 'calibrated',
        expected: 'a fitted model',
        found: 'an unfitted one',
        fix: 'Call fit() first, or load a fitted model.',
      });
    }
    return this.calibrator;
  }

  predictProba(X: Matrix): Float64Array {
    return this.fitted().predict(innerScore(this.inner, X, this.source));
  }

  /**
   * With Platt scaling on the inner margin and a log-odds inner explanation, the calibrated
   * log-odds are a·margin + b, so scaling base and φ by a (and shifting base by b) gives an
   * exact explanation of the calibrated output. Otherwise (isotonic, or a probability-space
   * inner explanation) no additive map exists: the inner model's explanation is returned
   * unchanged, in the inner model's space, and `note` says so.
   */
  explain(X: Matrix, options: ExplainOptions = {}): CalibratedExplanation {
    const c = this.fitted();
    const e = this.inner.explain(X, options);
    if (c instanceof PlattCalibrator && this.source === 'margin' && e.space === 'log-odds') {
      const a = c.a;
      return {
        ...e,
        base: a * e.base + c.b,
        phi: e.phi.map((v) => a * v),
        output: e.output.map((v) => a * v + c.b),
        note: 'Calibrated log-odds: the inner explanation scaled by the Platt slope and shifted by its intercept.',
      };
    }
    return {
      ...e,
      note: `Explanation of the uncalibrated inner model (${this.inner.kind}) in its own ${e.space} space; the ${this.params.method} calibration applied on top is monotone and not additive.`,
    };
  }

  toState(): ModelState {
    return {
      kind: this.kind,
      params: this.params,
      state: { source: this.source, calibrator: this.fitted().toState(), model: this.inner.toState() },
    };
  }

  /** Rebuilds a fitted wrapper from its parts (used by the spec's `fromState`). */
  static restore(
    makeInner: () => Classifier,
    params: CalibratedParams,
    inner: Classifier,
    calibrator: Calibrator,
    source: ScoreSource,
  ): CalibratedClassifier {
    const c = new CalibratedClassifier(makeInner, params);
    c.inner = inner;
    c.calibrator = calibrator;
    c.source = source;
    return c;
  }
}

/** The `calibrated` model spec; the catalogue passes `createModel` so the inner model can be built by kind. */
export function calibratedSpecFor(
  createModel: (kind: string, params?: Readonly<Record<string, unknown>>) => Classifier,
): ModelSpec<CalibratedParams> {
  const maker = (p: CalibratedParams) => () => createModel(p.model.kind, p.model.params ?? {});
  return {
    kind: 'calibrated',
    label: 'Calibrated classifier (Platt / isotonic)',
    defaults: { method: 'isotonic', cv: 5, seed: 0, model: { kind: 'gbm' } },
    create(params?: Partial<CalibratedParams>): Classifier {
      const p = checkCalibratedParams(params ?? {});
      return new CalibratedClassifier(maker(p), p);
    },
    fromState(state: ModelState, resolve: (inner: ModelState) => Classifier): Classifier {
      const p = checkCalibratedParams(state.params);
      const s = (typeof state.state === 'object' && state.state !== null ? state.state : {}) as Record<string, unknown>;
      if (s.source !== 'margin' && s.source !== 'proba') throw formatError('source', '"margin" or "proba"', s.source);
      const calibrator = calibratorFromState(s.calibrator as CalibratorState);
      if (typeof s.model !== 'object' || s.model === null) throw formatError('model', 'a model state', s.model);
      return CalibratedClassifier.restore(maker(p), p, resolve(s.model as ModelState), calibrator, s.source);
    },
  };
}
