/**
 * Feature discretisation for histogram boosting. Each feature gets at most `maxBin` bins for its
 * non-missing values, cut at (seeded, sampled) quantiles of its distinct values, plus one dedicated
 * missing-value bin after them. A bin's upper bound is the midpoint between the last value inside
 * it and the next distinct value (LightGBM's choice), so a split "bin <= b" becomes the real-valued
 * tree rule `x <= upper[b]` and prediction works on raw floats with exactly the routing training saw.
 * Binned data is stored row-major (`bins[i * nFeatures + f]`, one byte per value): the histogram
 * kernel reads one row's bytes together, which measured ~1.6x faster than column-major gathers.
 */
import type { Matrix } from '../matrix.js';
import { Rng } from '../rng.js';

export interface FeatureBins {
  /** Upper bound per non-missing bin; the last one is +Infinity. */
  readonly upper: Float64Array;
  /** Number of non-missing bins; the missing bin's index equals this. */
  readonly nBins: number;
  /** Whether any training row had this feature missing. */
  readonly sawMissing: boolean;
}

/** Row indices chosen by selection sampling: exactly `k` of `n`, ascending, reproducible from the seed. */
export function sampleRows(n: number, k: number, seed: number): Int32Array {
  if (k >= n) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const rng = new Rng(seed);
  const out = new Int32Array(k);
  let chosen = 0;
  for (let i = 0; i < n && chosen < k; i++) {
    if (rng.next() * (n - i) < k - chosen) out[chosen++] = i;
  }
  return out;
}

function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  // Adjacent doubles can round the midpoint onto b, which would put b in a's bin.
  return m >= b ? a : m;
}

/** Bin boundaries of one feature from its (sampled) non-missing values. */
export function findBinUpperBounds(values: Float64Array, maxBin: number): Float64Array {
  const n = values.length;
  if (n === 0) return Float64Array.of(Number.POSITIVE_INFINITY);
  const sorted = values.slice().sort();
  const distinct = new Float64Array(n);
  const counts = new Int32Array(n);
  let nd = 0;
  for (let k = 0; k < n; k++) {
    const v = sorted[k] as number;
    if (nd > 0 && distinct[nd - 1] === v) counts[nd - 1] = (counts[nd - 1] as number) + 1;
    else {
      distinct[nd] = v;
      counts[nd] = 1;
      nd++;
    }
  }
  const upper: number[] = [];
  if (nd <= maxBin) {
    for (let j = 0; j < nd - 1; j++) upper.push(midpoint(distinct[j] as number, distinct[j + 1] as number));
  } else {
    // Greedy equal-frequency cuts: each bin takes its fair share of the rows not yet binned, so a
    // heavy value never leaves the later bins starved.
    let remaining = n;
    let binsLeft = maxBin;
    let acc = 0;
    for (let j = 0; j < nd - 1 && binsLeft > 1; j++) {
      acc += counts[j] as number;
      if (acc >= remaining / binsLeft) {
        upper.push(midpoint(distinct[j] as number, distinct[j + 1] as number));
        remaining -= acc;
        binsLeft--;
        acc = 0;
      }
    }
  }
  upper.push(Number.POSITIVE_INFINITY);
  return Float64Array.from(upper);
}

export interface BinnedData {
  readonly features: readonly FeatureBins[];
  /** Row-major bins, `nRows * nFeatures` bytes. */
  readonly bins: Uint8Array;
}

/**
 * Finds bin boundaries from a seeded row sample and bins every row of X into `out`
 * (row-major; the caller allocates it so a threaded backend can hand in shared memory).
 */
export function binMatrix(
  X: Matrix,
  opts: { maxBin: number; sampleCount: number; seed: number },
  out: Uint8Array,
): BinnedData {
  const { nRows, nCols, data } = X;
  const sample = sampleRows(nRows, opts.sampleCount, opts.seed);
  const features: FeatureBins[] = [];
  const buf = new Float64Array(sample.length);
  for (let f = 0; f < nCols; f++) {
    const base = f * nRows;
    let m = 0;
    for (let k = 0; k < sample.length; k++) {
      const v = data[base + (sample[k] as number)] as number;
      if (v === v) buf[m++] = v;
    }
    const upper = findBinUpperBounds(buf.subarray(0, m), opts.maxBin);
    const nb = upper.length;
    const missingBin = nb;
    // Fixed-step search over bounds padded to 256 with +Infinity: the bin is the number of bounds
    // below v, found in 8 steps whose outcome feeds arithmetic instead of hard-to-predict branches.
    const padded = new Float64Array(256).fill(Number.POSITIVE_INFINITY);
    padded.set(upper);
    let sawMissing = false;
    let idx = f;
    for (let i = 0; i < nRows; i++, idx += nCols) {
      const v = data[base + i] as number;
      if (v !== v) {
        out[idx] = missingBin;
        sawMissing = true;
        continue;
      }
      let pos = 0;
      for (let step = 128; step >= 1; step >>= 1) pos += +((padded[pos + step - 1] as number) < v) * step;
      out[idx] = pos;
    }
    features.push({ upper, nBins: nb, sawMissing });
  }
  return { features, bins: out };
}
