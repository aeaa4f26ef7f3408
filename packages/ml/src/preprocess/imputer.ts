/**
 * Replaces missing values (NaN) by a per-column statistic learned from the training rows —
 * median (robust to the skewed water-quality columns) or mean — and can append 0/1
 * missing-indicator columns, as scikit-learn's `SimpleImputer(add_indicator=True)`, for the
 * columns that had missing values at fit time. A column with no observed value at fit time is
 * imputed with 0 (scikit-learn would drop it; keeping it keeps column positions stable).
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

export type ImputeStrategy = 'median' | 'mean';

export type SimpleImputerParams = {
  readonly strategy: ImputeStrategy;
  readonly addIndicator: boolean;
};

const KIND = 'simple-imputer';
const DEFAULTS: SimpleImputerParams = { strategy: 'median', addIndicator: false };

function checkParams(p: Readonly<Record<string, unknown>>): SimpleImputerParams {
  checkParamNames(KIND, p, ['strategy', 'addIndicator']);
  const strategy = p.strategy ?? DEFAULTS.strategy;
  const addIndicator = p.addIndicator ?? DEFAULTS.addIndicator;
  if (strategy !== 'median' && strategy !== 'mean') {
    throw invalidArgument('params.strategy', '"median" or "mean"', JSON.stringify(strategy), 'Pick one of the two.');
  }
  if (typeof addIndicator !== 'boolean') {
    throw invalidArgument('params.addIndicator', 'true or false', JSON.stringify(addIndicator), 'Pass a boolean.');
  }
  return { strategy, addIndicator };
}

/** Median of the non-NaN values of `col` (mean of the middle two for even counts); NaN if none. */
function medianOf(col: Float64Array): number {
  const vals: number[] = [];
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as number;
    if (v === v) vals.push(v);
  }
  if (vals.length === 0) return Number.NaN;
  const s = Float64Array.from(vals).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function meanOf(col: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as number;
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

export class SimpleImputer implements Transformer {
  readonly kind = KIND;
  readonly params: SimpleImputerParams;
  readonly removesMissing = true;
  private statistics: Float64Array | null = null;
  /** Input columns that get an indicator column, in output order. */
  private indicatorColumns = new Int32Array(0);

  constructor(params: Partial<SimpleImputerParams> = {}) {
    this.params = checkParams(params);
  }

  get nInputs(): number {
    return this.statistics?.length ?? 0;
  }

  /** Learned fill value per input column. */
  fillValues(): Float64Array {
    if (this.statistics === null) throw notFitted(KIND);
    return this.statistics.slice();
  }

  fit(X: Matrix): this {
    if (X.nRows === 0 || X.nCols === 0) {
      throw invalidArgument('X', 'at least one row and one column', `${X.nRows} x ${X.nCols}`, 'Fit on training data.');
    }
    const stats = new Float64Array(X.nCols);
    const indicators: number[] = [];
    for (let j = 0; j < X.nCols; j++) {
      const col = X.data.subarray(j * X.nRows, (j + 1) * X.nRows);
      const s = this.params.strategy === 'median' ? medianOf(col) : meanOf(col);
      stats[j] = Number.isNaN(s) ? 0 : s;
      if (this.params.addIndicator && col.some((v) => v !== v)) indicators.push(j);
    }
    this.statistics = stats;
    this.indicatorColumns = Int32Array.from(indicators);
    return this;
  }

  transform(X: Matrix): Matrix {
    const stats = this.statistics;
    if (stats === null) throw notFitted(KIND);
    checkPredictInput(X, stats.length, { allowMissing: true, model: KIND });
    const n = X.nRows;
    const nOut = X.nCols + this.indicatorColumns.length;
    const out = new Float64Array(n * nOut);
    for (let j = 0; j < X.nCols; j++) {
      const fill = stats[j] as number;
      const base = j * n;
      for (let i = 0; i < n; i++) {
        const v = X.data[base + i] as number;
        out[base + i] = v === v ? v : fill;
      }
    }
    for (let t = 0; t < this.indicatorColumns.length; t++) {
      const src = (this.indicatorColumns[t] as number) * n;
      const dst = (X.nCols + t) * n;
      for (let i = 0; i < n; i++) {
        const v = X.data[src + i] as number;
        out[dst + i] = v === v ? 0 : 1;
      }
    }
    const names = X.featureNames;
    if (names === undefined) return matrix(n, nOut, out);
    const outNames = [...names, ...Array.from(this.indicatorColumns, (j) => `${names[j] ?? `x${j}`}_missing`)];
    return matrix(n, nOut, out, outNames);
  }

  outputSources(): Int32Array {
    if (this.statistics === null) throw notFitted(KIND);
    const n = this.statistics.length;
    const out = new Int32Array(n + this.indicatorColumns.length);
    for (let j = 0; j < n; j++) out[j] = j;
    out.set(this.indicatorColumns, n);
    return out;
  }

  toState(): TransformerState {
    if (this.statistics === null) throw notFitted(KIND);
    return {
      kind: KIND,
      params: { ...this.params },
      state: { statistics: Array.from(this.statistics), indicatorColumns: Array.from(this.indicatorColumns) },
    };
  }

  static fromState(s: TransformerState): SimpleImputer {
    const obj = stateObject(KIND, s, KIND);
    const t = new SimpleImputer(s.params as Partial<SimpleImputerParams>);
    const stats = numberArray(KIND, obj, 'statistics');
    const ind = numberArray(KIND, obj, 'indicatorColumns');
    if (ind.some((j) => !Number.isInteger(j) || j < 0 || j >= stats.length)) {
      throw badState(KIND, 'indicatorColumns', `column indices below ${stats.length}`, ind);
    }
    t.statistics = Float64Array.from(stats);
    t.indicatorColumns = Int32Array.from(ind);
    return t;
  }
}

export const simpleImputerSpec: TransformerSpec = {
  kind: KIND,
  create: (params) => new SimpleImputer(params as Partial<SimpleImputerParams>),
  fromState: (s) => SimpleImputer.fromState(s),
};
