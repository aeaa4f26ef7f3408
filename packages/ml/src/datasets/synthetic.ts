/**
 * The synthetic binary problem used by the speed benchmarks (specified in
 * shared/baseline/README.md so our figures compare with the Python stack's): nine independent
 * standard-normal features x0..x8, 10% of x0 and 20% of x4 missing (independent masks),
 * logit = 1.5·x0·x1 + sin(2·x2) + 0.8·x3² − 0.8 + 0.5·x5 with missing values counted as 0, and
 * y ~ Bernoulli(sigmoid(logit)). Deterministic from the seed; the true logit scores ROC-AUC ≈ 0.839.
 */
import { invalidArgument } from '../errors.js';
import { type Matrix, matrix } from '../matrix.js';
import { Rng } from '../rng.js';

export interface SyntheticData {
  readonly X: Matrix;
  readonly y: Uint8Array;
  /** The true logit per row (for reference scores). */
  readonly logit: Float64Array;
}

export const SYNTHETIC_FEATURES: readonly string[] = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'];

export function syntheticPotability(nRows: number, seed: number): SyntheticData {
  if (!Number.isInteger(nRows) || nRows < 1)
    throw invalidArgument('nRows', 'a positive integer', String(nRows), 'Ask for at least one row.');
  if (!Number.isInteger(seed)) throw invalidArgument('seed', 'an integer', String(seed), 'Pass an integer seed.');
  const rng = new Rng(seed);
  const nF = 9;
  const data = new Float64Array(nRows * nF);
  const y = new Uint8Array(nRows);
  const logit = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < nF; j++) data[j * nRows + i] = rng.normal();
    if (rng.next() < 0.1) data[i] = Number.NaN;
    if (rng.next() < 0.2) data[4 * nRows + i] = Number.NaN;
    const v = (j: number): number => {
      const x = data[j * nRows + i] as number;
      return x === x ? x : 0;
    };
    const x3 = v(3);
    const z = 1.5 * v(0) * v(1) + Math.sin(2 * v(2)) + 0.8 * x3 * x3 - 0.8 + 0.5 * v(5);
    logit[i] = z;
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: matrix(nRows, nF, data, SYNTHETIC_FEATURES), y, logit };
}
