/**
 * Standardises each column to zero mean and unit variance using statistics of the training
 * rows, ignoring missing values (NaN stays NaN, so a later imputer or a missing-aware model
 * still sees it). Population standard deviation, as scikit-learn's `StandardScaler`; a
 * constant column gets scale 1 so it maps to 0 instead of dividing by zero.
 */
import { invalidArgument } from '../errors.js';
import { checkPredictInput, type Matrix, matrix } from '../matrix.js';
import {
  badState,
  checkParamNames,
  notFitted,
  numberArray,
  stateObject,
  type Transformer,
  type TransformerSpec,
  type TransformerState,
} from './transformer.js';

export type StandardScalerParams = {
  readonly withMean: boolean;
  readonly withStd: boolean;
};

const KIND = 'standard-scaler';

function checkParams(p: Readonly<Record<string, unknown>>): StandardScalerParams {
  checkParamNames(KIND, p, ['withMean', 'withStd']);
  const withMean = p.withMean ?? true;
  const withStd = p.withStd ?? true;
  if (typeof withMean !== 'boolean') {
    throw invalidArgument('params.withMean', 'true or false', JSON.stringify(withMean), 'Pass a boolean.');
  }
  if (typeof withStd !== 'boolean') {
    throw invalidArgument('params.withStd', 'true or false', JSON.stringify(withStd), 'Pass a boolean.');
  }
  return { withMean, withStd };
}

export class StandardScaler implements Transformer {
  readonly kind = KIND;
  readonly params: StandardScalerParams;
  readonly removesMissing = false;
  private mean: Float64Array | null = null;
  private scale: Float64Array | null = null;

  constructor(params: Partial<StandardScalerParams> = {}) {
    this.params = checkParams(params);
  }

  get nInputs(): number {
    return this.mean?.length ?? 0;
  }

  /** Learned per-column centre and scale (copies). */
  statistics(): { mean: Float64Array; scale: Float64Array } {
    if (this.mean === null || this.scale === null) throw notFitted(KIND);
    return { mean: this.mean.slice(), scale: this.scale.slice() };
  }

  fit(X: Matrix): this {
    if (X.nRows === 0 || X.nCols === 0) {
      throw invalidArgument('X', 'at least one row and one column', `${X.nRows} x ${X.nCols}`, 'Fit on training data.');
    }
    const mean = new Float64Array(X.nCols);
    const scale = new Float64Array(X.nCols).fill(1);
    for (let j = 0; j < X.nCols; j++) {
      const base = j * X.nRows;
      let sum = 0;
      let n = 0;
      for (let i = 0; i < X.nRows; i++) {
        const v = X.data[base + i] as number;
        if (v === v) {
          sum += v;
          n++;
        }
      }
      const m = n === 0 ? 0 : sum / n;
      // Two-pass variance: numerically stable for large-valued columns such as Solids (~2e4).
      let ss = 0;
      for (let i = 0; i < X.nRows; i++) {
        const v = X.data[base + i] as number;
        if (v === v) ss += (v - m) * (v - m);
      }
      const sd = n === 0 ? 0 : Math.sqrt(ss / n);
      mean[j] = this.params.withMean ? m : 0;
      scale[j] = this.params.withStd && sd > 0 ? sd : 1;
    }
    this.mean = mean;
    this.scale = scale;
    return this;
  }

  transform(X: Matrix): Matrix {
    const mean = this.mean;
    const scale = this.scale;
    if (mean === null || scale === null) throw notFitted(KIND);
    checkPredictInput(X, mean.length, { allowMissing: true, model: KIND });
    const n = X.nRows;
    const out = new Float64Array(X.data.length);
    for (let j = 0; j < X.nCols; j++) {
      const m = mean[j] as number;
      const s = scale[j] as number;
      const base = j * n;
      for (let i = 0; i < n; i++) out[base + i] = ((X.data[base + i] as number) - m) / s;
    }
    return X.featureNames === undefined ? matrix(n, X.nCols, out) : matrix(n, X.nCols, out, X.featureNames);
  }

  outputSources(): Int32Array {
    if (this.mean === null) throw notFitted(KIND);
    const out = new Int32Array(this.mean.length);
    for (let j = 0; j < out.length; j++) out[j] = j;
    return out;
  }

  toState(): TransformerState {
    if (this.mean === null || this.scale === null) throw notFitted(KIND);
    return {
      kind: KIND,
      params: { ...this.params },
      state: { mean: Array.from(this.mean), scale: Array.from(this.scale) },
    };
  }

  static fromState(s: TransformerState): StandardScaler {
    const obj = stateObject(KIND, s, KIND);
    const t = new StandardScaler(s.params as Partial<StandardScalerParams>);
    const mean = numberArray(KIND, obj, 'mean');
    const scale = numberArray(KIND, obj, 'scale', mean.length);
    if (scale.some((v) => v === 0)) throw badState(KIND, 'scale', 'non-zero scales', scale);
    t.mean = Float64Array.from(mean);
    t.scale = Float64Array.from(scale);
    return t;
  }
}

export const standardScalerSpec: TransformerSpec = {
  kind: KIND,
  create: (params) => new StandardScaler(params as Partial<StandardScalerParams>),
  fromState: (s) => StandardScaler.fromState(s),
};
