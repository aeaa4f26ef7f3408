/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018) for the shared `Tree` representation:
 * the Shapley values of a tree's output where a coalition S "knows" the features in S and averages
 * over the others by training cover. `treeShapRow` is Algorithm 2 itself (EXTEND/UNWIND path
 * bookkeeping on preallocated buffers). `ensembleShap`/`ensembleShapRow` are the fast paths for
 * explaining whole models per API request and per monitoring batch; they precompute, once per
 * tree (cached for the tree's lifetime), either Fast TreeSHAP v2 pattern tables filled by the same
 * EXTEND/UNWOUND-SUM steps, or — for trees too deep for tables — per-leaf records evaluated in
 * closed form by Gauss-Legendre quadrature. All three agree to float rounding. Missing values take
 * the branch the row really takes (`missingLeft`), so the "hot" child is the one prediction follows.
 */
import type { Matrix } from '../matrix.js';
import type { Tree } from './tree.js';

// Path element k of the segment starting at s lives at P[4 * (s + k) + FIELD]. A recursion level's
// path is one segment; a child's segment follows its parent's, so unwinding in a child never
// disturbs the parent's copy. One interleaved array keeps a path element in one cache line.
const FEAT = 0;
const ZERO = 1;
const ONE = 2;
const WEIGHT = 3;

/**
 * Everything one explanation touches, in one monomorphic object passed down the recursion: V8
 * keeps its fields in registers inside the loops, which module-level `let`s (hole-checked context
 * slots) would not allow. A single shared instance is reused, growing only when a deeper tree comes.
 */
class Workspace {
  P = new Float64Array(4 * 64);
  // Ratio tables for the hot loops (multiply instead of divide), row d:
  // ratioA[d * stride + j] = (d+1)/j, ratioB[d * stride + i] = (d-i)/(d+1).
  stride = 0;
  ratioA = new Float64Array(0);
  ratioB = new Float64Array(0);
  feature: Int32Array = new Int32Array(0);
  threshold: Float64Array = new Float64Array(0);
  missingLeft: Uint8Array = new Uint8Array(0);
  left: Int32Array = new Int32Array(0);
  right: Int32Array = new Int32Array(0);
  value: Float64Array = new Float64Array(0);
  cover: Float64Array = new Float64Array(0);
  x: Float64Array = new Float64Array(0);
  phi: Float64Array = new Float64Array(0);
  scale = 1;

  ensure(depth: number): void {
    // Level L's segment starts after at most sum_{l<=L} (l+1) elements and holds L+2.
    const need = 4 * (((depth + 3) * (depth + 4)) / 2);
    if (this.P.length < need) this.P = new Float64Array(Math.max(need, this.P.length * 2));
    if (depth + 2 <= this.stride) return;
    const stride = Math.max(depth + 2, this.stride * 2, 32);
    const a = new Float64Array(stride * stride);
    const b = new Float64Array(stride * stride);
    for (let d = 0; d < stride; d++) {
      for (let j = 1; j < stride; j++) a[d * stride + j] = (d + 1) / j;
      for (let i = 0; i <= d; i++) b[d * stride + i] = (d - i) / (d + 1);
    }
    this.stride = stride;
    this.ratioA = a;
    this.ratioB = b;
  }

  bind(tree: Tree): void {
    this.feature = tree.feature;
    this.threshold = tree.threshold;
    this.missingLeft = tree.missingLeft;
    this.left = tree.left;
    this.right = tree.right;
    this.value = tree.value;
    this.cover = tree.cover;
  }
}

const WS = new Workspace();

/** Depth of the deepest leaf (root alone = 0). */
export function treeDepth(tree: Tree): number {
  const feature = tree.feature;
  if (feature.length === 0) return 0;
  const stackNode: number[] = [0];
  const stackDepth: number[] = [0];
  let maxDepth = 0;
  while (stackNode.length > 0) {
    const n = stackNode.pop() as number;
    const d = stackDepth.pop() as number;
    if (feature[n] === -1) {
      if (d > maxDepth) maxDepth = d;
    } else {
      stackNode.push(tree.left[n] as number, tree.right[n] as number);
      stackDepth.push(d + 1, d + 1);
    }
  }
  return maxDepth;
}

/** EXTEND: append an element (feature, zero, one) to the path of length d at segment s. */
function extendPath(ws: Workspace, s: number, d: number, zero: number, one: number, feat: number): void {
  const P = ws.P;
  const b = ws.ratioB;
  const row = d * ws.stride;
  const e = 4 * (s + d);
  P[e + FEAT] = feat;
  P[e + ZERO] = zero;
  P[e + ONE] = one;
  P[e + WEIGHT] = d === 0 ? 1 : 0;
  // w[i+1] += one * w[i] * (i+1)/(d+1); w[i] = zero * w[i] * (d-i)/(d+1)
  for (let i = d - 1; i >= 0; i--) {
    const k = 4 * (s + i) + WEIGHT;
    const w = P[k] as number;
    P[k + 4] = (P[k + 4] as number) + one * w * (b[row + d - i - 1] as number);
    P[k] = zero * w * (b[row + i] as number);
  }
}

/** UNWIND: remove element idx from the path of length d at segment s (in place). */
function unwindPath(ws: Workspace, s: number, d: number, idx: number): void {
  const P = ws.P;
  const a = ws.ratioA;
  const b = ws.ratioB;
  const row = d * ws.stride;
  const one = P[4 * (s + idx) + ONE] as number;
  const zero = P[4 * (s + idx) + ZERO] as number;
  let next = P[4 * (s + d) + WEIGHT] as number;
  if (one !== 0) {
    // one fractions are 0 or 1 in the path-dependent algorithm, so dividing by `one` is a no-op.
    for (let i = d - 1; i >= 0; i--) {
      const k = 4 * (s + i) + WEIGHT;
      const tmp = P[k] as number;
      const w = (next * (a[row + i + 1] as number)) / one;
      P[k] = w;
      next = tmp - w * zero * (b[row + i] as number);
    }
  } else {
    for (let i = d - 1; i >= 0; i--) {
      const k = 4 * (s + i) + WEIGHT;
      P[k] = ((P[k] as number) * (a[row + d - i] as number)) / zero;
    }
  }
  for (let i = idx; i < d; i++) {
    const k = 4 * (s + i);
    P[k + FEAT] = P[k + 4 + FEAT] as number;
    P[k + ZERO] = P[k + 4 + ZERO] as number;
    P[k + ONE] = P[k + 4 + ONE] as number;
  }
}

/**
 * Adds every path element's contribution at a leaf (the UNWOUND-SUM step). One fractions are
 * always 0 or 1 in the path-dependent algorithm, which this exploits (exact identities):
 * - an element with one = 0 has unwound sum S0 / zero with S0 = sum_i w_i (d+1)/(d-i) shared by
 *   all such elements, so its contribution (0 - zero) * S0 / zero * v is simply -S0 * v;
 * - elements with one = 1 run the unwind recurrence, two at a time so the two dependency chains
 *   overlap in the CPU instead of waiting on each other.
 */
function leafContributions(ws: Workspace, s: number, d: number, v: number): void {
  const P = ws.P;
  const a = ws.ratioA;
  const b = ws.ratioB;
  const phi = ws.phi;
  const row = d * ws.stride;
  let s0 = Number.NaN;
  let pending = -1;
  for (let k = 1; k <= d; k++) {
    const e = 4 * (s + k);
    if (P[e + ONE] === 0) {
      if (s0 !== s0) {
        s0 = 0;
        for (let i = 0; i < d; i++) s0 += (P[4 * (s + i) + WEIGHT] as number) * (a[row + d - i] as number);
      }
      const f = P[e + FEAT] as number;
      phi[f] = (phi[f] as number) - s0 * v;
    } else if (pending < 0) {
      pending = k;
    } else {
      const z1 = P[4 * (s + pending) + ZERO] as number;
      const z2 = P[e + ZERO] as number;
      let n1 = P[4 * (s + d) + WEIGHT] as number;
      let n2 = n1;
      let t1 = 0;
      let t2 = 0;
      for (let i = d - 1; i >= 0; i--) {
        const ai = a[row + i + 1] as number;
        const bi = b[row + i] as number;
        const pw = P[4 * (s + i) + WEIGHT] as number;
        const m1 = n1 * ai;
        const m2 = n2 * ai;
        t1 += m1;
        t2 += m2;
        n1 = pw - m1 * z1 * bi;
        n2 = pw - m2 * z2 * bi;
      }
      const f1 = P[4 * (s + pending) + FEAT] as number;
      const f2 = P[e + FEAT] as number;
      phi[f1] = (phi[f1] as number) + t1 * (1 - z1) * v;
      phi[f2] = (phi[f2] as number) + t2 * (1 - z2) * v;
      pending = -1;
    }
  }
  if (pending >= 0) {
    const z1 = P[4 * (s + pending) + ZERO] as number;
    let n1 = P[4 * (s + d) + WEIGHT] as number;
    let t1 = 0;
    for (let i = d - 1; i >= 0; i--) {
      const m1 = n1 * (a[row + i + 1] as number);
      t1 += m1;
      n1 = (P[4 * (s + i) + WEIGHT] as number) - m1 * z1 * (b[row + i] as number);
    }
    const f1 = P[4 * (s + pending) + FEAT] as number;
    phi[f1] = (phi[f1] as number) + t1 * (1 - z1) * v;
  }
}

function recurse(
  ws: Workspace,
  node: number,
  s: number,
  parentStart: number,
  d: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  const P = ws.P;
  // Copy the parent's path (elements 0..d-1) into this level's segment, then extend it.
  if (s !== parentStart) {
    const dst = 4 * s;
    const src = 4 * parentStart;
    for (let i = 0, n = 4 * d; i < n; i++) P[dst + i] = P[src + i] as number;
  }
  extendPath(ws, s, d, parentZero, parentOne, parentFeature);

  const split = ws.feature[node] as number;
  if (split === -1) {
    leafContributions(ws, s, d, (ws.value[node] as number) * ws.scale);
    return;
  }

  const xv = ws.x[split] as number;
  const l = ws.left[node] as number;
  const r = ws.right[node] as number;
  const goLeft = xv !== xv ? ws.missingLeft[node] === 1 : xv <= (ws.threshold[node] as number);
  const hot = goLeft ? l : r;
  const cold = goLeft ? r : l;
  const cover = ws.cover;
  const w = cover[node] as number;
  let incomingZero = 1;
  let incomingOne = 1;

  // A feature met again on the path is folded into one path element: undo its earlier entry.
  let depth = d;
  let k = 1;
  for (; k <= depth; k++) if (P[4 * (s + k) + FEAT] === split) break;
  if (k <= depth) {
    incomingZero = P[4 * (s + k) + ZERO] as number;
    incomingOne = P[4 * (s + k) + ONE] as number;
    unwindPath(ws, s, depth, k);
    depth -= 1;
  }
  const childStart = s + d + 1;
  const hz = ((cover[hot] as number) / w) * incomingZero;
  // A child reached with zero weight for every coalition contributes nothing (and would divide by 0).
  if (hz !== 0 || incomingOne !== 0) recurse(ws, hot, childStart, s, depth + 1, hz, incomingOne, split);
  const cz = ((cover[cold] as number) / w) * incomingZero;
  if (cz !== 0) recurse(ws, cold, childStart, s, depth + 1, cz, 0, split);
}

function explainBound(ws: Workspace, x: Float64Array, phi: Float64Array, scale: number): void {
  ws.x = x;
  ws.phi = phi;
  ws.scale = scale;
  if (ws.feature[0] === -1) return;
  recurse(ws, 0, 0, 0, 0, 1, 1, -1);
}

/**
 * Per-tree records for the batch paths, built once and cached per tree. At a leaf with unique
 * path features K (|K| = u), zero fractions z_k and one fractions o_k in {0, 1}, Algorithm 2's
 * UNWOUND-SUM for feature j evaluates
 *   sum over S of |S|!(u-1-|S|)!/u! * prod_{k in S} o_k * prod_{k not in S, k != j} z_k,
 * which depends on the row only through the 0/1 pattern of o. Small trees store the result for
 * every pattern (tables). For the rest, since |S|!(u-1-|S|)!/u! = integral_0^1 t^|S| (1-t)^(u-1-|S|) dt,
 * the sum is the integral over [0, 1] of the degree-(u-1) polynomial prod_{k != j} (o_k t +
 * z_k (1 - t)), which Gauss-Legendre quadrature with ceil(u/2) nodes integrates exactly (up to
 * float rounding), as in Linear TreeSHAP (Yu et al. 2022). Either way only x-independent facts are
 * stored per leaf: for each unique path feature, the interval (lo, hi] and NaN rule under which
 * the row follows the leaf's path (o_k = 1), and z_k (product of cover ratios on that feature).
 */
interface LeafRecords {
  readonly nLeaves: number;
  /** Most unique path features of any leaf. */
  readonly maxU: number;
  readonly value: Float64Array;
  /** Start of each leaf's elements in the el* arrays (length nLeaves + 1). */
  readonly start: Int32Array;
  readonly elFeature: Int32Array;
  readonly elLo: Float64Array;
  readonly elHi: Float64Array;
  readonly elNan: Uint8Array;
  readonly elZero: Float64Array;
  /**
   * Fast TreeSHAP v2 (Yang 2021) tables, when they fit TABLE_BUDGET: for every leaf and every 0/1
   * pattern of "row follows this path feature", the leaf's contribution to each path feature,
   * computed once with Algorithm 2's EXTEND/UNWOUND-SUM. Explaining a row is then a pattern
   * lookup per leaf. Entry [tableBase[l] + pattern * u + j].
   */
  readonly table: Float64Array | null;
  readonly tableBase: Int32Array;
  /**
   * For the table path: the tree's node arrays and, per node, the pattern bit of its split
   * feature among the path features of the leaves below (`bitNew` when the feature first appears
   * there, else 0; `bitAll` always), so a row's pattern for every leaf comes from one forward pass
   * over the nodes (children have larger indices than parents) instead of interval checks per leaf.
   * Null when the node order does not allow it.
   */
  readonly nodes: {
    readonly tree: Tree;
    /** Internal node indices in increasing order (the forward pass skips leaves). */
    readonly internal: Int32Array;
    readonly bitNew: Int32Array;
    readonly bitAll: Int32Array;
    readonly leafNode: Int32Array;
  } | null;
}

/** Table entries (8 bytes each, 256 KB) allowed per tree: a 31-leaf boosting tree needs a few thousand. */
const TABLE_BUDGET = 1 << 15;

/** Leaves with up to this many unique path features use the 4-lane quadrature (ceil(8/2) = 4 nodes). */
const LANES_MAX_U = 8;
/** Rows scored together against each tree (its records stay in cache across the block). */
const SHAP_BLOCK = 64;

const RECORDS = new WeakMap<Tree, LeafRecords>();

function buildLeafRecords(tree: Tree): LeafRecords {
  if (tree.feature.length === 0) return finishRecords([], [0], [], [], [], [], []);
  const value: number[] = [];
  const start: number[] = [0];
  const elFeature: number[] = [];
  const elLo: number[] = [];
  const elHi: number[] = [];
  const elNan: number[] = [];
  const elZero: number[] = [];
  // The splits on the path from the root to the current node, with the branch taken.
  const splitFeat: number[] = [];
  const splitThr: number[] = [];
  const splitLeft: boolean[] = [];
  const splitNanFollows: boolean[] = [];
  const splitRatio: number[] = [];
  const visit = (n: number): void => {
    const f = tree.feature[n] as number;
    if (f === -1) {
      const s0 = elFeature.length;
      for (let k = 0; k < splitFeat.length; k++) {
        const sf = splitFeat[k] as number;
        let idx = -1;
        for (let e = s0; e < elFeature.length; e++) if (elFeature[e] === sf) idx = e;
        if (idx < 0) {
          idx = elFeature.length;
          elFeature.push(sf);
          elLo.push(Number.NEGATIVE_INFINITY);
          elHi.push(Number.POSITIVE_INFINITY);
          elNan.push(1);
          elZero.push(1);
        }
        elZero[idx] = (elZero[idx] as number) * (splitRatio[k] as number);
        const t = splitThr[k] as number;
        if (splitLeft[k]) elHi[idx] = Math.min(elHi[idx] as number, t);
        else elLo[idx] = Math.max(elLo[idx] as number, t);
        if (!splitNanFollows[k]) elNan[idx] = 0;
      }
      value.push(tree.value[n] as number);
      start.push(elFeature.length);
      return;
    }
    const c = tree.cover[n] as number;
    const l = tree.left[n] as number;
    const r = tree.right[n] as number;
    const ml = tree.missingLeft[n] === 1;
    splitFeat.push(f);
    splitThr.push(tree.threshold[n] as number);
    splitLeft.push(true);
    splitNanFollows.push(ml);
    splitRatio.push((tree.cover[l] as number) / c);
    visit(l);
    const top = splitFeat.length - 1;
    splitLeft[top] = false;
    splitNanFollows[top] = !ml;
    splitRatio[top] = (tree.cover[r] as number) / c;
    visit(r);
    splitFeat.pop();
    splitThr.pop();
    splitLeft.pop();
    splitNanFollows.pop();
    splitRatio.pop();
  };
  visit(0);
  return finishRecords(value, start, elFeature, elLo, elHi, elNan, elZero);
}

function finishRecords(
  value: number[],
  start: number[],
  elFeature: number[],
  elLo: number[],
  elHi: number[],
  elNan: number[],
  elZero: number[],
): LeafRecords {
  const nLeaves = value.length;
  let maxU = 0;
  for (let l = 0; l < nLeaves; l++) {
    const u = (start[l + 1] as number) - (start[l] as number);
    if (u > maxU) maxU = u;
  }
  glRule(Math.max(1, (maxU + 1) >> 1));
  const { table, tableBase } = buildTables(value, start, elFeature, elZero);
  return {
    nodes: null,
    nLeaves,
    maxU,
    table,
    tableBase,
    value: Float64Array.from(value),
    start: Int32Array.from(start),
    elFeature: Int32Array.from(elFeature),
    elLo: Float64Array.from(elLo),
    elHi: Float64Array.from(elHi),
    elNan: Uint8Array.from(elNan),
    elZero: Float64Array.from(elZero),
  };
}

function leafRecordsOf(tree: Tree): LeafRecords {
  let r = RECORDS.get(tree);
  if (r === undefined) {
    r = buildLeafRecords(tree);
    if (r.table !== null) r = { ...r, nodes: buildNodeBits(tree, r.nLeaves) };
    RECORDS.set(tree, r);
  }
  return r;
}

/** Per-node pattern bits for the table path (see `LeafRecords.nodes`); leaves in the same DFS order as the records. */
function buildNodeBits(tree: Tree, nLeaves: number): LeafRecords['nodes'] {
  const m = tree.feature.length;
  const bitNew = new Int32Array(m);
  const bitAll = new Int32Array(m);
  const leafNode = new Int32Array(nLeaves);
  let nl = 0;
  let ok = true;
  const feats: number[] = [];
  const visit = (n: number): void => {
    const f = tree.feature[n] as number;
    if (f === -1) {
      leafNode[nl++] = n;
      return;
    }
    const l = tree.left[n] as number;
    const r = tree.right[n] as number;
    if (l <= n || r <= n) ok = false;
    let idx = feats.indexOf(f);
    const isNew = idx < 0;
    if (isNew) {
      idx = feats.length;
      feats.push(f);
    }
    bitAll[n] = 1 << idx;
    bitNew[n] = isNew ? 1 << idx : 0;
    visit(l);
    visit(r);
    if (isNew) feats.pop();
  };
  visit(0);
  const internal: number[] = [];
  for (let n = 0; n < m; n++) if (tree.feature[n] !== -1) internal.push(n);
  return ok && nl === nLeaves ? { tree, internal: Int32Array.from(internal), bitNew, bitAll, leafNode } : null;
}

let patternScratch = new Int32Array(1024);

/**
 * The table path with patterns from one forward pass over the nodes. Adds unscaled values (the
 * caller scales once per block; this loop is the hot spot of explaining boosted models).
 */
function shapTableByNodes(
  rec: LeafRecords,
  nodes: NonNullable<LeafRecords['nodes']>,
  table: Float64Array,
  xs: Float64Array,
  xo: number,
  acc: Float64Array,
): void {
  const { feature, threshold, missingLeft, left, right } = nodes.tree;
  const { internal, bitNew, bitAll, leafNode } = nodes;
  const m = feature.length;
  if (patternScratch.length < m) patternScratch = new Int32Array(Math.max(m, 2 * patternScratch.length));
  const pat = patternScratch;
  pat[0] = 0;
  for (let k = 0; k < internal.length; k++) {
    const n = internal[k] as number;
    const f = feature[n] as number;
    const xv = xs[xo + f] as number;
    const goLeft = xv !== xv ? missingLeft[n] === 1 : xv <= (threshold[n] as number);
    const p = pat[n] as number;
    const hot = p | (bitNew[n] as number);
    const cold = p & ~(bitAll[n] as number);
    pat[left[n] as number] = goLeft ? hot : cold;
    pat[right[n] as number] = goLeft ? cold : hot;
  }
  const { nLeaves, start, elFeature, tableBase } = rec;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const e1 = start[l + 1] as number;
    let t = (tableBase[l] as number) + (pat[leafNode[l] as number] as number) * (e1 - e0);
    for (let e = e0; e < e1; e++, t++) {
      const f = xo + (elFeature[e] as number);
      acc[f] = (acc[f] as number) + (table[t] as number);
    }
  }
}

/** UNWOUND-SUM of Algorithm 2: total permutation weight of the path of length d at segment s without element idx. */
function unwoundSum(ws: Workspace, s: number, d: number, idx: number): number {
  const P = ws.P;
  const a = ws.ratioA;
  const b = ws.ratioB;
  const row = d * ws.stride;
  const one = P[4 * (s + idx) + ONE] as number;
  const zero = P[4 * (s + idx) + ZERO] as number;
  let total = 0;
  if (one !== 0) {
    let next = P[4 * (s + d) + WEIGHT] as number;
    for (let i = d - 1; i >= 0; i--) {
      const tmp = (next * (a[row + i + 1] as number)) / one;
      total += tmp;
      next = (P[4 * (s + i) + WEIGHT] as number) - tmp * zero * (b[row + i] as number);
    }
  } else {
    for (let i = d - 1; i >= 0; i--) total += ((P[4 * (s + i) + WEIGHT] as number) * (a[row + d - i] as number)) / zero;
  }
  return total;
}

/** Per-leaf, per-pattern contribution tables (see `LeafRecords.table`), or null over budget. */
function buildTables(
  value: readonly number[],
  start: readonly number[],
  elFeature: readonly number[],
  elZero: readonly number[],
): { table: Float64Array | null; tableBase: Int32Array } {
  const nLeaves = value.length;
  const tableBase = new Int32Array(nLeaves + 1);
  let maxU = 0;
  for (let l = 0; l < nLeaves; l++) {
    const u = (start[l + 1] as number) - (start[l] as number);
    if (u > maxU) maxU = u;
    if (u > 20) return { table: null, tableBase };
    tableBase[l + 1] = (tableBase[l] as number) + (1 << u) * u;
    if ((tableBase[l + 1] as number) > TABLE_BUDGET) return { table: null, tableBase };
  }
  const table = new Float64Array(tableBase[nLeaves] as number);
  const ws = WS;
  ws.ensure(maxU + 1);
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const u = (start[l + 1] as number) - e0;
    const v = value[l] as number;
    const base = tableBase[l] as number;
    for (let pattern = 0; pattern < 1 << u; pattern++) {
      // An element that the row leaves and that has zero cover weight zeroes the whole leaf.
      let dead = false;
      extendPath(ws, 0, 0, 1, 1, -1);
      for (let j = 0; j < u; j++) {
        const one = (pattern >> j) & 1;
        const zero = elZero[e0 + j] as number;
        if (one === 0 && zero === 0) dead = true;
        extendPath(ws, 0, j + 1, zero, one, elFeature[e0 + j] as number);
      }
      if (dead) continue;
      for (let j = 0; j < u; j++) {
        const one = (pattern >> j) & 1;
        table[base + pattern * u + j] = unwoundSum(ws, 0, u, j + 1) * (one - (elZero[e0 + j] as number)) * v;
      }
    }
  }
  return { table, tableBase };
}

/** Adds scale * (tree's SHAP values) for the row at xs[xo..] into phis[xo..] by table lookup. */
function shapTable(
  rec: LeafRecords,
  table: Float64Array,
  xs: Float64Array,
  xo: number,
  phis: Float64Array,
  scale: number,
): void {
  const { nLeaves, start, elFeature, elLo, elHi, elNan, tableBase } = rec;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const e1 = start[l + 1] as number;
    let pattern = 0;
    for (let e = e0, bit = 1; e < e1; e++, bit <<= 1) {
      const xv = xs[xo + (elFeature[e] as number)] as number;
      if (xv !== xv ? elNan[e] === 1 : xv > (elLo[e] as number) && xv <= (elHi[e] as number)) pattern |= bit;
    }
    const u = e1 - e0;
    let t = (tableBase[l] as number) + pattern * u;
    for (let e = e0; e < e1; e++, t++) {
      const f = xo + (elFeature[e] as number);
      phis[f] = (phis[f] as number) + (table[t] as number) * scale;
    }
  }
}

// Gauss-Legendre rules on [0, 1]: GL_NODES[q] / GL_WEIGHTS[q] is the q-point rule, built on demand.
const GL_NODES: number[][] = [];
const GL_WEIGHTS: number[][] = [];
/** w_k / (1 - t_k): the weights of the shared share of elements the row leaves. */
const GL_ZERO_WEIGHTS: number[][] = [];

/** Nodes and weights of the q-point Gauss-Legendre rule on [0, 1] (Newton on P_q, float64-accurate). */
function gaussLegendre(q: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(q);
  const weights = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (q + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= q; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (q * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    // Recompute the derivative at the converged node for the weight.
    let p0 = 1;
    let p1 = x;
    for (let k = 2; k <= q; k++) {
      const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = (q * (x * p1 - p0)) / (x * x - 1);
    // Map [-1, 1] to [0, 1]: t = (1 - x) / 2, weight halves.
    nodes[i] = (1 - x) / 2;
    weights[i] = 1 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

function glRule(q: number): void {
  while (GL_NODES.length <= q) {
    const n = GL_NODES.length;
    if (n === 0) {
      GL_NODES.push([]);
      GL_WEIGHTS.push([]);
      GL_ZERO_WEIGHTS.push([]);
      continue;
    }
    const r = gaussLegendre(n);
    GL_NODES.push(Array.from(r.nodes));
    GL_WEIGHTS.push(Array.from(r.weights));
    GL_ZERO_WEIGHTS.push(Array.from(r.weights, (w, k) => w / (1 - (r.nodes[k] as number))));
  }
}

// Scratch for leaves with more than LANES_MAX_U path features: per quadrature node, the product
// over the path elements, and which elements the row follows.
let scratchG = new Float64Array(64);
let scratchOne = new Uint8Array(64);

function ensureScratch(maxU: number): void {
  glRule(Math.max((maxU + 1) >> 1, 1));
  if (scratchOne.length > maxU) return;
  const n = Math.max(maxU + 1, scratchOne.length * 2);
  scratchG = new Float64Array(n);
  scratchOne = new Uint8Array(n);
}

/**
 * Adds scale * (this tree's SHAP values) for a block of rows (row-major `xs` and `phis`, `nF`
 * per row) by quadrature. Per element the row either follows the path (factor z + (1-z)t) or
 * leaves it (factor z(1-t)); factors are computed on the fly from z and the rule's nodes so the
 * cached records stay small (a deep 500-tree forest must not cost hundreds of MB).
 */
function shapQuadrature(
  rec: LeafRecords,
  xs: Float64Array,
  nF: number,
  nRows: number,
  phis: Float64Array,
  scale: number,
): void {
  const { nLeaves, value, start, elFeature, elLo, elHi, elNan, elZero } = rec;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const e1 = start[l + 1] as number;
    const u = e1 - e0;
    if (u === 0) continue;
    const v = (value[l] as number) * scale;
    const q = (u + 1) >> 1;
    if (u > LANES_MAX_U) {
      for (let r = 0, xo = 0; r < nRows; r++, xo += nF) quadratureLeafGeneric(rec, l, q, v, xs, xo, phis);
      continue;
    }
    // Four lanes in registers; lanes beyond q get weight 0 and node 0.5, which keeps every
    // factor z + (1-z)t positive (no 0/0 even when z = 0).
    const nodes = GL_NODES[q] as number[];
    const weights = GL_WEIGHTS[q] as number[];
    const zws = GL_ZERO_WEIGHTS[q] as number[];
    const t0 = nodes[0] as number;
    const t1 = q > 1 ? (nodes[1] as number) : 0.5;
    const t2 = q > 2 ? (nodes[2] as number) : 0.5;
    const t3 = q > 3 ? (nodes[3] as number) : 0.5;
    const w0 = weights[0] as number;
    const w1 = q > 1 ? (weights[1] as number) : 0;
    const w2 = q > 2 ? (weights[2] as number) : 0;
    const w3 = q > 3 ? (weights[3] as number) : 0;
    const zw0 = zws[0] as number;
    const zw1 = q > 1 ? (zws[1] as number) : 0;
    const zw2 = q > 2 ? (zws[2] as number) : 0;
    const zw3 = q > 3 ? (zws[3] as number) : 0;
    for (let r = 0, xo = 0; r < nRows; r++, xo += nF) {
      let g0 = 1;
      let g1 = 1;
      let g2 = 1;
      let g3 = 1;
      let mask = 0;
      for (let e = e0, bit = 1; e < e1; e++, bit <<= 1) {
        const xv = xs[xo + (elFeature[e] as number)] as number;
        const z = elZero[e] as number;
        if (xv !== xv ? elNan[e] === 1 : xv > (elLo[e] as number) && xv <= (elHi[e] as number)) {
          mask |= bit;
          g0 *= z + (1 - z) * t0;
          g1 *= z + (1 - z) * t1;
          g2 *= z + (1 - z) * t2;
          g3 *= z + (1 - z) * t3;
        } else {
          g0 *= z * (1 - t0);
          g1 *= z * (1 - t1);
          g2 *= z * (1 - t2);
          g3 *= z * (1 - t3);
        }
      }
      // Elements the row leaves all get -v * sum_k zw_k G_k: their z_j cancels.
      const zeroShare = v * (zw0 * g0 + zw1 * g1 + zw2 * g2 + zw3 * g3);
      for (let e = e0, bit = 1; e < e1; e++, bit <<= 1) {
        const f = xo + (elFeature[e] as number);
        if (mask & bit) {
          const z = elZero[e] as number;
          const c = 1 - z;
          const acc =
            (w0 * g0) / (z + c * t0) + (w1 * g1) / (z + c * t1) + (w2 * g2) / (z + c * t2) + (w3 * g3) / (z + c * t3);
          phis[f] = (phis[f] as number) + v * c * acc;
        } else {
          phis[f] = (phis[f] as number) - zeroShare;
        }
      }
    }
  }
}

/** One leaf with many path features, one row: the same quadrature with q lanes in scratch. */
function quadratureLeafGeneric(
  rec: LeafRecords,
  l: number,
  q: number,
  v: number,
  xs: Float64Array,
  xo: number,
  phis: Float64Array,
): void {
  const { start, elFeature, elLo, elHi, elNan, elZero } = rec;
  const G = scratchG;
  const ones = scratchOne;
  const nodes = GL_NODES[q] as number[];
  const weights = GL_WEIGHTS[q] as number[];
  const zws = GL_ZERO_WEIGHTS[q] as number[];
  const e0 = start[l] as number;
  const u = (start[l + 1] as number) - e0;
  for (let k = 0; k < q; k++) G[k] = 1;
  for (let j = 0; j < u; j++) {
    const e = e0 + j;
    const xv = xs[xo + (elFeature[e] as number)] as number;
    const follows = xv !== xv ? elNan[e] === 1 : xv > (elLo[e] as number) && xv <= (elHi[e] as number);
    ones[j] = follows ? 1 : 0;
    const z = elZero[e] as number;
    for (let k = 0; k < q; k++) {
      const t = nodes[k] as number;
      G[k] = (G[k] as number) * (follows ? z + (1 - z) * t : z * (1 - t));
    }
  }
  let zeroShare = 0;
  for (let k = 0; k < q; k++) zeroShare += (zws[k] as number) * (G[k] as number);
  zeroShare *= v;
  for (let j = 0; j < u; j++) {
    const e = e0 + j;
    const f = xo + (elFeature[e] as number);
    if (ones[j] === 0) {
      phis[f] = (phis[f] as number) - zeroShare;
    } else {
      const z = elZero[e] as number;
      let acc = 0;
      for (let k = 0; k < q; k++)
        acc += ((weights[k] as number) * (G[k] as number)) / (z + (1 - z) * (nodes[k] as number));
      phis[f] = (phis[f] as number) + v * (1 - z) * acc;
    }
  }
}

/**
 * Adds this tree's exact path-dependent SHAP values for row `x` into `phi` (length = number of
 * features). `treeExpectedValue(tree) + sum(phi added) = predictTreeRow(tree, x)`.
 */
export function treeShapRow(tree: Tree, x: ArrayLike<number>, phi: Float64Array): void {
  if (tree.feature.length === 0) return;
  WS.ensure(treeDepth(tree));
  WS.bind(tree);
  explainBound(WS, x instanceof Float64Array ? x : Float64Array.from(x), phi, 1);
}

/**
 * Expected output of the tree when no feature is known: leaf values weighted by the product of
 * cover ratios along their paths (equal to the cover-weighted leaf mean when child covers add up
 * to their parent's, and exactly the base TreeSHAP's additivity is stated against when they don't).
 */
export function treeExpectedValue(tree: Tree): number {
  if (tree.feature.length === 0) return 0;
  const stackNode: number[] = [0];
  const stackWeight: number[] = [1];
  let total = 0;
  while (stackNode.length > 0) {
    const n = stackNode.pop() as number;
    const w = stackWeight.pop() as number;
    if (tree.feature[n] === -1) {
      total += w * (tree.value[n] as number);
    } else {
      const c = tree.cover[n] as number;
      const l = tree.left[n] as number;
      const r = tree.right[n] as number;
      stackNode.push(l, r);
      stackWeight.push((w * (tree.cover[l] as number)) / c, (w * (tree.cover[r] as number)) / c);
    }
  }
  return total;
}

/**
 * Per-tree expected values, computed once per tree object: explaining one row (the API's case)
 * would otherwise spend as long walking every tree for the base as on the SHAP values. Same
 * assumption as the leaf-record cache: fitted trees are never modified in place.
 */
const EXPECTED = new WeakMap<Tree, number>();

/** `scale * sum over trees of treeExpectedValue` — the base of an ensemble explained by `ensembleShap`. */
export function ensembleExpectedValue(trees: readonly Tree[], scale: number): number {
  let total = 0;
  for (const t of trees) {
    let e = EXPECTED.get(t);
    if (e === undefined) {
      e = treeExpectedValue(t);
      EXPECTED.set(t, e);
    }
    total += e;
  }
  return total * scale;
}

/**
 * Which evaluation `ensembleShap` uses for this tree: per-leaf pattern tables (`table`, walked by
 * node order or, when children do not follow parents, by interval checks: `table-intervals`) or
 * Gauss-Legendre quadrature (`quadrature`, for trees whose tables would exceed the budget).
 */
export function treeShapStrategy(tree: Tree): 'table' | 'table-intervals' | 'quadrature' {
  const rec = leafRecordsOf(tree);
  if (rec.table === null) return 'quadrature';
  return rec.nodes === null ? 'table-intervals' : 'table';
}

/**
 * Adds `scale * sum over trees` of TreeSHAP values for one dense row `x` into `phi` — the
 * single-row form of `ensembleShap` (same fast path, same cache).
 */
export function ensembleShapRow(trees: readonly Tree[], x: ArrayLike<number>, scale: number, phi: Float64Array): void {
  const xf = x instanceof Float64Array ? x : Float64Array.from(x);
  let maxU = 0;
  const records: LeafRecords[] = [];
  for (const t of trees) {
    const rec = leafRecordsOf(t);
    records.push(rec);
    if (rec.maxU > maxU) maxU = rec.maxU;
  }
  ensureScratch(maxU);
  for (const rec of records) {
    if (rec.table !== null) {
      if (rec.nodes !== null) {
        const acc = new Float64Array(phi.length);
        shapTableByNodes(rec, rec.nodes, rec.table, xf, 0, acc);
        for (let j = 0; j < acc.length; j++) phi[j] = (phi[j] as number) + (acc[j] as number) * scale;
      } else shapTable(rec, rec.table, xf, 0, phi, scale);
      continue;
    }
    shapQuadrature(rec, xf, xf.length, 1, phi, scale);
  }
}

/**
 * Adds `scale * sum over trees` of TreeSHAP values for every row of X into `out` (row-major,
 * `out[i * X.nCols + j]`). The fast path for explaining models: each tree's per-leaf tables are
 * built once (and cached for the tree's lifetime, so trees must not be mutated afterwards); trees
 * too deep for a table use the direct Algorithm 2 recursion. Results equal `treeShapRow`'s up to
 * float rounding.
 */
export function ensembleShap(trees: readonly Tree[], X: Matrix, scale: number, out: Float64Array): void {
  const nF = X.nCols;
  const nR = X.nRows;
  if (out.length < nR * nF) {
    throw new RangeError(`ensembleShap: out has ${out.length} slots, needs ${nR * nF} (rows x features)`);
  }
  const records: LeafRecords[] = [];
  let maxU = 0;
  for (const t of trees) {
    const rec = leafRecordsOf(t);
    records.push(rec);
    if (rec.maxU > maxU) maxU = rec.maxU;
  }
  ensureScratch(maxU);
  const data = X.data;
  const xs = new Float64Array(SHAP_BLOCK * nF);
  const acc = new Float64Array(SHAP_BLOCK * nF);
  for (let i0 = 0; i0 < nR; i0 += SHAP_BLOCK) {
    const nb = Math.min(SHAP_BLOCK, nR - i0);
    for (let j = 0; j < nF; j++) {
      const col = j * nR + i0;
      for (let r = 0; r < nb; r++) xs[r * nF + j] = data[col + r] as number;
    }
    const phis = out.subarray(i0 * nF, (i0 + nb) * nF);
    acc.fill(0);
    let tabled = false;
    for (let k = 0; k < records.length; k++) {
      const rec = records[k] as LeafRecords;
      const table = rec.table;
      if (table !== null) {
        const nodes = rec.nodes;
        if (nodes !== null) {
          for (let r = 0, xo = 0; r < nb; r++, xo += nF) shapTableByNodes(rec, nodes, table, xs, xo, acc);
          tabled = true;
        } else {
          for (let r = 0, xo = 0; r < nb; r++, xo += nF) shapTable(rec, table, xs, xo, phis, scale);
        }
        continue;
      }
      shapQuadrature(rec, xs, nF, nb, phis, scale);
    }
    if (tabled) for (let i = 0; i < nb * nF; i++) phis[i] = (phis[i] as number) + (acc[i] as number) * scale;
  }
}
