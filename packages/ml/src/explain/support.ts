/**
 * Small helpers shared by the classic model families (linear, kNN, SVM, Bayes, ensembles):
 * hyperparameter validation that names the offending param, decoding of `toState()` JSON with
 * `AQUAOPS_E_MODEL_FORMAT` errors that say which field is bad, numerically stable
 * sigmoid/logit, and the incremental coalition distances that the kNN and RBF-SVM KernelSHAP
 * fast paths share. Kept here so every family reports the same kind of error the same way.
 */
import { MlError, invalidArgument } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { ExplainOptions, ModelState } from '../model.js';

/** Merges user params over defaults, rejecting keys the family does not know. */
export function mergeParams<P extends object>(kind: string, defaults: P, given: Partial<P> | undefined): P {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  if (given === undefined) return out as P;
  if (given === null || typeof given !== 'object') {
    throw invalidArgument('params', `an object of ${kind} parameters`, String(given), 'Pass an object or nothing.');
  }
  for (const [k, v] of Object.entries(given)) {
    if (!(k in out)) {
      throw invalidArgument(
        `params.${k}`,
        `one of ${Object.keys(out).join(', ')}`,
        `unknown parameter "${k}"`,
        `Remove it or fix its spelling; ${kind} knows only the listed parameters.`,
      );
    }
    if (v !== undefined) out[k] = v;
  }
  return out as P;
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Strict lower bound: value must be > min. */
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
}

export function checkNumber(name: string, v: unknown, rule: NumberRule): number {
  const lo =
    rule.min === undefined ? '' : rule.exclusiveMin === true ? ` greater than ${rule.min}` : ` at least ${rule.min}`;
  const hi = rule.max === undefined ? '' : ` at most ${rule.max}`;
  const what = `${rule.integer === true ? 'an integer' : 'a finite number'}${lo}${hi}`;
  const fix = `Set ${name} to ${what}.`;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArgument(`params.${name}`, what, String(v), fix);
  if (rule.integer === true && !Number.isInteger(v)) throw invalidArgument(`params.${name}`, what, String(v), fix);
  if (rule.min !== undefined && (rule.exclusiveMin === true ? !(v > rule.min) : !(v >= rule.min)))
    throw invalidArgument(`params.${name}`, what, String(v), fix);
  if (rule.max !== undefined && !(v <= rule.max)) throw invalidArgument(`params.${name}`, what, String(v), fix);
  return v;
}

export function checkChoice<T extends string | number | boolean>(name: string, v: unknown, values: readonly T[]): T {
  if (!values.includes(v as T)) {
    throw invalidArgument(
      `params.${name}`,
      `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`,
      JSON.stringify(v) ?? String(v),
      `Set ${name} to one of the listed values.`,
    );
  }
  return v as T;
}

export function formatError(kind: string, field: string, expected: string, found: string): MlError {
  return new MlError('AQUAOPS_E_MODEL_FORMAT', {
    argument: `state.${field}`,
    expected: `${expected} (${kind} model state)`,
    found,
    fix: 'Restore from the unmodified output of toState() of the same model kind; re-train if the file is damaged.',
  });
}

/** Checks the kind and returns the family-specific `state` object. */
export function stateObject(s: ModelState, kind: string): Record<string, unknown> {
  if (s === null || typeof s !== 'object') throw formatError(kind, '', 'an object', String(s));
  if (s.kind !== kind) throw formatError(kind, 'kind', `"${kind}"`, JSON.stringify(s.kind) ?? String(s.kind));
  if (s.params === null || typeof s.params !== 'object')
    throw formatError(kind, 'params', 'an object', String(s.params));
  const inner = s.state;
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner))
    throw formatError(kind, 'state', 'an object', JSON.stringify(inner) ?? String(inner));
  return inner as Record<string, unknown>;
}

/** Reads a numeric array field into a Float64Array, checking length and finiteness. */
export function stateFloats(kind: string, obj: Record<string, unknown>, key: string, length?: number): Float64Array {
  const v = obj[key];
  if (!Array.isArray(v)) throw formatError(kind, key, 'an array of numbers', typeof v);
  if (length !== undefined && v.length !== length)
    throw formatError(kind, key, `${length} numbers`, `${v.length} numbers`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw formatError(kind, `${key}[${i}]`, 'a finite number', String(x));
    out[i] = x;
  }
  return out;
}

export function stateNumber(kind: string, obj: Record<string, unknown>, key: string, integer = false): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)))
    throw formatError(kind, key, integer ? 'an integer' : 'a finite number', String(v));
  return v;
}

/** Throws the standard not-fitted error when a model is used before `fit`. */
export function notFitted(kind: string, method: string): MlError {
  return new MlError('AQUAOPS_E_ML_NOT_FITTED', {
    argument: 'model',
    expected: `a fitted ${kind} model before calling ${method}()`,
    found: 'an unfitted model',
    fix: 'Call fit(X, y) first, or restore a fitted model with fromState().',
  });
}

/** Validates optional per-row weights: right length, finite, non-negative, positive total. */
export function checkSampleWeight(w: Float64Array | undefined, nRows: number): Float64Array | undefined {
  if (w === undefined) return undefined;
  if (w.length !== nRows) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: 'options.sampleWeight',
      expected: `${nRows} weights (one per row)`,
      found: `${w.length} weights`,
      fix: 'Give exactly one weight per training row.',
    });
  }
  let total = 0;
  for (let i = 0; i < nRows; i++) {
    const v = w[i] as number;
    if (!(v >= 0) || !Number.isFinite(v))
      throw invalidArgument(
        `options.sampleWeight[${i}]`,
        'a finite weight >= 0',
        String(v),
        'Fix or drop that weight.',
      );
    total += v;
  }
  if (!(total > 0))
    throw invalidArgument('options.sampleWeight', 'a positive total weight', String(total), 'Give some rows weight.');
  return w;
}

/** Rejects (weighted) training labels that leave either class with no total weight. */
export function checkBothClassesWeighted(total: number, total1: number): void {
  if (!(total1 > 0) || !(total - total1 > 0)) {
    throw invalidArgument(
      'options.sampleWeight',
      'positive total weight in both classes',
      `class-1 weight ${total1}, class-0 weight ${total - total1}`,
      'Give some rows of each class a weight above 0.',
    );
  }
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log(1 + exp(z)) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Log-odds of a probability, clipped away from 0 and 1 so it stays finite. */
export function logit(p: number, eps = 1e-15): number {
  const q = Math.min(Math.max(p, eps), 1 - eps);
  return Math.log(q / (1 - q));
}

/** Row-major copy of a column-major matrix's data (for per-row distance/kernel loops). */
export function toRowMajor(data: Float64Array, nRows: number, nCols: number): Float64Array {
  const out = new Float64Array(nRows * nCols);
  for (let j = 0; j < nCols; j++) {
    const off = j * nRows;
    for (let i = 0; i < nRows; i++) out[i * nCols + j] = data[off + i] as number;
  }
  return out;
}

/**
 * Rebuilds a model from saved params; a param the constructor rejects means the file is damaged
 * or from an incompatible version, so it is reported as a model-format error, not a usage error.
 */
export function restoreParams<M>(kind: string, build: () => M): M {
  try {
    return build();
  } catch (e) {
    if (e instanceof MlError) throw formatError(kind, 'params', 'valid parameters', e.message);
    throw e;
  }
}

/** KernelSHAP settings from the caller's explain options, falling back to the model's own seed. */
export function explainOpts(options: ExplainOptions | undefined, seed: number): { nSamples?: number; seed: number } {
  return { ...(options?.nSamples !== undefined ? { nSamples: options.nSamples } : {}), seed: options?.seed ?? seed };
}

/**
 * Squared distances of every (background row b, reference row r) pair, pair p = b * nRef + r,
 * for KernelSHAP coalitions whose features come from `x` where the mask is 1 and from the
 * background row where it is 0. Per-feature deltas are precomputed once, so moving to the next
 * coalition costs one pass over the pairs per feature whose membership changed; when more than
 * half change, restarting from the empty coalition is cheaper and drops accumulated rounding.
 * Returns `at(mask, c)`: the distances for coalition c (a view reused by the next call).
 */
export function coalitionDistances(
  x: Float64Array,
  bg: Matrix,
  ref: Float64Array,
  nRef: number,
  d: number,
): (mask: Uint8Array, c: number) => Float64Array {
  const B = bg.nRows;
  const P = B * nRef;
  // diff[j * P + p] = (x_j - ref_rj)^2 - (bg_bj - ref_rj)^2: the change of pair p's distance
  // when feature j switches from the background value to x's.
  const diff = new Float64Array(d * P);
  const base = new Float64Array(P);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < nRef; r++) {
      let s = 0;
      const p = b * nRef + r;
      for (let j = 0; j < d; j++) {
        const rj = ref[r * d + j] as number;
        const db = ((bg.data[j * B + b] as number) - rj) ** 2;
        diff[j * P + p] = ((x[j] as number) - rj) ** 2 - db;
        s += db;
      }
      base[p] = s;
    }
  }
  const dist = base.slice();
  const cur = new Uint8Array(d);
  return (mask, c) => {
    let flips = 0;
    for (let j = 0; j < d; j++) if (mask[c * d + j] !== cur[j]) flips++;
    if (flips * 2 > d) {
      dist.set(base);
      cur.fill(0);
    }
    for (let j = 0; j < d; j++) {
      const want = mask[c * d + j] as number;
      if (want === cur[j]) continue;
      const off = j * P;
      if (want === 1) for (let p = 0; p < P; p++) dist[p] = (dist[p] as number) + (diff[off + p] as number);
      else for (let p = 0; p < P; p++) dist[p] = (dist[p] as number) - (diff[off + p] as number);
      cur[j] = want;
    }
    return dist;
  };
}
