/**
 * The engine's data layout: a column-major matrix of float64 features (`NaN` = missing) and a
 * binary label vector. Column-major keeps each feature contiguous, which is what histogram
 * binning, split search and per-feature statistics scan; row access is the strided case.
 * Validation helpers here produce the typed errors every model's `fit`/`predict` reports.
 */
import { MlError, invalidArgument } from './errors.js';

export interface Matrix {
  readonly nRows: number;
  readonly nCols: number;
  /** Column-major values: feature j of row i is `data[j * nRows + i]`. `NaN` = missing. */
  readonly data: Float64Array;
  /** Optional feature names, one per column. */
  readonly featureNames?: readonly string[];
}

/** Binary labels: 0 = negative, 1 = positive. */
export type Labels = Uint8Array;

export function matrix(nRows: number, nCols: number, data?: Float64Array, featureNames?: readonly string[]): Matrix {
  if (!Number.isInteger(nRows) || nRows < 0)
    throw invalidArgument('nRows', 'a non-negative integer', String(nRows), 'Pass the number of rows.');
  if (!Number.isInteger(nCols) || nCols < 0)
    throw invalidArgument('nCols', 'a non-negative integer', String(nCols), 'Pass the number of columns.');
  const d = data ?? new Float64Array(nRows * nCols);
  if (d.length !== nRows * nCols) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'data',
      expected: `${nRows * nCols} values (${nRows} rows x ${nCols} columns)`,
      found: `${d.length} values`,
      fix: 'Make the data length equal rows times columns.',
    });
  }
  if (featureNames !== undefined && featureNames.length !== nCols) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'featureNames',
      expected: `${nCols} names`,
      found: `${featureNames.length} names`,
      fix: 'Give one name per column.',
    });
  }
  return featureNames === undefined ? { nRows, nCols, data: d } : { nRows, nCols, data: d, featureNames };
}

/** Build a matrix from rows (row-major arrays); `null`/`undefined` become `NaN`. */
export function fromRows(
  rows: readonly (readonly (number | null | undefined)[])[],
  featureNames?: readonly string[],
): Matrix {
  const nRows = rows.length;
  const nCols = nRows > 0 ? (rows[0] as readonly unknown[]).length : (featureNames?.length ?? 0);
  const data = new Float64Array(nRows * nCols);
  for (let i = 0; i < nRows; i++) {
    const r = rows[i] as readonly (number | null | undefined)[];
    if (r.length !== nCols) {
      throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
        argument: `rows[${i}]`,
        expected: `${nCols} values`,
        found: `${r.length} values`,
        fix: 'Give every row the same number of features.',
      });
    }
    for (let j = 0; j < nCols; j++) {
      const v = r[j];
      data[j * nRows + i] = v === null || v === undefined ? Number.NaN : v;
    }
  }
  return matrix(nRows, nCols, data, featureNames);
}

/** Value of row i, column j. */
export function at(X: Matrix, i: number, j: number): number {
  return X.data[j * X.nRows + i] as number;
}

/** A view of one column (no copy). */
export function column(X: Matrix, j: number): Float64Array {
  return X.data.subarray(j * X.nRows, (j + 1) * X.nRows);
}

/** One row copied out as a dense array. */
export function row(X: Matrix, i: number, out?: Float64Array): Float64Array {
  const r = out ?? new Float64Array(X.nCols);
  for (let j = 0; j < X.nCols; j++) r[j] = X.data[j * X.nRows + i] as number;
  return r;
}

/** Rows selected by index, copied into a new matrix (order preserved, repeats allowed). */
export function takeRows(X: Matrix, idx: ArrayLike<number>): Matrix {
  const n = idx.length;
  const out = new Float64Array(n * X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    const src = j * X.nRows;
    const dst = j * n;
    for (let k = 0; k < n; k++) out[dst + k] = X.data[src + (idx[k] as number)] as number;
  }
  return matrix(n, X.nCols, out, X.featureNames);
}

export function takeLabels(y: Labels, idx: ArrayLike<number>): Labels {
  const out = new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = y[idx[k] as number] as number;
  return out;
}

/** Check X and y before fitting: non-empty, same length, binary finite labels, both classes present. */
export function checkFitInput(X: Matrix, y: ArrayLike<number>, opts: { allowMissing: boolean; model: string }): Labels {
  if (X.nRows === 0 || X.nCols === 0) {
    throw new MlError('AQUAOPS_E_ML_EMPTY_DATA', {
      argument: 'X',
      expected: 'at least one row and one feature',
      found: `${X.nRows} rows x ${X.nCols} features`,
      fix: 'Pass training data with rows and features.',
    });
  }
  if (y.length !== X.nRows) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'y',
      expected: `${X.nRows} labels (one per row of X)`,
      found: `${y.length} labels`,
      fix: 'Give exactly one label per training row.',
    });
  }
  const labels = new Uint8Array(y.length);
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (!Number.isFinite(v)) {
      throw new MlError('AQUAOPS_E_ML_NON_FINITE_LABEL', {
        argument: `y[${i}]`,
        expected: 'a label 0 or 1',
        found: String(v),
        fix: 'Remove rows whose label is missing or not a number before training.',
      });
    }
    if (v !== 0 && v !== 1) {
      throw invalidArgument(
        `y[${i}]`,
        'a binary label 0 or 1',
        String(v),
        'Encode the label as 0 (negative) / 1 (positive).',
      );
    }
    labels[i] = v;
    pos += v;
  }
  if (pos === 0 || pos === y.length) {
    throw new MlError('AQUAOPS_E_ML_ONE_CLASS', {
      argument: 'y',
      expected: 'both classes (0 and 1) among the training labels',
      found: `only class ${pos === 0 ? 0 : 1} (${y.length} rows)`,
      fix: 'Train on data that contains positive and negative examples.',
    });
  }
  if (opts.allowMissing) checkNoInfinite(X, opts.model);
  else checkNoMissing(X, opts.model);
  return labels;
}

/** Check that X has the expected number of features (and, if required, no NaN). */
export function checkPredictInput(X: Matrix, nFeatures: number, opts: { allowMissing: boolean; model: string }): void {
  if (X.nCols !== nFeatures) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'X',
      expected: `${nFeatures} features (as at training time)`,
      found: `${X.nCols} features`,
      fix: 'Pass the same feature columns, in the same order, as used for training.',
    });
  }
  if (opts.allowMissing) checkNoInfinite(X, opts.model);
  else checkNoMissing(X, opts.model);
}

/** NaN means missing; ±Infinity is never a measurement and would silently take one branch of every split. */
function checkNoInfinite(X: Matrix, model: string): void {
  const d = X.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k] as number;
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      const j = Math.floor(k / X.nRows);
      const i = k - j * X.nRows;
      const name = X.featureNames?.[j] ?? `feature ${j}`;
      throw invalidArgument(
        `X[${i}, ${name}]`,
        `a finite number or NaN for missing (${model})`,
        String(v),
        'Replace infinite values: use NaN for a missing measurement, or fix the value at its source.',
      );
    }
  }
}

function checkNoMissing(X: Matrix, model: string): void {
  const d = X.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k] as number;
    if (!Number.isFinite(v)) {
      const j = Math.floor(k / X.nRows);
      const i = k - j * X.nRows;
      const name = X.featureNames?.[j] ?? `feature ${j}`;
      throw new MlError('AQUAOPS_E_ML_MISSING_NOT_SUPPORTED', {
        argument: `X[${i}, ${name}]`,
        expected: `a finite number (${model} cannot take missing values)`,
        found: String(v),
        fix: 'Put an imputer before this model in the pipeline, or use a tree model, which handles missing values natively.',
      });
    }
  }
}
