/**
 * The C-SVC dual solver, following libsvm (Chang & Lin): sequential minimal optimisation with
 * second-order working-set selection "WSS3" (Fan, Chen & Lin 2005), an LRU cache of kernel rows
 * within a memory budget, and libsvm's bias (rho) rule. Dual problem:
 *   min 1/2 a'Qa - e'a  s.t. 0 <= a_i <= C_i, y'a = 0,  Q_ij = y_i y_j K(x_i, x_j).
 * Stops when the maximal KKT violation m(a) - M(a) < eps (libsvm's default 1e-3). No shrinking:
 * at a few thousand rows the full gradient update is cheap and keeps the code simple.
 */

export type KernelKind = 'rbf' | 'linear';

/** Kernel value between row-major rows a (offset ao) and b (offset bo) of length d. */
export function kernelValue(
  kind: KernelKind,
  gamma: number,
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  d: number,
): number {
  let s = 0;
  if (kind === 'rbf') {
    for (let j = 0; j < d; j++) {
      const t = (a[ao + j] as number) - (b[bo + j] as number);
      s += t * t;
    }
    return Math.exp(-gamma * s);
  }
  for (let j = 0; j < d; j++) s += (a[ao + j] as number) * (b[bo + j] as number);
  return s;
}

/** Fills out[t] = K(x_i, x_t) for t < n; one tight loop per kernel kind (this is the hot path). */
export function fillKernelRow(
  kind: KernelKind,
  gamma: number,
  x: Float64Array,
  i: number,
  n: number,
  d: number,
  out: Float64Array,
): void {
  const io = i * d;
  if (kind === 'rbf') {
    for (let t = 0, to = 0; t < n; t++, to += d) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const u = (x[io + j] as number) - (x[to + j] as number);
        s += u * u;
      }
      out[t] = Math.exp(-gamma * s);
    }
  } else {
    for (let t = 0, to = 0; t < n; t++, to += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[io + j] as number) * (x[to + j] as number);
      out[t] = s;
    }
  }
}

/**
 * Kernel rows of a training set, computed on demand and kept in a least-recently-used cache of
 * at most `budgetBytes`. A cache built over a subset of a parent's rows (the internal
 * cross-validation's training parts) gathers its rows from the parent's cached rows instead of
 * recomputing kernel values, so the Platt folds and the final fit share one kernel computation.
 */
export class KernelCache {
  private readonly rows = new Map<number, Float64Array>();
  private readonly maxRows: number;
  /** K(x_i, x_i) for every row. */
  readonly diag: Float64Array;
  /** Kernel rows computed (or gathered) so far: a cost counter for tests and benches. */
  computed = 0;

  constructor(
    private readonly x: Float64Array,
    readonly n: number,
    private readonly d: number,
    private readonly kind: KernelKind,
    private readonly gamma: number,
    budgetBytes: number,
    private readonly parent?: { readonly cache: KernelCache; readonly idx: Int32Array },
  ) {
    // At least two rows: an SMO step needs rows i and j at the same time.
    this.maxRows = Math.max(2, Math.floor(budgetBytes / (8 * n)));
    this.diag = new Float64Array(n);
    if (parent !== undefined)
      for (let i = 0; i < n; i++) this.diag[i] = parent.cache.diag[parent.idx[i] as number] as number;
    else
      for (let i = 0; i < n; i++) {
        const io = i * d;
        this.diag[i] = kernelValue(kind, gamma, x, io, x, io, d);
      }
  }

  /** Subset cache over rows `idx` of this one (sharing its kernel values). */
  subset(idx: Int32Array, budgetBytes: number): KernelCache {
    return new KernelCache(this.x, idx.length, this.d, this.kind, this.gamma, budgetBytes, { cache: this, idx });
  }

  row(i: number): Float64Array {
    const hit = this.rows.get(i);
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting marks the row most recently used.
      this.rows.delete(i);
      this.rows.set(i, hit);
      return hit;
    }
    let buf: Float64Array;
    if (this.rows.size >= this.maxRows) {
      const oldest = this.rows.keys().next().value as number;
      buf = this.rows.get(oldest) as Float64Array;
      this.rows.delete(oldest);
    } else buf = new Float64Array(this.n);
    const p = this.parent;
    if (p !== undefined) {
      const pr = p.cache.row(p.idx[i] as number);
      const idx = p.idx;
      for (let t = 0; t < this.n; t++) buf[t] = pr[idx[t] as number] as number;
    } else fillKernelRow(this.kind, this.gamma, this.x, i, this.n, this.d, buf);
    this.computed++;
    this.rows.set(i, buf);
    return buf;
  }
}

export interface SmoResult {
  readonly alpha: Float64Array;
  readonly rho: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const TAU = 1e-12;

/**
 * Solves the C-SVC dual. `y` holds +1/-1; `C` the per-row upper bounds (C times sample weight).
 * The decision function is f(x) = sum_i alpha_i y_i K(x_i, x) - rho.
 */
export function solveSmo(
  cache: KernelCache,
  y: Int8Array,
  C: Float64Array,
  eps: number,
  maxIter: number,
  shouldStop?: () => boolean,
): SmoResult {
  const n = y.length;
  const alpha = new Float64Array(n);
  const G = new Float64Array(n).fill(-1);
  const QD = cache.diag;
  let iter = 0;
  let converged = false;
  while (iter < maxIter) {
    // Working set: i maximises -y G over I_up; j minimises the second-order decrease over I_low.
    let Gmax = Number.NEGATIVE_INFINITY;
    let i = -1;
    for (let t = 0; t < n; t++) {
      const yt = y[t] as number;
      const at = alpha[t] as number;
      if (yt === 1 ? at < (C[t] as number) : at > 0) {
        const v = -yt * (G[t] as number);
        if (v >= Gmax) {
          Gmax = v;
          i = t;
        }
      }
    }
    if (i === -1) {
      converged = true;
      break;
    }
    const Ki = cache.row(i);
    const Kii = QD[i] as number;
    let Gmax2 = Number.NEGATIVE_INFINITY;
    let j = -1;
    let objMin = Number.POSITIVE_INFINITY;
    for (let t = 0; t < n; t++) {
      const yt = y[t] as number;
      const at = alpha[t] as number;
      if (yt === 1 ? at > 0 : at < (C[t] as number)) {
        const yG = yt * (G[t] as number);
        if (yG >= Gmax2) Gmax2 = yG;
        const b = Gmax + yG;
        if (b > 0) {
          let a = Kii + (QD[t] as number) - 2 * (Ki[t] as number);
          if (a <= 0) a = TAU;
          const obj = -(b * b) / a;
          if (obj <= objMin) {
            objMin = obj;
            j = t;
          }
        }
      }
    }
    if (Gmax + Gmax2 < eps || j === -1) {
      converged = true;
      break;
    }
    iter++;
    if (shouldStop !== undefined && (iter & 1023) === 0 && shouldStop()) break;
    const Kj = cache.row(j);
    // cache.row(j) may have recycled an older buffer but never i's (it was used last).
    const yi = y[i] as number;
    const yj = y[j] as number;
    const Ci = C[i] as number;
    const Cj = C[j] as number;
    const oldAi = alpha[i] as number;
    const oldAj = alpha[j] as number;
    let ai = oldAi;
    let aj = oldAj;
    const Gi = G[i] as number;
    const Gj = G[j] as number;
    const Qij = yi * yj * (Ki[j] as number);
    if (yi !== yj) {
      let quad = Kii + (QD[j] as number) + 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (-Gi - Gj) / quad;
      const diff = ai - aj;
      ai += delta;
      aj += delta;
      if (diff > 0) {
        if (aj < 0) {
          aj = 0;
          ai = diff;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = -diff;
      }
      if (diff > Ci - Cj) {
        if (ai > Ci) {
          ai = Ci;
          aj = Ci - diff;
        }
      } else if (aj > Cj) {
        aj = Cj;
        ai = Cj + diff;
      }
    } else {
      let quad = Kii + (QD[j] as number) - 2 * Qij;
      if (quad <= 0) quad = TAU;
      const delta = (Gi - Gj) / quad;
      const sum = ai + aj;
      ai -= delta;
      aj += delta;
      if (sum > Ci) {
        if (ai > Ci) {
          ai = Ci;
          aj = sum - Ci;
        }
      } else if (aj < 0) {
        aj = 0;
        ai = sum;
      }
      if (sum > Cj) {
        if (aj > Cj) {
          aj = Cj;
          ai = sum - Cj;
        }
      } else if (ai < 0) {
        ai = 0;
        aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;
    // G_t += Q_ti dAi + Q_tj dAj, with Q_ti = y_t y_i K_ti.
    const di = yi * (ai - oldAi);
    const dj = yj * (aj - oldAj);
    for (let t = 0; t < n; t++)
      G[t] = (G[t] as number) + (y[t] as number) * (di * (Ki[t] as number) + dj * (Kj[t] as number));
  }
  // libsvm's rho: mean of y G over free vectors, else the midpoint of the feasible interval.
  let ub = Number.POSITIVE_INFINITY;
  let lb = Number.NEGATIVE_INFINITY;
  let nFree = 0;
  let sumFree = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t] as number;
    const yG = yt * (G[t] as number);
    const at = alpha[t] as number;
    if (at >= (C[t] as number)) {
      if (yt === -1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else if (at <= 0) {
      if (yt === 1) ub = Math.min(ub, yG);
      else lb = Math.max(lb, yG);
    } else {
      nFree++;
      sumFree += yG;
    }
  }
  const rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
  return { alpha, rho, iterations: iter, converged };
}

/**
 * libsvm's improved Platt scaling (Lin, Lin & Weng 2007): fits P(y=1|f) = 1 / (1 + exp(A f + B))
 * by Newton's method with backtracking on regularised targets.
 */
export function plattFit(dec: Float64Array, y: ArrayLike<number>): { A: number; B: number } {
  const l = dec.length;
  let prior1 = 0;
  for (let i = 0; i < l; i++) if (y[i] === 1) prior1++;
  const prior0 = l - prior1;
  const maxIter = 100;
  const minStep = 1e-10;
  const sigma = 1e-12;
  const eps = 1e-5;
  const hi = (prior1 + 1) / (prior1 + 2);
  const lo = 1 / (prior0 + 2);
  const t = new Float64Array(l);
  for (let i = 0; i < l; i++) t[i] = y[i] === 1 ? hi : lo;
  let A = 0;
  let B = Math.log((prior0 + 1) / (prior1 + 1));
  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < l; i++) {
      const z = (dec[i] as number) * a + b;
      const ti = t[i] as number;
      f += z >= 0 ? ti * z + Math.log1p(Math.exp(-z)) : (ti - 1) * z + Math.log1p(Math.exp(z));
    }
    return f;
  };
  let fval = objective(A, B);
  for (let it = 0; it < maxIter; it++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < l; i++) {
      const di = dec[i] as number;
      const z = di * A + B;
      let p: number;
      let q: number;
      if (z >= 0) {
        const e = Math.exp(-z);
        p = e / (1 + e);
        q = 1 / (1 + e);
      } else {
        const e = Math.exp(z);
        p = 1 / (1 + e);
        q = e / (1 + e);
      }
      const d2 = p * q;
      h11 += di * di * d2;
      h22 += d2;
      h21 += di * d2;
      const d1 = (t[i] as number) - p;
      g1 += di * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= minStep) {
      const nA = A + step * dA;
      const nB = B + step * dB;
      const nf = objective(nA, nB);
      if (nf < fval + 0.0001 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < minStep) break;
  }
  return { A, B };
}
