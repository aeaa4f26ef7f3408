/**
 * Bounded-memory column statistics for files of any length. Mean and standard deviation are
 * exact (Welford's streaming update); min and max are exact; quantiles come from a uniform
 * reservoir sample (Vitter's Algorithm L, seeded, so results are reproducible) of at most
 * `capacity` values. With n <= capacity the quantiles are exact. Beyond that, the rank of a
 * reported p-quantile has standard error sqrt(p(1-p)/capacity): for the default 16384 values at
 * most 0.39 percentile points (p = 0.5), 0.08 points at p = 0.01 / 0.99.
 */
import { Rng } from '@aquaops/ml';

export const DEFAULT_RESERVOIR = 16384;

export interface ColumnStats {
  readonly count: number;
  readonly min: number;
  readonly p01: number;
  readonly p05: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** True when quantiles were computed from all values (count <= reservoir capacity). */
  readonly exactQuantiles: boolean;
}

export class ColumnSketch {
  private n = 0;
  private mean = 0;
  private m2 = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly sample: Float64Array;
  private filled = 0;
  private readonly rng: Rng;
  /** Algorithm L state: the index of the next value to take, and the running weight. */
  private nextTake = 0;
  private w = 1;

  constructor(
    readonly capacity = DEFAULT_RESERVOIR,
    seed = 0x5eed,
  ) {
    this.sample = new Float64Array(capacity);
    this.rng = new Rng(seed);
  }

  add(v: number): void {
    const n = ++this.n;
    const d = v - this.mean;
    this.mean += d / n;
    this.m2 += d * (v - this.mean);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const k = this.capacity;
    if (this.filled < k) {
      this.sample[this.filled++] = v;
      if (this.filled === k) {
        this.w = Math.exp(Math.log(this.unit()) / k);
        this.nextTake = n + Math.floor(Math.log(this.unit()) / Math.log(1 - this.w)) + 1;
      }
      return;
    }
    if (n === this.nextTake) {
      this.sample[this.rng.int(k)] = v;
      this.w *= Math.exp(Math.log(this.unit()) / k);
      this.nextTake = n + Math.floor(Math.log(this.unit()) / Math.log(1 - this.w)) + 1;
    }
  }

  private unit(): number {
    let u = 0;
    while (u === 0) u = this.rng.next();
    return u;
  }

  get count(): number {
    return this.n;
  }

  /** Whether every value seen so far was equal (a constant column). */
  isConstant(): boolean {
    return this.n > 0 && this.min === this.max;
  }

  stats(): ColumnStats | null {
    if (this.n === 0) return null;
    const s = this.sample.slice(0, this.filled).sort();
    const q = (p: number): number => {
      // Linear interpolation between order statistics (numpy's default "linear" method).
      const h = (s.length - 1) * p;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, s.length - 1);
      return (s[lo] as number) + (h - lo) * ((s[hi] as number) - (s[lo] as number));
    };
    return {
      count: this.n,
      min: this.min,
      p01: q(0.01),
      p05: q(0.05),
      p25: q(0.25),
      p50: q(0.5),
      p75: q(0.75),
      p95: q(0.95),
      p99: q(0.99),
      max: this.max,
      mean: this.mean,
      std: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1)) : 0,
      exactQuantiles: this.n <= this.capacity,
    };
  }
}
