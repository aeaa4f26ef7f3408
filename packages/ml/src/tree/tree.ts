/**
 * The one decision-tree representation shared by gradient boosting, random forests and
 * extra-trees, by prediction and by TreeSHAP. Struct-of-arrays (typed arrays indexed by node)
 * keeps prediction cache-friendly and serialises to plain number arrays. A split sends a row
 * left when `x <= threshold`; a missing value (NaN) goes left when `missingLeft[node] = 1`.
 */

export interface Tree {
  /** Split feature per node; -1 marks a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /** 1 when NaN goes to the left child. */
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output (margin contribution for boosting, P(class 1) for forests); internal nodes hold the cover-weighted mean. */
  readonly value: Float64Array;
  /** Training cover of each node (sum of hessians for boosting, number/weight of samples for forests) — TreeSHAP needs it. */
  readonly cover: Float64Array;
}

export interface TreeJson {
  feature: number[];
  threshold: number[];
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

export function nodeCount(t: Tree): number {
  return t.feature.length;
}

/** Output of one tree for a row given as a dense feature vector. */
export function predictTreeRow(t: Tree, x: ArrayLike<number>): number {
  let n = 0;
  const feature = t.feature;
  while (feature[n] !== -1) {
    const f = feature[n] as number;
    const v = x[f] as number;
    // NaN compares false, so the explicit missing check comes first.
    if (v !== v) n = t.missingLeft[n] === 1 ? (t.left[n] as number) : (t.right[n] as number);
    else n = v <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
  }
  return t.value[n] as number;
}

/** Output of one tree for row i of a column-major matrix (data[j * nRows + i]). */
export function predictTreeColumnMajor(t: Tree, data: Float64Array, nRows: number, i: number): number {
  let n = 0;
  const feature = t.feature;
  while (feature[n] !== -1) {
    const f = feature[n] as number;
    const v = data[f * nRows + i] as number;
    if (v !== v) n = t.missingLeft[n] === 1 ? (t.left[n] as number) : (t.right[n] as number);
    else n = v <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
  }
  return t.value[n] as number;
}

export function treeToJson(t: Tree): TreeJson {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    missingLeft: Array.from(t.missingLeft),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    cover: Array.from(t.cover),
  };
}

export function treeFromJson(j: TreeJson): Tree {
  return {
    feature: Int32Array.from(j.feature),
    threshold: Float64Array.from(j.threshold),
    missingLeft: Uint8Array.from(j.missingLeft),
    left: Int32Array.from(j.left),
    right: Int32Array.from(j.right),
    value: Float64Array.from(j.value),
    cover: Float64Array.from(j.cover),
  };
}
