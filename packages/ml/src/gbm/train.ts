/**
 * The boosting loop and leaf-wise tree growth of the histogram gradient-boosting classifier,
 * following LightGBM's semantics for binary log-loss. Per iteration: gradients, optional bagging
 * and feature sampling, then best-first growth: the leaf with the largest regularised gain is
 * split next, its rows are partitioned in place (stable, so each leaf's row indices stay
 * ascending and memory access stays sequential), the smaller child's histogram is built and the
 * larger child's is the parent's minus it. Hot loops run through a `GbmExecutor`, so threads are an
 * injected concern and this module stays pure.
 *
 * Semantics worth knowing:
 * - Counts per bin are not stored; as in LightGBM, a candidate child's row count is estimated from
 *   its hessian sum (`round(H * leafRows / leafHessian)`) for the `minDataInLeaf` check; exact counts
 *   are used once a split is made.
 * - Missing values: every split tries missing→left and missing→right and keeps the better. When the
 *   node has no missing rows (including features that never had one in training), missing values
 *   follow the child with the larger training cover (hessian sum), ties going left.
 * - The split "all non-missing left, missing right" is also a candidate (threshold = largest float).
 */
import type { FeatureBins } from './binning.js';
import type { GbmBuffers, GbmExecutor } from './kernels.js';
import type { GbmParams } from './params.js';
import type { Rng } from '../rng.js';
import type { Tree } from '../tree/tree.js';

/** A grown tree plus the bin of each split (used to route training rows without raw values). */
export interface GrownTree {
  readonly tree: Tree;
  readonly splitBin: Int32Array;
  /** Gain of each split node (0 on leaves): the loss reduction it bought, before shrinkage. */
  readonly gain: Float64Array;
}

/** Threshold stored for "every non-missing value goes left": JSON-safe, unlike Infinity. */
export const ALL_FINITE_LEFT = Number.MAX_VALUE;

function thresholdL1(g: number, l1: number): number {
  if (l1 === 0) return g;
  const a = Math.abs(g) - l1;
  return a > 0 ? (g > 0 ? a : -a) : 0;
}

function leafScore(g: number, h: number, l1: number, l2: number): number {
  const t = thresholdL1(g, l1);
  return (t * t) / (h + l2);
}

/** Unshrunk optimal leaf output for gradient sum g and hessian sum h. */
export function leafOutput(g: number, h: number, l1: number, l2: number): number {
  const d = h + l2;
  return d > 0 ? -thresholdL1(g, l1) / d : 0;
}

/** Best split of a leaf, as found by `findBestSplit`. */
interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  missingLeft: boolean;
  leftG: number;
  leftH: number;
}

/** State shared by all trees of one fit. */
export interface GrowContext {
  readonly params: GbmParams;
  /** Leaf cap: numLeaves, or fewer when the histogram pool was sized down for small data. */
  readonly maxLeaves: number;
  readonly features: readonly FeatureBins[];
  readonly buffers: GbmBuffers;
  readonly executor: GbmExecutor;
}

/**
 * Scans one leaf's histogram (slot) over the active features and returns the best split, or
 * `gain = -Infinity` when no split satisfies the constraints and beats `minGainToSplit`.
 */
export function findBestSplit(
  ctx: GrowContext,
  slot: number,
  nActive: number,
  sumG: number,
  sumH: number,
  count: number,
  out: SplitInfo,
): void {
  const { params, features, buffers } = ctx;
  const { hist, histOffset, active } = buffers;
  const l1 = params.lambdaL1;
  const l2 = params.lambdaL2;
  const minData = params.minDataInLeaf;
  const minHess = params.minSumHessianInLeaf;
  const cntFactor = sumH > 0 ? count / sumH : 0;
  const minGainShift = leafScore(sumG, sumH, l1, l2) + params.minGainToSplit;
  out.gain = Number.NEGATIVE_INFINITY;
  out.feature = -1;
  const base = slot * buffers.histSize;
  for (let q = 0; q < nActive; q++) {
    const f = active[q] as number;
    const fb = features[f] as FeatureBins;
    const nb = fb.nBins;
    const off = base + (histOffset[f] as number);
    const gm = hist[off + 2 * nb] as number;
    const hm = hist[off + 2 * nb + 1] as number;
    const hasMissing = hm > 0;
    let accG = 0;
    let accH = 0;
    // t = nb - 1 leaves every non-missing row left: only meaningful when there are missing rows.
    const lastT = hasMissing ? nb - 1 : nb - 2;
    for (let t = 0; t <= lastT; t++) {
      accG += hist[off + 2 * t] as number;
      accH += hist[off + 2 * t + 1] as number;
      // Missing → right.
      {
        const lH = accH;
        const rH = sumH - lH;
        const lC = Math.round(lH * cntFactor);
        const rC = count - lC;
        if (lC >= minData && rC >= minData && lH >= minHess && rH >= minHess) {
          const lG = accG;
          const gain = leafScore(lG, lH, l1, l2) + leafScore(sumG - lG, rH, l1, l2);
          if (gain > minGainShift && gain - minGainShift > out.gain) {
            out.gain = gain - minGainShift;
            out.feature = f;
            out.bin = t;
            // Without missing rows in this node the direction is free: follow the larger child.
            out.missingLeft = hasMissing ? false : lH >= rH;
            out.leftG = lG;
            out.leftH = lH;
          }
        }
      }
      if (hasMissing && t < nb - 1) {
        const lH = accH + hm;
        const rH = sumH - lH;
        const lC = Math.round(lH * cntFactor);
        const rC = count - lC;
        if (lC >= minData && rC >= minData && lH >= minHess && rH >= minHess) {
          const lG = accG + gm;
          const gain = leafScore(lG, lH, l1, l2) + leafScore(sumG - lG, rH, l1, l2);
          if (gain > minGainShift && gain - minGainShift > out.gain) {
            out.gain = gain - minGainShift;
            out.feature = f;
            out.bin = t;
            out.missingLeft = true;
            out.leftG = lG;
            out.leftH = lH;
          }
        }
      }
    }
  }
}

function newSplit(): SplitInfo {
  return { gain: Number.NEGATIVE_INFINITY, feature: -1, bin: 0, missingLeft: false, leftG: 0, leftH: 0 };
}

/**
 * Grows one tree on rows `indices[0..nUsed)` (gradients already computed) with features
 * `active[0..nActive)`. Leaf values are already multiplied by the learning rate. Returns the tree
 * and, per leaf, the row ranges so the caller can update scores without traversing.
 */
export function growTree(
  ctx: GrowContext,
  nUsed: number,
  nActive: number,
): GrownTree & { leafStart: Int32Array; leafEnd: Int32Array; leafNode: Int32Array; nLeaves: number } {
  const { params, features, buffers, executor } = ctx;
  const { hist, histOffset, active, goRight } = buffers;
  const histSize = buffers.histSize;
  const maxLeaves = ctx.maxLeaves;
  const maxNodes = 2 * maxLeaves - 1;
  const l1 = params.lambdaL1;
  const l2 = params.lambdaL2;
  const lr = params.learningRate;
  const minData = params.minDataInLeaf;
  const minHess = params.minSumHessianInLeaf;
  const maxDepth = params.maxDepth;

  const feature = new Int32Array(maxNodes).fill(-1);
  const threshold = new Float64Array(maxNodes);
  const missingLeft = new Uint8Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const value = new Float64Array(maxNodes);
  const cover = new Float64Array(maxNodes);
  const splitBin = new Int32Array(maxNodes).fill(-1);
  const gain = new Float64Array(maxNodes);
  let nNodes = 1;

  const leafStart = new Int32Array(maxLeaves);
  const leafEnd = new Int32Array(maxLeaves);
  const leafG = new Float64Array(maxLeaves);
  const leafH = new Float64Array(maxLeaves);
  const leafDepth = new Int32Array(maxLeaves);
  const leafNode = new Int32Array(maxLeaves);
  const leafSlot = new Int32Array(maxLeaves);
  const best: SplitInfo[] = [];
  for (let l = 0; l < maxLeaves; l++) best.push(newSplit());

  const canSplit = (l: number): boolean =>
    leafEnd[l]! - leafStart[l]! >= 2 * minData &&
    leafH[l]! >= 2 * minHess &&
    (maxDepth < 0 || leafDepth[l]! < maxDepth);

  // Root.
  executor.histogram(0, nUsed, nActive, 0);
  let rootG = 0;
  let rootH = 0;
  {
    // Any one feature's bins (missing bin included) sum to the leaf totals.
    const f0 = active[0] as number;
    const end = 2 * ((features[f0] as FeatureBins).nBins + 1);
    const off = histOffset[f0] as number;
    for (let p = 0; p < end; p += 2) {
      rootG += hist[off + p] as number;
      rootH += hist[off + p + 1] as number;
    }
  }
  leafStart[0] = 0;
  leafEnd[0] = nUsed;
  leafG[0] = rootG;
  leafH[0] = rootH;
  leafNode[0] = 0;
  leafSlot[0] = 0;
  value[0] = leafOutput(rootG, rootH, l1, l2) * lr;
  cover[0] = rootH;
  let nLeaves = 1;
  if (canSplit(0)) findBestSplit(ctx, 0, nActive, rootG, rootH, nUsed, best[0]!);

  while (nLeaves < maxLeaves) {
    let bl = -1;
    let bg = 0;
    for (let l = 0; l < nLeaves; l++) {
      const g = best[l]!.gain;
      if (g > bg) {
        bg = g;
        bl = l;
      }
    }
    if (bl < 0) break;
    const sp = best[bl]!;
    const f = sp.feature;
    const tb = sp.bin;
    const fb = features[f] as FeatureBins;
    const mb = fb.nBins;
    const ml = sp.missingLeft;

    // Stable in-place partition of the leaf's rows.
    const s = leafStart[bl]!;
    const e = leafEnd[bl]!;
    goRight.fill(0, 0, tb + 1);
    goRight.fill(1, tb + 1, mb);
    goRight[mb] = ml ? 0 : 1;
    const nl = executor.partition(s, e, f);
    const nr = e - s - nl;

    const node = leafNode[bl]!;
    const nodeL = nNodes++;
    const nodeR = nNodes++;
    feature[node] = f;
    threshold[node] = tb === mb - 1 ? ALL_FINITE_LEFT : (fb.upper[tb] as number);
    missingLeft[node] = ml ? 1 : 0;
    left[node] = nodeL;
    right[node] = nodeR;
    splitBin[node] = tb;
    gain[node] = sp.gain;

    const rl = nLeaves++;
    const lG = sp.leftG;
    const lH = sp.leftH;
    const rG = leafG[bl]! - lG;
    const rH = leafH[bl]! - lH;
    const depth = leafDepth[bl]! + 1;
    const parentSlot = leafSlot[bl]!;
    // Left child keeps the leaf id, the right child takes the new one (LightGBM's convention).
    leafStart[bl] = s;
    leafEnd[bl] = s + nl;
    leafG[bl] = lG;
    leafH[bl] = lH;
    leafDepth[bl] = depth;
    leafNode[bl] = nodeL;
    leafStart[rl] = s + nl;
    leafEnd[rl] = e;
    leafG[rl] = rG;
    leafH[rl] = rH;
    leafDepth[rl] = depth;
    leafNode[rl] = nodeR;
    value[nodeL] = leafOutput(lG, lH, l1, l2) * lr;
    cover[nodeL] = lH;
    value[nodeR] = leafOutput(rG, rH, l1, l2) * lr;
    cover[nodeR] = rH;

    best[bl]!.gain = Number.NEGATIVE_INFINITY;
    best[rl]!.gain = Number.NEGATIVE_INFINITY;
    if (nLeaves >= maxLeaves) break;
    const splitL = canSplit(bl);
    const splitR = canSplit(rl);
    if (!splitL && !splitR) continue;
    const smaller = nl <= nr ? bl : rl;
    const larger = smaller === bl ? rl : bl;
    const newSlot = rl;
    // Slots in use are always 0..nLeaves-1, so slot `rl` is free here.
    leafSlot[smaller] = newSlot;
    leafSlot[larger] = parentSlot;
    executor.histogram(leafStart[smaller]!, leafEnd[smaller]!, nActive, newSlot);
    if (smaller === bl ? splitR : splitL) {
      const pb = parentSlot * histSize;
      const cb = newSlot * histSize;
      for (let q = 0; q < nActive; q++) {
        const ff = active[q] as number;
        const from = histOffset[ff] as number;
        const to = from + 2 * ((features[ff] as FeatureBins).nBins + 1);
        for (let p = from; p < to; p++) hist[pb + p] = (hist[pb + p] as number) - (hist[cb + p] as number);
      }
    }
    if (splitL) findBestSplit(ctx, leafSlot[bl]!, nActive, lG, lH, nl, best[bl]!);
    if (splitR) findBestSplit(ctx, leafSlot[rl]!, nActive, rG, rH, nr, best[rl]!);
  }

  const tree: Tree = {
    feature: feature.slice(0, nNodes),
    threshold: threshold.slice(0, nNodes),
    missingLeft: missingLeft.slice(0, nNodes),
    left: left.slice(0, nNodes),
    right: right.slice(0, nNodes),
    value: value.slice(0, nNodes),
    cover: cover.slice(0, nNodes),
  };
  return {
    tree,
    splitBin: splitBin.slice(0, nNodes),
    gain: gain.slice(0, nNodes),
    leafStart,
    leafEnd,
    leafNode,
    nLeaves,
  };
}

/** Tree output for a training row given by its bins (same routing as raw values). */
export function predictTreeBins(
  t: GrownTree,
  features: readonly FeatureBins[],
  bins: Uint8Array,
  nFeatures: number,
  i: number,
): number {
  const { feature, missingLeft, left, right, value } = t.tree;
  const splitBin = t.splitBin;
  let n = 0;
  while (feature[n] !== -1) {
    const f = feature[n] as number;
    const b = bins[i * nFeatures + f] as number;
    const goLeft = b === (features[f] as FeatureBins).nBins ? missingLeft[n] === 1 : b <= (splitBin[n] as number);
    n = goLeft ? (left[n] as number) : (right[n] as number);
  }
  return value[n] as number;
}

/** Seeded per-tree feature subset (ascending), written into `active`; returns its size. */
export function sampleFeatures(rng: Rng, nFeatures: number, fraction: number, active: Int32Array): number {
  if (fraction >= 1) {
    for (let f = 0; f < nFeatures; f++) active[f] = f;
    return nFeatures;
  }
  const k = Math.max(1, Math.round(nFeatures * fraction));
  const perm = new Int32Array(nFeatures);
  for (let f = 0; f < nFeatures; f++) perm[f] = f;
  for (let j = 0; j < k; j++) {
    const r = j + rng.int(nFeatures - j);
    const tmp = perm[j] as number;
    perm[j] = perm[r] as number;
    perm[r] = tmp;
  }
  const chosen = perm.subarray(0, k).sort();
  active.set(chosen);
  return k;
}
