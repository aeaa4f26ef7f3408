/**
 * Fast inference for boosted ensembles: all trees flattened into one set of typed arrays, with
 * leaves encoded as negative child indices (`~leaf`) so the descent loop tests a single sign bit
 * instead of reading a feature slot, and the common non-missing comparison tested first. Batch
 * prediction copies each row out of the column-major matrix once and runs it through every tree.
 * Routing is exactly `predictTreeRow`'s: `x <= threshold` left, NaN per `missingLeft`.
 */
import type { Tree } from '../tree/tree.js';

export interface FlatForest {
  readonly nTrees: number;
  /** Root per tree: a node index, or `~leaf` for a single-leaf tree. */
  readonly root: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  /** Children per node, interleaved (left at 2n, right at 2n + 1): node index (>= 0) or `~leaf` (< 0). */
  readonly child: Int32Array;
  readonly leafValue: Float64Array;
}

export function flattenForest(trees: readonly Tree[]): FlatForest {
  let nInternal = 0;
  let nLeaves = 0;
  for (const t of trees) {
    for (let n = 0; n < t.feature.length; n++) {
      if (t.feature[n] === -1) nLeaves++;
      else nInternal++;
    }
  }
  const root = new Int32Array(trees.length);
  const feature = new Int32Array(nInternal);
  const threshold = new Float64Array(nInternal);
  const missingLeft = new Uint8Array(nInternal);
  const child = new Int32Array(2 * nInternal);
  const leafValue = new Float64Array(nLeaves);
  let ni = 0;
  let nl = 0;
  trees.forEach((t, ti) => {
    const m = t.feature.length;
    // Local node -> flat code (node index or ~leaf index).
    const code = new Int32Array(m);
    for (let n = 0; n < m; n++) {
      if (t.feature[n] === -1) {
        leafValue[nl] = t.value[n] as number;
        code[n] = ~nl;
        nl++;
      } else code[n] = ni++;
    }
    for (let n = 0; n < m; n++) {
      const c = code[n] as number;
      if (c < 0) continue;
      feature[c] = t.feature[n] as number;
      threshold[c] = t.threshold[n] as number;
      missingLeft[c] = t.missingLeft[n] as number;
      child[2 * c] = code[t.left[n] as number] as number;
      child[2 * c + 1] = code[t.right[n] as number] as number;
    }
    root[ti] = m > 0 ? (code[0] as number) : ~0;
  });
  return { nTrees: trees.length, root, feature, threshold, missingLeft, child, leafValue };
}

/** Sum of the first `nTrees` trees' outputs for a dense row `x`. */
export function forestRow(ff: FlatForest, x: ArrayLike<number>, nTrees: number = ff.nTrees): number {
  for (let j = 0; j < x.length; j++) {
    const v = x[j] as number;
    if (v !== v) return forestRowMissing(ff, x, 0, nTrees);
  }
  const { root, feature, threshold, child, leafValue } = ff;
  let sum = 0;
  for (let t = 0; t < nTrees; t++) {
    let n = root[t] as number;
    // The comparison picks the child by index arithmetic, not by a branch: which way a row goes
    // is unpredictable, and a mispredicted branch per level cost ~2x in batch prediction.
    while (n >= 0) n = child[(n << 1) | +((x[feature[n] as number] as number) > (threshold[n] as number))] as number;
    sum += leafValue[~n] as number;
  }
  return sum;
}

/** The slower path for rows with a missing value (row at `x[xo..]`): NaN needs its own test. */
function forestRowMissing(ff: FlatForest, x: ArrayLike<number>, xo: number, nTrees: number): number {
  const { root, feature, threshold, missingLeft, child, leafValue } = ff;
  let sum = 0;
  for (let t = 0; t < nTrees; t++) {
    let n = root[t] as number;
    while (n >= 0) {
      const v = x[xo + (feature[n] as number)] as number;
      const goRight = v !== v ? 1 - (missingLeft[n] as number) : +(v > (threshold[n] as number));
      n = child[(n << 1) | goRight] as number;
    }
    sum += leafValue[~n] as number;
  }
  return sum;
}

/**
 * Adds the forest output of rows [rowFrom, rowTo) of a column-major matrix into `out`. Rows go through the
 * trees four at a time when none of the four has a missing value: the four descents are
 * independent, so the CPU overlaps their dependent loads instead of waiting on each in turn.
 */
export function forestBatch(
  ff: FlatForest,
  data: Float64Array,
  nRows: number,
  nCols: number,
  out: Float64Array,
  nTrees: number = ff.nTrees,
  rowFrom = 0,
  rowTo: number = nRows,
): void {
  const { root, feature, threshold, child, leafValue } = ff;
  const x = new Float64Array(4 * nCols);
  const o1 = nCols;
  const o2 = 2 * nCols;
  const o3 = 3 * nCols;
  let i = rowFrom;
  for (; i + 4 <= rowTo; i += 4) {
    let nan = false;
    for (let j = 0; j < nCols; j++) {
      const c = j * nRows + i;
      const v0 = data[c] as number;
      const v1 = data[c + 1] as number;
      const v2 = data[c + 2] as number;
      const v3 = data[c + 3] as number;
      x[j] = v0;
      x[o1 + j] = v1;
      x[o2 + j] = v2;
      x[o3 + j] = v3;
      if (v0 !== v0 || v1 !== v1 || v2 !== v2 || v3 !== v3) nan = true;
    }
    if (nan) {
      for (let r = 0; r < 4; r++) out[i + r] = (out[i + r] as number) + forestRowMissing(ff, x, r * nCols, nTrees);
      continue;
    }
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < nTrees; t++) {
      const r = root[t] as number;
      let a = r;
      let b = r;
      let c = r;
      let d = r;
      while ((a | b | c | d) >= 0) {
        if (a >= 0) a = child[(a << 1) | +((x[feature[a] as number] as number) > (threshold[a] as number))] as number;
        if (b >= 0)
          b = child[(b << 1) | +((x[o1 + (feature[b] as number)] as number) > (threshold[b] as number))] as number;
        if (c >= 0)
          c = child[(c << 1) | +((x[o2 + (feature[c] as number)] as number) > (threshold[c] as number))] as number;
        if (d >= 0)
          d = child[(d << 1) | +((x[o3 + (feature[d] as number)] as number) > (threshold[d] as number))] as number;
      }
      while (a >= 0) a = child[(a << 1) | +((x[feature[a] as number] as number) > (threshold[a] as number))] as number;
      while (b >= 0)
        b = child[(b << 1) | +((x[o1 + (feature[b] as number)] as number) > (threshold[b] as number))] as number;
      while (c >= 0)
        c = child[(c << 1) | +((x[o2 + (feature[c] as number)] as number) > (threshold[c] as number))] as number;
      while (d >= 0)
        d = child[(d << 1) | +((x[o3 + (feature[d] as number)] as number) > (threshold[d] as number))] as number;
      s0 += leafValue[~a] as number;
      s1 += leafValue[~b] as number;
      s2 += leafValue[~c] as number;
      s3 += leafValue[~d] as number;
    }
    out[i] = (out[i] as number) + s0;
    out[i + 1] = (out[i + 1] as number) + s1;
    out[i + 2] = (out[i + 2] as number) + s2;
    out[i + 3] = (out[i + 3] as number) + s3;
  }
  for (; i < rowTo; i++) {
    for (let j = 0; j < nCols; j++) x[j] = data[j * nRows + i] as number;
    out[i] = (out[i] as number) + forestRowMissing(ff, x, 0, nTrees);
  }
}
