/**
 * Model-agnostic KernelSHAP (Lundberg & Lee 2017) for models without a structure-specific
 * explainer (kNN, SVM, naive Bayes, QDA, ensembles). The value of a coalition S of features for
 * row x is the mean model output over a background sample with the features in S set to x's
 * values (interventional / "independent features" SHAP). Shapley values are then the solution of
 * a weighted least-squares fit of coalition values with the Shapley kernel weights, constrained
 * so that sum(phi) = f(x) - E[f] exactly (the efficiency property).
 *
 * Exact mode (M <= exactMaxFeatures, default 10, unless an explicit nSamples < 2^M - 2 asks for
 * the cheaper sampled mode): all 2^M - 2 proper coalitions are enumerated
 * with their exact kernel weights, so the result equals the brute-force Shapley values with the
 * same background up to floating-point error (tested <= 1e-9). Sampled mode (larger M): `nSamples`
 * coalitions (default 2M + 2048) drawn with probability proportional to the total kernel weight
 * of their size, each paired with its complement (paired sampling halves the variance for
 * near-additive models), all given equal weight. The sampled estimate is unbiased only
 * asymptotically; its error is measured in the tests (see kernel-shap.test.ts).
 *
 * Cost: one model evaluation on (#coalitions x #background) synthetic rows per explained row,
 * e.g. 510 x 50 = 25,500 rows for the 9 water-quality features. Models can supply a faster
 * `coalitionValues` (kNN and RBF SVM update distances incrementally). Measured CPU per explained
 * row at 2,600 training rows: QDA ~0.02 s, kNN ~0.6 s, RBF SVM (~1,800 support vectors) ~0.7 s. Pass a
 * smaller background or nSamples to trade accuracy for speed.
 */
import { MlError, invalidArgument } from '../errors.js';
import { type Matrix, matrix } from '../matrix.js';
import type { Explanation, ExplanationSpace } from '../model.js';
import { Rng } from '../rng.js';

export interface KernelShapOptions {
  /** Output space of `f` (what the explanation adds up in). */
  readonly space: ExplanationSpace;
  /** Sampled mode only: number of coalitions (rounded up to an even number). */
  readonly nSamples?: number;
  readonly seed?: number;
  /** Enumerate every coalition when the number of features is at most this (default 10). */
  readonly exactMaxFeatures?: number;
  /**
   * Optional model-specific fast path for the coalition values: must fill out[c] with the mean
   * over background rows b of f(z), z_j = x_j where mask[c * M + j] = 1 and b_j otherwise, for
   * c < count — the same numbers the generic path gets by evaluating f on synthetic rows.
   */
  readonly coalitionValues?: CoalitionValuesFn;
}

export type CoalitionValuesFn = (
  x: Float64Array,
  background: Matrix,
  mask: Uint8Array,
  count: number,
  out: Float64Array,
) => void;

/** Default size of the background sample kept at fit time. */
export const DEFAULT_BACKGROUND_ROWS = 50;

/**
 * A seeded uniform random sample of up to `maxRows` rows (without replacement, kept in original
 * order). A random sample rather than k-means centres keeps E[f] an unbiased estimate of the
 * mean prediction and works with missing values.
 */
export function sampleBackground(X: Matrix, maxRows = DEFAULT_BACKGROUND_ROWS, seed = 0): Matrix {
  if (!Number.isInteger(maxRows) || maxRows < 1)
    throw invalidArgument('maxRows', 'a positive integer', String(maxRows), 'Keep at least one background row.');
  const n = X.nRows;
  if (n <= maxRows) return X;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rng = new Rng(seed);
  // Partial Fisher-Yates: only the first maxRows slots need to be random.
  for (let i = 0; i < maxRows; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  const chosen = idx.slice(0, maxRows).sort();
  const out = new Float64Array(maxRows * X.nCols);
  for (let j = 0; j < X.nCols; j++)
    for (let k = 0; k < maxRows; k++) out[j * maxRows + k] = X.data[j * n + (chosen[k] as number)] as number;
  return matrix(maxRows, X.nCols, out, X.featureNames);
}

/** Background matrix to/from plain JSON (row count + column-major values). */
export function backgroundToJson(B: Matrix): { nRows: number; data: (number | null)[] } {
  return { nRows: B.nRows, data: Array.from(B.data, (v) => (Number.isNaN(v) ? null : v)) };
}

export function backgroundFromJson(v: unknown, nCols: number, kind: string): Matrix {
  const bad = (found: string) =>
    new MlError('AQUAOPS_E_MODEL_FORMAT', {
      argument: 'state.background',
      expected: `{ nRows, data } with nRows x ${nCols} values (${kind} model state)`,
      found,
      fix: 'Restore from the unmodified output of toState(); re-train if the file is damaged.',
    });
  if (v === null || typeof v !== 'object') throw bad(String(v));
  const o = v as { nRows?: unknown; data?: unknown };
  if (typeof o.nRows !== 'number' || !Number.isInteger(o.nRows) || o.nRows < 1 || !Array.isArray(o.data))
    throw bad('a malformed object');
  if (o.data.length !== o.nRows * nCols) throw bad(`${o.data.length} values`);
  const d = new Float64Array(o.data.length);
  for (let k = 0; k < d.length; k++) {
    const x = o.data[k];
    if (x === null) d[k] = Number.NaN;
    else if (typeof x === 'number') d[k] = x;
    else throw bad(`a non-number at data[${k}]`);
  }
  return matrix(o.nRows, nCols, d);
}

interface Coalitions {
  readonly count: number;
  /** Row-major masks: mask[c * M + j] = 1 when feature j is in coalition c. */
  readonly mask: Uint8Array;
  readonly weight: Float64Array;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

function exactCoalitions(M: number): Coalitions {
  const count = 2 ** M - 2;
  const mask = new Uint8Array(count * M);
  const weight = new Float64Array(count);
  for (let c = 0; c < count; c++) {
    const bits = c + 1;
    let s = 0;
    for (let j = 0; j < M; j++) {
      const b = (bits >>> j) & 1;
      mask[c * M + j] = b;
      s += b;
    }
    weight[c] = (M - 1) / (binomial(M, s) * s * (M - s));
  }
  return { count, mask, weight };
}

function sampledCoalitions(M: number, nSamples: number, rng: Rng): Coalitions {
  const pairs = Math.max(1, Math.ceil(nSamples / 2));
  const count = pairs * 2;
  const mask = new Uint8Array(count * M);
  const weight = new Float64Array(count).fill(1);
  // Total kernel weight of all coalitions of size s is proportional to 1 / (s (M - s)).
  const cdf = new Float64Array(M - 1);
  let acc = 0;
  for (let s = 1; s < M; s++) {
    acc += 1 / (s * (M - s));
    cdf[s - 1] = acc;
  }
  const perm = new Int32Array(M);
  for (let p = 0; p < pairs; p++) {
    const u = rng.next() * acc;
    let s = 1;
    while (s < M - 1 && (cdf[s - 1] as number) <= u) s++;
    for (let j = 0; j < M; j++) perm[j] = j;
    for (let i = 0; i < s; i++) {
      const j = i + rng.int(M - i);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    const a = 2 * p * M;
    const b = a + M;
    for (let j = 0; j < M; j++) mask[b + j] = 1;
    for (let i = 0; i < s; i++) {
      const j = perm[i] as number;
      mask[a + j] = 1;
      mask[b + j] = 0;
    }
  }
  return { count, mask, weight };
}

/** In-place Cholesky of a symmetric positive-definite n x n row-major matrix (lower triangle). */
function cholesky(A: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = A[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (A[j * n + k] as number) ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    A[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = A[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (A[i * n + k] as number) * (A[j * n + k] as number);
      A[i * n + j] = s / ljj;
    }
  }
  return true;
}

function choleskySolve(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[i * n + k] as number) * (b[k] as number);
    b[i] = s / (L[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (L[k * n + i] as number) * (b[k] as number);
    b[i] = s / (L[i * n + i] as number);
  }
}

/** Upper bound on synthetic rows evaluated per model call (bounds memory to ~ this x M x 8 bytes). */
const MAX_ROWS_PER_CALL = 1 << 16;

/**
 * Explains `f` at every row of `X` against `background`. `f` maps a matrix to one output per
 * row in `options.space`; it must accept whatever the background contains (e.g. NaN).
 */
export function kernelShap(
  f: (X: Matrix) => Float64Array,
  X: Matrix,
  background: Matrix,
  options: KernelShapOptions,
): Explanation {
  const M = X.nCols;
  if (background.nCols !== M) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'background',
      expected: `${M} features (as X)`,
      found: `${background.nCols} features`,
      fix: 'Pass background rows with the same feature columns as the rows to explain.',
    });
  }
  if (background.nRows === 0) {
    throw new MlError('AQUAOPS_E_ML_EMPTY_DATA', {
      argument: 'background',
      expected: 'at least one background row',
      found: '0 rows',
      fix: 'Pass a non-empty background sample.',
    });
  }
  const exactMax = options.exactMaxFeatures ?? 10;
  if (!Number.isInteger(exactMax) || exactMax < 1 || exactMax > 20)
    throw invalidArgument('exactMaxFeatures', 'an integer in 1..20', String(exactMax), 'Use the default 10.');
  const nSamples = options.nSamples ?? 2 * M + 2048;
  if (!Number.isInteger(nSamples) || nSamples < 2)
    throw invalidArgument(
      'nSamples',
      'an integer >= 2',
      String(nSamples),
      'Use at least 2 coalitions (default 2M + 2048).',
    );
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw invalidArgument('seed', 'an integer', String(seed), 'Pass an integer seed.');

  const B = background.nRows;
  const nX = X.nRows;
  const fb = f(background);
  let base = 0;
  for (let b = 0; b < B; b++) base += fb[b] as number;
  base /= B;
  const output = nX > 0 ? Float64Array.from(f(X)) : new Float64Array(0);
  const phi = new Float64Array(nX * M);
  const result = (): Explanation => ({
    space: options.space,
    method: 'kernel-shap',
    base,
    phi,
    nRows: nX,
    nFeatures: M,
    output,
  });
  if (nX === 0) return result();
  if (M === 1) {
    for (let i = 0; i < nX; i++) phi[i] = (output[i] as number) - base;
    return result();
  }

  // An explicit nSamples below the number of proper coalitions asks for the (cheaper) sampled mode.
  const exact = M <= exactMax && (options.nSamples === undefined || options.nSamples >= 2 ** M - 2);
  const co = exact ? exactCoalitions(M) : sampledCoalitions(M, nSamples, new Rng(seed));
  const C = co.count;
  const mask = co.mask;
  const w = co.weight;
  // Eliminating phi_M via the efficiency constraint leaves an unconstrained WLS in M - 1 unknowns
  // whose normal matrix depends only on the coalitions: factor it once for all rows.
  const K = M - 1;
  const A = new Float64Array(K * K);
  const a = new Float64Array(K);
  for (let c = 0; c < C; c++) {
    const zM = mask[c * M + K] as number;
    for (let j = 0; j < K; j++) a[j] = (mask[c * M + j] as number) - zM;
    const wc = w[c] as number;
    for (let r = 0; r < K; r++) {
      const ar = (a[r] as number) * wc;
      if (ar === 0) continue;
      for (let s = 0; s <= r; s++) A[r * K + s] = (A[r * K + s] as number) + ar * (a[s] as number);
    }
  }
  if (!cholesky(A, K)) {
    throw invalidArgument(
      'nSamples',
      'enough coalitions to identify every feature',
      `${C} coalitions for ${M} features`,
      'Increase nSamples.',
    );
  }

  const chunk = Math.max(1, Math.floor(MAX_ROWS_PER_CALL / B));
  const v = new Float64Array(C);
  const rhs = new Float64Array(K);
  const bgData = background.data;
  const xRow = new Float64Array(M);
  const fast = options.coalitionValues;
  for (let i = 0; i < nX; i++) {
    if (fast !== undefined) {
      for (let j = 0; j < M; j++) xRow[j] = X.data[j * nX + i] as number;
      fast(xRow, background, mask, C, v);
    }
    for (let c0 = 0; fast === undefined && c0 < C; c0 += chunk) {
      const c1 = Math.min(C, c0 + chunk);
      const rows = (c1 - c0) * B;
      const data = new Float64Array(rows * M);
      for (let j = 0; j < M; j++) {
        const xij = X.data[j * nX + i] as number;
        const colOff = j * rows;
        const bgOff = j * B;
        for (let c = c0; c < c1; c++) {
          const off = colOff + (c - c0) * B;
          if (mask[c * M + j] === 1) data.fill(xij, off, off + B);
          else data.set(bgData.subarray(bgOff, bgOff + B), off);
        }
      }
      const out = f(matrix(rows, M, data, X.featureNames));
      for (let c = c0; c < c1; c++) {
        let s = 0;
        const off = (c - c0) * B;
        for (let b = 0; b < B; b++) s += out[off + b] as number;
        v[c] = s / B;
      }
    }
    const delta = (output[i] as number) - base;
    rhs.fill(0);
    for (let c = 0; c < C; c++) {
      const zM = mask[c * M + K] as number;
      const t = ((v[c] as number) - base - zM * delta) * (w[c] as number);
      for (let j = 0; j < K; j++) {
        const aj = (mask[c * M + j] as number) - zM;
        if (aj !== 0) rhs[j] = (rhs[j] as number) + aj * t;
      }
    }
    choleskySolve(A, K, rhs);
    let sum = 0;
    for (let j = 0; j < K; j++) {
      phi[i * M + j] = rhs[j] as number;
      sum += rhs[j] as number;
    }
    phi[i * M + K] = delta - sum;
  }
  return result();
}
