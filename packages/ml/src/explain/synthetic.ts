/**
 * Seeded synthetic binary problems with a known structure, used by the classic models' tests
 * and sanity benches: a linear one (logistic link), a variance-difference one (the classes
 * share a mean and differ in spread, like the water-potability data) and a ring (non-linear,
 * local). Each returns a column-major matrix and labels.
 */
import { type Labels, type Matrix, matrix } from '../matrix.js';
import { Rng } from '../rng.js';

export interface Problem {
  readonly X: Matrix;
  readonly y: Labels;
}

/** y ~ Bernoulli(sigmoid(0.3 + sum_j w_j x_j)), x ~ N(0, 1). */
export function linearProblem(n: number, d: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0.3;
    for (let j = 0; j < d; j++) {
      const v = rng.normal();
      data[j * n + i] = v;
      z += (j % 2 === 0 ? 1.5 : -1) * v * (j < 3 ? 1 : 0);
    }
    y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: matrix(n, d, data), y };
}

/** Class 0: x ~ N(0, 1); class 1: x ~ N(0, 0.4^2) on the first two features, N(0, 1) elsewhere. */
export function varianceProblem(n: number, d: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.next() < 0.4 ? 1 : 0;
    y[i] = c;
    for (let j = 0; j < d; j++) data[j * n + i] = rng.normal() * (c === 1 && j < 2 ? 0.4 : 1);
  }
  return { X: matrix(n, d, data), y };
}

/** x uniform in [-2, 2]^d; class 1 inside the ring 0.8 < |x_{0,1}| < 1.6, 5% label noise. */
export function ringProblem(n: number, d: number, seed: number): Problem {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) data[j * n + i] = rng.next() * 4 - 2;
    const r = Math.hypot(data[i] as number, data[n + i] as number);
    let c = r > 0.8 && r < 1.6 ? 1 : 0;
    if (rng.next() < 0.05) c = 1 - c;
    y[i] = c;
  }
  return { X: matrix(n, d, data), y };
}

/** ROC-AUC by the rank-sum formula (ties get half credit); for tests and benches. */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (score[a] as number) - (score[b] as number));
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && score[idx[j + 1] as number] === score[idx[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[idx[k] as number] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
