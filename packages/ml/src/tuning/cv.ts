/**
 * Cross-validation of one model configuration: fit on each fold's training rows, predict its
 * test rows, score with the objective. Out-of-fold probabilities are kept (the decision
 * threshold is chosen on them later, never on the rows a model was fitted on). Every
 * preprocessing step sits inside the model (a Pipeline), so it is fitted on training rows only.
 */
import type { Classifier } from '../model.js';
import { type Labels, type Matrix, takeLabels, takeRows } from '../matrix.js';
import type { Fold } from '../split.js';
import type { Objective } from './objective.js';

export interface CvResult {
  readonly foldScores: number[];
  readonly mean: number;
  /** Sample standard deviation over folds (0 with one fold). */
  readonly std: number;
  /** Standard error of the mean (std / sqrt(folds)). */
  readonly stdErr: number;
  /** Out-of-fold P(class 1); NaN for rows no evaluated fold tested (or averaged over repeats). */
  readonly oof: Float64Array;
  /** Total fit time over folds, milliseconds. */
  readonly fitMs: number;
  readonly predictMs: number;
}

// `performance` exists in browsers and Node but is not in the ES lib this pure package compiles against.
const perf = (globalThis as { performance?: { now(): number } }).performance;
const now = (): number => (perf !== undefined ? perf.now() : Date.now());

export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / n;
  if (n === 1) return { mean, std: 0 };
  let v = 0;
  for (const x of xs) v += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(v / (n - 1)) };
}

export function crossValidate(
  create: () => Classifier,
  X: Matrix,
  y: Labels,
  folds: readonly Fold[],
  objective: Objective,
  options: { readonly signal?: { readonly aborted: boolean } } = {},
): CvResult {
  const scores: number[] = [];
  const sum = new Float64Array(X.nRows);
  const count = new Uint16Array(X.nRows);
  let fitMs = 0;
  let predictMs = 0;
  for (const fold of folds) {
    if (options.signal?.aborted === true) break;
    const model = create();
    const t0 = now();
    model.fit(takeRows(X, fold.train), takeLabels(y, fold.train));
    const t1 = now();
    const p = model.predictProba(takeRows(X, fold.test));
    predictMs += now() - t1;
    fitMs += t1 - t0;
    scores.push(objective.score(takeLabels(y, fold.test), p));
    for (let k = 0; k < fold.test.length; k++) {
      const i = fold.test[k] as number;
      sum[i] = (sum[i] as number) + (p[k] as number);
      count[i] = (count[i] as number) + 1;
    }
  }
  const oof = new Float64Array(X.nRows);
  for (let i = 0; i < oof.length; i++) oof[i] = count[i] === 0 ? Number.NaN : (sum[i] as number) / (count[i] as number);
  const { mean, std } = meanStd(scores);
  return {
    foldScores: scores,
    mean,
    std,
    stdErr: scores.length > 0 ? std / Math.sqrt(scores.length) : Number.NaN,
    oof,
    fitMs,
    predictMs,
  };
}
