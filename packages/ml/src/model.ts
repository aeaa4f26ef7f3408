/**
 * The contract every model in the engine meets. A model is fitted on a `Matrix` and binary
 * labels, predicts the probability of the positive class (and a raw margin where one exists),
 * explains each prediction additively (`base + sum(phi) = output`, in a stated space), and
 * turns itself into plain JSON state from which `ModelSpec.fromState` rebuilds it bit for bit.
 */
import type { Labels, Matrix } from './matrix.js';

/** Output space an explanation adds up in. */
export type ExplanationSpace = 'log-odds' | 'probability';

export type ExplanationMethod = 'tree-shap-path' | 'linear-shap' | 'kernel-shap' | 'composite';

export interface Explanation {
  readonly space: ExplanationSpace;
  readonly method: ExplanationMethod;
  /** Expected model output over the reference distribution (same space). */
  readonly base: number;
  /** Row-major contributions: phi[i * nFeatures + j] for row i, feature j. */
  readonly phi: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Model output for each row in `space`; base + sum_j phi[i, j] equals it (to float tolerance). */
  readonly output: Float64Array;
}

export interface ExplainOptions {
  /** KernelSHAP only: background rows (defaults to a sample kept at fit time). */
  readonly background?: Matrix;
  /** KernelSHAP only: number of coalition samples per row. */
  readonly nSamples?: number;
  readonly seed?: number;
}

/** Optional progress callback: library code never logs, it reports through this. */
export type ProgressFn = (event: { readonly stage: string; readonly done: number; readonly total: number }) => void;

export interface FitOptions {
  /** Per-row weights (e.g. class weights already expanded). */
  readonly sampleWeight?: Float64Array;
  /** Validation data for early stopping (boosting only). */
  readonly validation?: { readonly X: Matrix; readonly y: Labels };
  readonly onProgress?: ProgressFn;
}

/** Serialisable state of a fitted model: plain JSON (numbers, strings, arrays, objects). */
export interface ModelState {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly state: unknown;
}

export interface Classifier {
  /** Stable identifier of the model family, e.g. `gbm`, `random-forest`. */
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly nFeatures: number;
  /** Whether `predictProba` accepts NaN (missing) inputs. */
  readonly handlesMissing: boolean;
  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this;
  /** Probability of class 1 for each row. */
  predictProba(X: Matrix): Float64Array;
  /** Raw margin (log-odds) for models that have one. */
  predictMargin?(X: Matrix): Float64Array;
  explain(X: Matrix, options?: ExplainOptions): Explanation;
  toState(): ModelState;
}

/** Describes a model family: how to build one from params and how to restore a fitted one. */
export interface ModelSpec<P extends object = Record<string, unknown>> {
  readonly kind: string;
  /** Human name for reports. */
  readonly label: string;
  readonly defaults: Readonly<P>;
  /** Builds an unfitted model; unknown or invalid params raise MlError naming the param. */
  create(params?: Partial<P>): Classifier;
  /** Hyperparameter search space for tuning (sampled by the trainer); absent = nothing to tune. */
  readonly searchSpace?: Readonly<Record<string, ParamRange>>;
  /**
   * Known-good configurations a search always tries right after the defaults (like enqueued
   * trials): well-tested settings from the literature that random sampling would rarely hit.
   * They are scored by the same inner cross-validation as every other trial.
   */
  readonly searchSeeds?: readonly Readonly<Partial<P>>[];
  /**
   * Restores a fitted model from `toState()` output; bad state raises MlError(AQUAOPS_E_MODEL_FORMAT).
   * Composite models (pipelines, ensembles) restore their parts through `resolve`, which the
   * model catalogue supplies (it knows every kind).
   */
  fromState(state: ModelState, resolve: (inner: ModelState) => Classifier): Classifier;
}

/** One tunable hyperparameter's range. */
export type ParamRange =
  | { readonly type: 'int'; readonly min: number; readonly max: number; readonly log?: boolean }
  | { readonly type: 'float'; readonly min: number; readonly max: number; readonly log?: boolean }
  | { readonly type: 'choice'; readonly values: readonly (string | number | boolean)[] };
