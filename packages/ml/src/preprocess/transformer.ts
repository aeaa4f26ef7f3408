/**
 * The contract of a preprocessing step: fitted on training rows only, then applied unchanged
 * to any later rows. `outputSources` maps every output column back to the input column it was
 * derived from, which is how a pipeline folds explanations of derived columns (e.g. missing
 * indicators) back onto the original features. Steps serialise to plain JSON like models.
 */
import { MlError, invalidArgument } from '../errors.js';
import type { Matrix } from '../matrix.js';

export interface TransformerState {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly state: unknown;
}

export interface Transformer {
  /** Stable identifier, e.g. `simple-imputer`, `standard-scaler`. */
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Number of input columns seen at fit time (0 before fitting). */
  readonly nInputs: number;
  /** True when the output never contains NaN, whatever the input (an imputer). */
  readonly removesMissing: boolean;
  fit(X: Matrix): this;
  transform(X: Matrix): Matrix;
  /** For each output column, the input column it came from (requires a fitted step). */
  outputSources(): Int32Array;
  toState(): TransformerState;
}

/** How to build and restore one kind of transformer. */
export interface TransformerSpec {
  readonly kind: string;
  create(params?: Readonly<Record<string, unknown>>): Transformer;
  /** Restores a fitted step; bad state raises MlError(AQUAOPS_E_MODEL_FORMAT). */
  fromState(state: TransformerState): Transformer;
}

export function notFitted(what: string): MlError {
  return new MlError('AQUAOPS_E_ML_NOT_FITTED', {
    argument: what,
    expected: 'a fitted instance',
    found: 'an unfitted one',
    fix: 'Call fit() on training data first, or load a fitted model.',
  });
}

export function badState(kind: string, field: string, expected: string, found: unknown): MlError {
  return new MlError('AQUAOPS_E_MODEL_FORMAT', {
    argument: `${kind} state.${field}`,
    expected,
    found: describe(found),
    fix: 'The saved model is corrupt or was written by an incompatible version; retrain and save it again.',
  });
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' && v !== null ? 'an object' : JSON.stringify(v);
}

/** Reads a finite-number array field of a saved state. */
export function numberArray(kind: string, obj: Record<string, unknown>, field: string, length?: number): number[] {
  const v = obj[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw badState(kind, field, 'an array of finite numbers', v);
  }
  if (length !== undefined && v.length !== length) throw badState(kind, field, `${length} numbers`, v);
  return v as number[];
}

export function stateObject(kind: string, s: TransformerState, expectedKind: string): Record<string, unknown> {
  if (s.kind !== expectedKind) throw badState(kind, 'kind', `"${expectedKind}"`, s.kind);
  if (typeof s.params !== 'object' || s.params === null || Array.isArray(s.params)) {
    throw badState(kind, 'params', 'an object', s.params);
  }
  if (typeof s.state !== 'object' || s.state === null || Array.isArray(s.state)) {
    throw badState(kind, 'state', 'an object', s.state);
  }
  return s.state as Record<string, unknown>;
}

/** Rejects parameter names a step does not know (typos must not be silently ignored). */
export function checkParamNames(
  kind: string,
  params: Readonly<Record<string, unknown>>,
  known: readonly string[],
): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw invalidArgument(
        `params.${key}`,
        `one of ${known.join(', ')}`,
        `unknown parameter "${key}" for ${kind}`,
        'Remove or rename the parameter.',
      );
    }
  }
}
