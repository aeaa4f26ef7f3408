/**
 * The CART builder behind random forests and extra-trees: weighted-Gini classification trees
 * grown into the shared `Tree` representation. Two split searches share one grower:
 * - `hist` (random forest): features are binned once per fit (quantile bins, one extra bin for
 *   missing values) and each node builds per-bin weight sums for the features it samples, then
 *   scans bin boundaries; tiny nodes sort their few rows instead of touching every bin, which is
 *   what keeps fully grown trees (scikit-learn's default) fast;
 * - `random` (extra-trees): one uniform random threshold between the node's min and max per
 *   sampled feature, evaluated on raw values.
 * Missing values are native: every candidate split is scored with the node's missing rows sent
 * left and sent right (and "missing vs. the rest" is a candidate of its own); the better side is
 * stored as `missingLeft`. Rows enter with a weight (bootstrap multiplicity × class weight ×
 * sample weight); `cover` is that weight and a node's `value` is its weighted fraction of class 1.
 */
import { invalidArgument } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { Rng } from '../rng.js';
import type { Tree } from '../tree/tree.js';

/** Threshold of a "non-missing left, missing right" split: every finite value is <= it. */
export const ALL_FINITE = Number.MAX_VALUE;

export interface BinnedFeatures {
  readonly nRows: number;
  readonly nFeatures: number;
  /**
   * Row-major bins (`bins[i * nFeatures + f]`), so the random row accesses of a node's split search
   * touch one cache line per row for all its sampled features; missing (NaN) values get bin `nBins[f]`.
   */
  readonly bins: Uint16Array;
  /** Non-missing bins per feature. */
  readonly nBins: Int32Array;
  /** Per feature, `nBins[f] - 1` split thresholds: bin b holds values <= upper[b] (and > upper[b-1]). */
  readonly upper: readonly Float64Array[];
}

function midpoint(a: number, b: number): number {
  const m = a + (b - a) / 2;
  // Adjacent doubles: the midpoint may round up to b, which would put b on the left.
  return m < b ? m : a;
}

/**
 * Quantile bins per feature: every distinct value gets its own bin when there are at most
 * `maxBins` of them (so splits are exactly CART's midpoints), otherwise bins hold about equal
 * numbers of rows. Thresholds sit midway between the last value of a bin and the first of the next.
 */
export function binFeatures(X: Matrix, maxBins: number): BinnedFeatures {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 65_535) {
    throw invalidArgument('maxBins', 'an integer in [2, 65535]', String(maxBins), 'Use the default 255.');
  }
  const { nRows, nCols, data } = X;
  const bins = new Uint16Array(nRows * nCols);
  const nBins = new Int32Array(nCols);
  const upper: Float64Array[] = [];
  const sorted = new Float64Array(nRows);
  for (let f = 0; f < nCols; f++) {
    const off = f * nRows;
    let m = 0;
    for (let i = 0; i < nRows; i++) {
      const v = data[off + i] as number;
      if (v === v) sorted[m++] = v;
    }
    const vals = sorted.subarray(0, m).sort();
    let nDistinct = 0;
    for (let k = 0; k < m; k++) if (k === 0 || vals[k] !== vals[k - 1]) nDistinct++;
    const ups: number[] = [];
    if (nDistinct <= maxBins) {
      for (let k = 1; k < m; k++) {
        if (vals[k] !== vals[k - 1]) ups.push(midpoint(vals[k - 1] as number, vals[k] as number));
      }
    } else {
      // Cut after the distinct value where the cumulative count first reaches each quantile.
      let next = 1;
      for (let k = 0; k < m - 1 && next < maxBins; k++) {
        if (vals[k + 1] === vals[k]) continue;
        if (k + 1 >= (next * m) / maxBins) {
          ups.push(midpoint(vals[k] as number, vals[k + 1] as number));
          while (next < maxBins && (next * m) / maxBins <= k + 1) next++;
        }
      }
    }
    const up = Float64Array.from(ups);
    upper.push(up);
    const nb = up.length + 1;
    nBins[f] = nb;
    for (let i = 0; i < nRows; i++) {
      const v = data[off + i] as number;
      if (v !== v) {
        bins[i * nCols + f] = nb;
        continue;
      }
      // First threshold >= v.
      let lo = 0;
      let hi = up.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((up[mid] as number) < v) lo = mid + 1;
        else hi = mid;
      }
      bins[i * nCols + f] = lo;
    }
  }
  return { nRows, nFeatures: nCols, bins, nBins, upper };
}

export interface GrowOptions {
  readonly mode: 'hist' | 'random';
  /** Features tried per split (non-constant ones; constant ones are skipped, as scikit-learn does). */
  readonly mtry: number;
  /** -1 = unlimited. */
  readonly maxDepth: number;
  readonly minSamplesSplit: number;
  readonly minSamplesLeaf: number;
  /** -1 = unlimited (depth-first growth); otherwise best-first up to this many leaves. */
  readonly maxLeafNodes: number;
  /** Minimum weighted impurity decrease of a split, in absolute weight units. */
  readonly minDecrease: number;
}

/** Inputs shared by all trees of one fit. */
export interface GrowData {
  /** Raw values (column-major, NaN = missing): routing for `random`, nothing else reads them in `hist`. */
  readonly X: Matrix;
  /** Required for `hist`. */
  readonly binned?: BinnedFeatures;
  readonly y: Uint8Array;
}

const SMALL_NODE = 16;

/** Reusable buffers: one builder grows many trees without reallocating per node. */
export class TreeBuilder {
  private readonly data: GrowData;
  private readonly nF: number;
  private readonly rows: Int32Array;
  // Weight and class-1 weight by position in `rows` (moved with the rows when a node is
  // partitioned), so the hot loops read them sequentially instead of gathering by row index.
  private readonly w: Float64Array;
  private readonly wy: Float64Array;
  private readonly perm: Int32Array;
  // Dense histogram (hist mode): weight, class-1 weight, row count per bin, interleaved.
  private readonly hist: Float64Array;
  private readonly touched: Int32Array;
  // Compacted non-empty bins (ascending), shared by the dense and the small-node paths.
  private readonly cBin: Int32Array;
  private readonly cW: Float64Array;
  private readonly cY: Float64Array;
  private readonly cC: Int32Array;
  private readonly keys: Float64Array;

  constructor(data: GrowData) {
    this.data = data;
    const n = data.X.nRows;
    this.nF = data.X.nCols;
    this.rows = new Int32Array(n);
    this.w = new Float64Array(n);
    this.wy = new Float64Array(n);
    this.perm = new Int32Array(this.nF);
    let maxB = 2;
    if (data.binned) for (const nb of data.binned.nBins) maxB = Math.max(maxB, nb + 1);
    this.hist = new Float64Array(3 * maxB);
    this.touched = new Int32Array((maxB >> 5) + 1);
    this.cBin = new Int32Array(maxB);
    this.cW = new Float64Array(maxB);
    this.cY = new Float64Array(maxB);
    this.cC = new Int32Array(maxB);
    this.keys = new Float64Array(SMALL_NODE);
  }

  /**
   * Grows one tree on the rows with positive `weight` (length nRows). Deterministic given `rng`.
   */
  grow(weight: Float64Array, rng: Rng, opts: GrowOptions): Tree {
    const { y } = this.data;
    const rows = this.rows;
    const w = this.w;
    const wy = this.wy;
    let n = 0;
    let totalW = 0;
    let totalY = 0;
    for (let i = 0; i < weight.length; i++) {
      const wi = weight[i] as number;
      if (wi > 0) {
        const wyi = y[i] === 1 ? wi : 0;
        w[n] = wi;
        wy[n] = wyi;
        rows[n++] = i;
        totalW += wi;
        totalY += wyi;
      }
    }
    const t = new TreeArrays();
    const root = t.add(totalW, totalY);
    if (n === 0) return t.finish();
    const split = new SplitResult();
    const nodeStart: number[] = [0];
    const nodeEnd: number[] = [n];
    const nodeDepth: number[] = [0];
    const nodeId: number[] = [root];
    const bestFirst = opts.maxLeafNodes > 0;
    // Each node slot k's best split, found when the node was created; `pending` holds the slots
    // still to split (a stack, or a max-heap on `sDecrease` for best-first growth). Plain arrays
    // of numbers instead of an object per node keep the allocator out of the hot path.
    const sFeature: number[] = [];
    const sBin: number[] = [];
    const sThreshold: number[] = [];
    const sMissingLeft: boolean[] = [];
    const sMissingSeen: boolean[] = [];
    const sDecrease: number[] = [];
    const pending: number[] = [];
    const consider = (k: number): void => {
      const s = nodeStart[k] as number;
      const e = nodeEnd[k] as number;
      const id = nodeId[k] as number;
      const W = t.cover[id] as number;
      const W1 = t.sumY[id] as number;
      const d = nodeDepth[k] as number;
      if (e - s < opts.minSamplesSplit || e - s < 2 * opts.minSamplesLeaf) return;
      if (opts.maxDepth >= 0 && d >= opts.maxDepth) return;
      if (!(W1 > 0) || !(W1 < W)) return; // pure
      split.reset();
      this.search(s, e, W, W1, rng, opts, split);
      if (split.feature < 0) return;
      const parentScore = (W1 * W1 + (W - W1) * (W - W1)) / W;
      const decrease = split.score - parentScore;
      if (opts.minDecrease > 0 && decrease < opts.minDecrease) return;
      sFeature[k] = split.feature;
      sBin[k] = split.bin;
      sThreshold[k] = split.threshold;
      sMissingLeft[k] = split.missingLeft;
      sMissingSeen[k] = split.missingSeen;
      sDecrease[k] = decrease;
      pending.push(k);
      if (bestFirst) siftUp(pending, sDecrease, pending.length - 1);
    };
    // Slots are only ever appended, in order, so the arrays above stay dense.
    const fill = (): void => {
      while (sFeature.length < nodeStart.length) {
        sFeature.push(-1);
        sBin.push(-1);
        sThreshold.push(0);
        sMissingLeft.push(false);
        sMissingSeen.push(false);
        sDecrease.push(0);
      }
    };
    fill();
    consider(0);
    let nLeaves = 1;
    while (pending.length > 0) {
      if (bestFirst && nLeaves >= opts.maxLeafNodes) break;
      const k = bestFirst ? popMax(pending, sDecrease) : (pending.pop() as number);
      const s = nodeStart[k] as number;
      const e = nodeEnd[k] as number;
      const id = nodeId[k] as number;
      const feature = sFeature[k] as number;
      const threshold = sThreshold[k] as number;
      const mid = this.partition(s, e, feature, sBin[k] as number, threshold, sMissingLeft[k] as boolean);
      let lW = 0;
      let lY = 0;
      for (let r = s; r < mid; r++) {
        lW += w[r] as number;
        lY += wy[r] as number;
      }
      let rW = 0;
      let rY = 0;
      for (let r = mid; r < e; r++) {
        rW += w[r] as number;
        rY += wy[r] as number;
      }
      const l = t.add(lW, lY);
      const r = t.add(rW, rY);
      // No missing value reached this split in training: send future ones to the heavier side.
      const missingLeft = sMissingSeen[k] ? (sMissingLeft[k] as boolean) : lW >= rW;
      t.setSplit(id, feature, threshold, missingLeft, l, r);
      nLeaves++;
      const d = (nodeDepth[k] as number) + 1;
      const kl = nodeStart.length;
      nodeStart.push(s, mid);
      nodeEnd.push(mid, e);
      nodeDepth.push(d, d);
      nodeId.push(l, r);
      fill();
      // Depth-first pops the last pushed: consider the right child first so the left is grown first.
      if (bestFirst) {
        consider(kl);
        consider(kl + 1);
      } else {
        consider(kl + 1);
        consider(kl);
      }
    }
    return t.finish();
  }

  /** Moves rows going left to the front of [s, e); returns the first right position. */
  private partition(s: number, e: number, feature: number, bin: number, threshold: number, ml: boolean): number {
    const rows = this.rows;
    const w = this.w;
    const wy = this.wy;
    const nRows = this.data.X.nRows;
    let i = s;
    let j = e - 1;
    if (this.data.binned !== undefined && bin >= 0) {
      const b = this.data.binned;
      const nF = b.nFeatures;
      const f = feature;
      const bins = b.bins;
      const missBin = b.nBins[f] as number;
      const sb = bin;
      const goesLeft = (r: number): boolean => {
        const v = bins[r * nF + f] as number;
        return v === missBin ? ml : v <= sb;
      };
      while (i <= j) {
        if (goesLeft(rows[i] as number)) i++;
        else {
          swap3(rows, w, wy, i, j);
          j--;
        }
      }
      return i;
    }
    const data = this.data.X.data;
    const off = feature * nRows;
    const thr = threshold;
    while (i <= j) {
      const v = data[off + (rows[i] as number)] as number;
      const left = v !== v ? ml : v <= thr;
      if (left) i++;
      else {
        swap3(rows, w, wy, i, j);
        j--;
      }
    }
    return i;
  }

  /** Draws features without replacement until `mtry` non-constant ones were evaluated. */
  private search(s: number, e: number, W: number, W1: number, rng: Rng, opts: GrowOptions, best: SplitResult): void {
    const perm = this.perm;
    const nF = this.nF;
    const hist = opts.mode === 'hist';
    for (let f = 0; f < nF; f++) perm[f] = f;
    let visited = 0;
    for (let k = 0; k < nF && visited < opts.mtry; k++) {
      const j = k + rng.int(nF - k);
      const f = perm[j] as number;
      perm[j] = perm[k] as number;
      perm[k] = f;
      const nonConstant = hist
        ? this.histFeature(f, s, e, W, W1, opts, best)
        : this.randomFeature(f, s, e, W, W1, opts, best, rng);
      if (nonConstant) visited++;
    }
  }

  /** Scores feature f's splits of node [s, e) into `best`; false when f is constant there. */
  private histFeature(
    f: number,
    s: number,
    e: number,
    W: number,
    W1: number,
    opts: GrowOptions,
    best: SplitResult,
  ): boolean {
    const binned = this.data.binned as BinnedFeatures;
    const bins = binned.bins;
    const rows = this.rows;
    const w = this.w;
    const wy = this.wy;
    const n = e - s;
    const { hist, touched, cBin, cW, cY, cC, keys } = this;
    const nF = binned.nFeatures;
    const nb = binned.nBins[f] as number;
    // Compact the node's rows into (bin, weight, class-1 weight, count) runs in bin order.
    let nc = 0;
    if (n <= SMALL_NODE && n < nb) {
      // Sort keys bin * SMALL_NODE + position: exact in float64, insertion sort on <= 16 items.
      for (let r = 0; r < n; r++) {
        const key = (bins[(rows[s + r] as number) * nF + f] as number) * SMALL_NODE + r;
        let q = r - 1;
        while (q >= 0 && (keys[q] as number) > key) {
          keys[q + 1] = keys[q] as number;
          q--;
        }
        keys[q + 1] = key;
      }
      for (let r = 0; r < n; r++) {
        const key = keys[r] as number;
        const b = Math.floor(key / SMALL_NODE);
        const i = s + (key - b * SMALL_NODE);
        if (nc === 0 || cBin[nc - 1] !== b) {
          cBin[nc] = b;
          cW[nc] = 0;
          cY[nc] = 0;
          cC[nc] = 0;
          nc++;
        }
        cW[nc - 1] = (cW[nc - 1] as number) + (w[i] as number);
        cY[nc - 1] = (cY[nc - 1] as number) + (wy[i] as number);
        cC[nc - 1] = (cC[nc - 1] as number) + 1;
      }
    } else {
      // Interleaved (weight, class-1 weight, count) per bin: one cache line per update. A bitmap
      // of touched bins lets a node with fewer rows than bins visit (and re-zero) only those,
      // in ascending order; `hist` is all zeros between calls.
      for (let r = s; r < e; r++) {
        const b = bins[(rows[r] as number) * nF + f] as number;
        const h = 3 * b;
        hist[h] = (hist[h] as number) + (w[r] as number);
        hist[h + 1] = (hist[h + 1] as number) + (wy[r] as number);
        hist[h + 2] = (hist[h + 2] as number) + 1;
        touched[b >> 5] = (touched[b >> 5] as number) | (1 << (b & 31));
      }
      const nWords = (nb >> 5) + 1;
      for (let wd = 0; wd < nWords; wd++) {
        let m = touched[wd] as number;
        if (m === 0) continue;
        touched[wd] = 0;
        while (m !== 0) {
          const low = m & -m;
          m ^= low;
          const b = (wd << 5) + 31 - Math.clz32(low);
          const h = 3 * b;
          cBin[nc] = b;
          cW[nc] = hist[h] as number;
          cY[nc] = hist[h + 1] as number;
          cC[nc] = hist[h + 2] as number;
          hist[h] = 0;
          hist[h + 1] = 0;
          hist[h + 2] = 0;
          nc++;
        }
      }
    }
    // The missing bin, if present, is last (bin nb).
    let mW = 0;
    let mY = 0;
    let mC = 0;
    if (nc > 0 && cBin[nc - 1] === nb) {
      nc--;
      mW = cW[nc] as number;
      mY = cY[nc] as number;
      mC = cC[nc] as number;
    }
    if (nc === 0 || (nc === 1 && mC === 0)) return false; // constant in this node
    const up = binned.upper[f] as Float64Array;
    const minLeaf = opts.minSamplesLeaf;
    let lW = 0;
    let lY = 0;
    let lC = 0;
    for (let k = 0; k < nc - 1; k++) {
      lW += cW[k] as number;
      lY += cY[k] as number;
      lC += cC[k] as number;
      const b = cBin[k] as number;
      const rC = n - mC - lC;
      // Missing rows right.
      if (lC >= minLeaf && rC + mC >= minLeaf) {
        best.offer(f, b, up[b] as number, false, mC > 0, giniScore(lW, lY, W - lW, W1 - lY));
      }
      // Missing rows left.
      if (mC > 0 && lC + mC >= minLeaf && rC >= minLeaf) {
        best.offer(f, b, up[b] as number, true, mC > 0, giniScore(lW + mW, lY + mY, W - lW - mW, W1 - lY - mY));
      }
    }
    // Missing against everything else.
    if (mC > 0 && n - mC >= minLeaf && mC >= minLeaf) {
      best.offer(f, nb - 1, ALL_FINITE, false, mC > 0, giniScore(W - mW, W1 - mY, mW, mY));
    }
    return true;
  }

  /** Scores feature f's splits of node [s, e) into `best`; false when f is constant there. */
  private randomFeature(
    f: number,
    s: number,
    e: number,
    W: number,
    W1: number,
    opts: GrowOptions,
    best: SplitResult,
    rng: Rng,
  ): boolean {
    const X = this.data.X;
    const data = X.data;
    const nRows = X.nRows;
    const rows = this.rows;
    const w = this.w;
    const wy = this.wy;
    const n = e - s;
    const minLeaf = opts.minSamplesLeaf;
    const off = f * nRows;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let mW = 0;
    let mY = 0;
    let mC = 0;
    for (let r = s; r < e; r++) {
      const v = data[off + (rows[r] as number)] as number;
      if (v !== v) {
        mW += w[r] as number;
        mY += wy[r] as number;
        mC++;
      } else {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (mC === n) return false;
    if (!(hi > lo)) {
      if (mC === 0) return false;
      // Only missing vs. present can separate these rows.
      if (n - mC >= minLeaf && mC >= minLeaf) {
        best.offer(f, -1, ALL_FINITE, false, mC > 0, giniScore(W - mW, W1 - mY, mW, mY));
      }
      return true;
    }
    let thr = lo + rng.next() * (hi - lo);
    if (thr >= hi) thr = lo;
    let lW = 0;
    let lY = 0;
    let lC = 0;
    for (let r = s; r < e; r++) {
      const v = data[off + (rows[r] as number)] as number;
      if (v <= thr) {
        lW += w[r] as number;
        lY += wy[r] as number;
        lC++;
      }
    }
    const rC = n - mC - lC;
    if (lC >= minLeaf && rC + mC >= minLeaf) best.offer(f, -1, thr, false, mC > 0, giniScore(lW, lY, W - lW, W1 - lY));
    if (mC > 0 && lC + mC >= minLeaf && rC >= minLeaf) {
      best.offer(f, -1, thr, true, mC > 0, giniScore(lW + mW, lY + mY, W - lW - mW, W1 - lY - mY));
    }
    return true;
  }
}

function swap3(rows: Int32Array, w: Float64Array, wy: Float64Array, i: number, j: number): void {
  const r = rows[i] as number;
  rows[i] = rows[j] as number;
  rows[j] = r;
  const a = w[i] as number;
  w[i] = w[j] as number;
  w[j] = a;
  const b = wy[i] as number;
  wy[i] = wy[j] as number;
  wy[j] = b;
}

/** Sum over children of (W1^2 + W0^2) / W: larger is purer (weighted Gini impurity = W - this). */
function giniScore(lW: number, lY: number, rW: number, rY: number): number {
  if (!(lW > 0) || !(rW > 0)) return Number.NEGATIVE_INFINITY;
  const l0 = lW - lY;
  const r0 = rW - rY;
  return (lY * lY + l0 * l0) / lW + (rY * rY + r0 * r0) / rW;
}

interface SplitInfo {
  readonly feature: number;
  /** Last bin going left (hist mode) or -1 (raw threshold routing). */
  readonly bin: number;
  readonly threshold: number;
  readonly missingLeft: boolean;
  /** Whether the node had missing values of this feature (else missingLeft is decided by weight). */
  readonly missingSeen: boolean;
  readonly score: number;
}

class SplitResult implements SplitInfo {
  feature = -1;
  bin = -1;
  threshold = 0;
  missingLeft = false;
  missingSeen = false;
  score = Number.NEGATIVE_INFINITY;

  reset(): void {
    this.feature = -1;
    this.bin = -1;
    this.threshold = 0;
    this.missingLeft = false;
    this.missingSeen = false;
    this.score = Number.NEGATIVE_INFINITY;
  }

  offer(
    feature: number,
    bin: number,
    threshold: number,
    missingLeft: boolean,
    missingSeen: boolean,
    score: number,
  ): void {
    // Strictly better only: ties keep the first candidate, which keeps growth deterministic.
    if (score > this.score) {
      this.feature = feature;
      this.bin = bin;
      this.threshold = threshold;
      this.missingLeft = missingLeft;
      this.missingSeen = missingSeen;
      this.score = score;
    }
  }
}

function siftUp(h: number[], key: readonly number[], k: number): void {
  const item = h[k] as number;
  const v = key[item] as number;
  while (k > 0) {
    const parent = (k - 1) >> 1;
    const p = h[parent] as number;
    if ((key[p] as number) >= v) break;
    h[k] = p;
    k = parent;
  }
  h[k] = item;
}

function popMax(h: number[], key: readonly number[]): number {
  const top = h[0] as number;
  const last = h.pop() as number;
  if (h.length === 0) return top;
  const lastKey = key[last] as number;
  let k = 0;
  const n = h.length;
  for (;;) {
    const l = 2 * k + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && (key[h[r] as number] as number) > (key[h[l] as number] as number) ? r : l;
    if ((key[h[c] as number] as number) <= lastKey) break;
    h[k] = h[c] as number;
    k = c;
  }
  h[k] = last;
  return top;
}

/** Growable node arrays; `finish` freezes them into the shared representation. */
class TreeArrays {
  feature: number[] = [];
  threshold: number[] = [];
  missingLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  cover: number[] = [];
  sumY: number[] = [];

  add(W: number, W1: number): number {
    const id = this.feature.length;
    this.feature.push(-1);
    this.threshold.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.cover.push(W);
    this.sumY.push(W1);
    return id;
  }

  setSplit(id: number, feature: number, threshold: number, missingLeft: boolean, l: number, r: number): void {
    this.feature[id] = feature;
    this.threshold[id] = threshold;
    this.missingLeft[id] = missingLeft ? 1 : 0;
    this.left[id] = l;
    this.right[id] = r;
  }

  finish(): Tree {
    const m = this.feature.length;
    const value = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const c = this.cover[k] as number;
      value[k] = c > 0 ? (this.sumY[k] as number) / c : 0;
    }
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value,
      cover: Float64Array.from(this.cover),
    };
  }
}
