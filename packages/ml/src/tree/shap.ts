/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018) for the shared `Tree` representation:
 * the Shapley values of a tree's output where a coalition S "knows" the features in S and averages
 * over the others by training cover. `treeShapRow` is Algorithm 2 itself (EXTEND/UNWIND path
 * bookkeeping on preallocated buffers). `ensembleShap`/`ensembleShapRow` are the fast paths for
 * explaining whole models per API request and per monitoring batch. They compile an ensemble once
 * (cached for the trees' lifetime) into flat arrays shared by all its trees: a forward pass over
 * the upper nodes yields, for every leaf, the 0/1 pattern of "row follows this path feature"
 * (Fast TreeSHAP v2), which then either indexes tables of contributions filled by the same
 * EXTEND/UNWOUND-SUM steps — per leaf, or summed over a small subtree whose own comparisons extend
 * the index — or, for trees too big for tables, feeds a closed-form Gauss-Legendre quadrature per
 * leaf (Linear TreeSHAP). All agree to float rounding. Missing values take the branch the row
 * really takes (`missingLeft`), so the "hot" child is the one prediction follows.
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
 * Per-leaf facts for trees that a compiled program cannot hold (more unique path features than a
 * pattern has bits), built once and cached per tree. At a leaf with unique path features K
 * (|K| = u), zero fractions z_k and one fractions o_k in {0, 1}, Algorithm 2's UNWOUND-SUM for
 * feature j evaluates
 *   sum over S of |S|!(u-1-|S|)!/u! * prod_{k in S} o_k * prod_{k not in S, k != j} z_k.
 * Since |S|!(u-1-|S|)!/u! = integral_0^1 t^|S| (1-t)^(u-1-|S|) dt, that is the integral over
 * [0, 1] of the degree-(u-1) polynomial prod_{k != j} (o_k t + z_k (1 - t)), which Gauss-Legendre
 * quadrature with ceil(u/2) nodes integrates exactly (up to float rounding), as in Linear TreeSHAP
 * (Yu et al. 2022). Stored per unique path feature: the interval (lo, hi] and NaN rule under which
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
}

/** Leaves with up to this many unique path features use the 4-lane quadrature (ceil(8/2) = 4 nodes). */
const LANES_MAX_U = 8;
/** Rows scored together against each tree (its tables and records stay in cache across the block). */
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
  return {
    nLeaves,
    maxU,
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
    RECORDS.set(tree, r);
  }
  return r;
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

// Prefix products per quadrature node for one leaf: [4 * j + k] for the 4-lane path, [q * j + k] for wide leaves.
let quadScratch = new Float64Array(64);
let quadSuffix = new Float64Array(16);

function ensureQuadScratch(maxU: number): void {
  const q = Math.max(5, (maxU + 1) >> 1);
  if (quadScratch.length < q * maxU) quadScratch = new Float64Array(q * maxU);
  if (quadSuffix.length < q) quadSuffix = new Float64Array(q);
}

/**
 * An ensemble compiled for the fast paths: every tree's arrays concatenated, so one row runs as
 * three flat loops over all trees (no per-tree dispatch, one contiguous table). Per tree:
 * - upper nodes (internal nodes above the terminals, preorder): the forward pass computes for each
 *   child slot the pattern over the unique path features met so far (bit i = i-th one met);
 * - table blocks: a leaf, or a subtree of at most BLOCK_NODES internal nodes, whose table is
 *   indexed by the pattern at its root plus one bit per internal node of the block (row goes
 *   left), and holds the summed contributions of all its leaves to its features;
 * - quadrature leaves (trees whose tables would exceed TABLE_BUDGET): evaluated from the pattern.
 * Pattern slots: upper nodes, then blocks, then quadrature leaves. No node points at a tree's
 * root, so root slots keep the pattern 0 they start with.
 */
interface ShapProgram {
  /** The trees compiled, in order (a copy: the cache checks identity against it). */
  readonly trees: readonly Tree[];
  /** Per tree (length nTrees + 1): first upper node, block and quadrature leaf. */
  readonly treeUp: Int32Array;
  readonly treeBlock: Int32Array;
  readonly treeQuad: Int32Array;
  readonly nUp: number;
  readonly nBlocks: number;
  readonly upFeature: Int32Array;
  readonly upThreshold: Float64Array;
  /** 1 when NaN goes left. */
  readonly upNanLeft: Int32Array;
  /** Pattern slots of the children. */
  readonly upLeft: Int32Array;
  readonly upRight: Int32Array;
  /** Bit of the node's feature in its children's patterns: set on the followed side when new, cleared on the other. */
  readonly upNew: Int32Array;
  readonly upAll: Int32Array;
  /** Per block (length nBlocks + 1): first internal node, first feature, first table entry. */
  readonly blockNode: Int32Array;
  readonly blockFeature: Int32Array;
  readonly blockBase: Int32Array;
  readonly nodeFeature: Int32Array;
  readonly nodeThreshold: Float64Array;
  readonly nodeNanLeft: Int32Array;
  /** Index bit of a block's internal node (above the pattern bits of the block root). */
  readonly nodeShift: Int32Array;
  /** The features a block's table rows hold, in row order. */
  readonly feature: Int32Array;
  /** Entry [blockBase[b] + index * width + k]: contribution to feature blockFeature[b] + k. */
  readonly table: Float64Array;
  /** Per quadrature leaf (length nQuad + 1): first element; element j is the leaf's pattern bit j. */
  readonly quadElement: Int32Array;
  readonly quadValue: Float64Array;
  readonly quadFeature: Int32Array;
  readonly quadZero: Float64Array;
  readonly pattern: Int32Array;
  /** Trees with more unique path features than a pattern holds: interval-checked quadrature. */
  readonly wide: readonly LeafRecords[];
  readonly maxWideU: number;
}

/** Table entries (8 bytes each, 256 KB) allowed per tree: a 31-leaf boosting tree needs a few thousand. */
const TABLE_BUDGET = 1 << 15;
/**
 * Blocks span up to this many internal nodes, when their table is at most BLOCK_GROWTH times
 * their leaves' own tables: fewer, larger lookups (a 31-leaf boosting tree: ~16 instead of 31).
 */
const BLOCK_NODES = 5;
const BLOCK_GROWTH = 2;
/** Unique path features a pattern can hold (bits of an int32, sign bit left alone). */
const PATTERN_BITS = 30;
/** Quadrature leaves with up to this many unique path features use the unrolled 4-point rule. */
const QUAD_LANES_MAX_U = 8;
/** Up to this many, the unrolled 5-point rule (forests over ~10 features have many such leaves); more: `quadratureLeafWide`. */
const QUAD_LANES5_MAX_U = 10;

class ProgramBuilder {
  readonly treeUp: number[] = [0];
  readonly treeBlock: number[] = [0];
  readonly treeQuad: number[] = [0];
  readonly upFeature: number[] = [];
  readonly upThreshold: number[] = [];
  readonly upNanLeft: number[] = [];
  /** Child references while building: index * 4 + kind (0 upper, 1 block, 2 quadrature leaf). */
  readonly upLeft: number[] = [];
  readonly upRight: number[] = [];
  readonly upNew: number[] = [];
  readonly upAll: number[] = [];
  readonly blockNode: number[] = [0];
  readonly blockFeature: number[] = [0];
  readonly blockBase: number[] = [0];
  readonly nodeFeature: number[] = [];
  readonly nodeThreshold: number[] = [];
  readonly nodeNanLeft: number[] = [];
  readonly nodeShift: number[] = [];
  readonly feature: number[] = [];
  readonly tables: Float64Array[] = [];
  tableSize = 0;
  readonly quadElement: number[] = [0];
  readonly quadValue: number[] = [];
  readonly quadFeature: number[] = [];
  readonly quadZero: number[] = [];
  readonly wide: LeafRecords[] = [];
}

const REF_UP = 0;
const REF_BLOCK = 1;
const REF_QUAD = 2;

/**
 * Contributions of one leaf for every pattern of its u path elements (entry [pattern * u + j]),
 * by EXTEND over the elements and UNWOUND-SUM per element, as Algorithm 2 does at a leaf.
 */
function leafTable(feats: readonly number[], zeros: readonly number[], v: number): Float64Array {
  const u = feats.length;
  const out = new Float64Array((1 << u) * u);
  const ws = WS;
  ws.ensure(u + 1);
  for (let pattern = 0; pattern < 1 << u; pattern++) {
    // An element that the row leaves and that has zero cover weight zeroes the whole leaf.
    let dead = false;
    extendPath(ws, 0, 0, 1, 1, -1);
    for (let j = 0; j < u; j++) {
      const one = (pattern >> j) & 1;
      const zero = zeros[j] as number;
      if (one === 0 && zero === 0) dead = true;
      extendPath(ws, 0, j + 1, zero, one, feats[j] as number);
    }
    if (dead) continue;
    for (let j = 0; j < u; j++) {
      const one = (pattern >> j) & 1;
      out[pattern * u + j] = unwoundSum(ws, 0, u, j + 1) * (one - (zeros[j] as number)) * v;
    }
  }
  return out;
}

/** Internal nodes in each node's subtree; -1 everywhere when a path holds more than PATTERN_BITS unique features. */
function subtreeInternal(tree: Tree): Int32Array | null {
  const { feature, left, right } = tree;
  const inner = new Int32Array(feature.length);
  const feats: number[] = [];
  let wide = false;
  const visit = (n: number): number => {
    const f = feature[n] as number;
    if (f === -1) return 0;
    const isNew = !feats.includes(f);
    if (isNew) {
      feats.push(f);
      if (feats.length > PATTERN_BITS) wide = true;
    }
    const c = 1 + visit(left[n] as number) + visit(right[n] as number);
    if (isNew) feats.pop();
    inner[n] = c;
    return c;
  };
  visit(0);
  return wide ? null : inner;
}

/**
 * Chooses the table blocks of a tree (marks their roots in `isBlock`) and returns their total
 * table size. A subtree of at most `maxNodes` internal nodes becomes one block when its table
 * (2^(|K| + nodes) rows of |K ∪ its features| entries, K the unique features above it) is at most
 * `growth` times the sum of its leaves' own tables; other leaves are blocks of their own.
 */
function planBlocks(tree: Tree, inner: Int32Array, maxNodes: number, growth: number, isBlock: Uint8Array): number {
  const { feature, left, right } = tree;
  const feats: number[] = [];
  let total = 0;
  // Sum over the leaves below n of 2^u * u, with `feats` holding the features above n.
  const leafTables = (n: number): number => {
    const f = feature[n] as number;
    if (f === -1) return feats.length > 20 ? Number.POSITIVE_INFINITY : (1 << feats.length) * feats.length;
    const isNew = !feats.includes(f);
    if (isNew) feats.push(f);
    const s = leafTables(left[n] as number) + leafTables(right[n] as number);
    if (isNew) feats.pop();
    return s;
  };
  const featuresBelow = (n: number, into: number[]): void => {
    const f = feature[n] as number;
    if (f === -1) return;
    if (!into.includes(f)) into.push(f);
    featuresBelow(left[n] as number, into);
    featuresBelow(right[n] as number, into);
  };
  const visit = (n: number): void => {
    const f = feature[n] as number;
    if (f === -1) {
      isBlock[n] = 1;
      total += feats.length > 20 ? Number.POSITIVE_INFINITY : (1 << feats.length) * feats.length;
      return;
    }
    const m = inner[n] as number;
    if (m <= maxNodes && feats.length + m <= 20) {
      const union = feats.slice();
      featuresBelow(n, union);
      const size = (1 << (feats.length + m)) * union.length;
      if (size <= growth * leafTables(n)) {
        isBlock[n] = 1;
        total += size;
        return;
      }
    }
    const isNew = !feats.includes(f);
    if (isNew) feats.push(f);
    visit(left[n] as number);
    visit(right[n] as number);
    if (isNew) feats.pop();
  };
  visit(0);
  return total;
}

/** Appends one block: its internal nodes, features and summed table. `feats`/`zeros`: unique features above its root and their zero fractions. */
function emitBlock(
  tree: Tree,
  root: number,
  feats: readonly number[],
  zeros: readonly number[],
  b: ProgramBuilder,
): number {
  const { feature, threshold, missingLeft, left, right, cover, value } = tree;
  const kb = feats.length;
  const nodes: number[] = [];
  const rowFeatures = feats.slice();
  interface BlockLeaf {
    readonly value: number;
    readonly feats: number[];
    readonly zeros: number[];
    /** Per element: index bits that must be set / clear for the row to follow it. */
    readonly need: number[];
    readonly forbid: number[];
  }
  const leaves: BlockLeaf[] = [];
  const walk = (n: number, lf: number[], lz: number[], need: number[], forbid: number[]): void => {
    const f = feature[n] as number;
    if (f === -1) {
      leaves.push({ value: value[n] as number, feats: lf, zeros: lz, need, forbid });
      return;
    }
    const bit = 1 << (kb + nodes.length);
    nodes.push(n);
    if (!rowFeatures.includes(f)) rowFeatures.push(f);
    let j = lf.indexOf(f);
    if (j < 0) j = lf.length;
    const c = cover[n] as number;
    for (const goLeft of [true, false]) {
      const f2 = lf.slice();
      const z2 = lz.slice();
      const need2 = need.slice();
      const forbid2 = forbid.slice();
      if (j === lf.length) {
        f2.push(f);
        z2.push(1);
        need2.push(0);
        forbid2.push(0);
      }
      z2[j] = (z2[j] as number) * ((cover[(goLeft ? left[n] : right[n]) as number] as number) / c);
      if (goLeft) need2[j] = (need2[j] as number) | bit;
      else forbid2[j] = (forbid2[j] as number) | bit;
      walk((goLeft ? left[n] : right[n]) as number, f2, z2, need2, forbid2);
    }
  };
  walk(
    root,
    feats.slice(),
    zeros.slice(),
    feats.map((_, j) => 1 << j),
    feats.map(() => 0),
  );
  const width = rowFeatures.length;
  const rows = 1 << (kb + nodes.length);
  const table = new Float64Array(rows * width);
  const pRows = 1 << kb;
  const kMask = pRows - 1;
  for (const leaf of leaves) {
    const u = leaf.feats.length;
    const lt = leafTable(leaf.feats, leaf.zeros, leaf.value);
    const slot = Int32Array.from(leaf.feats, (f) => rowFeatures.indexOf(f));
    // For each setting of the block's node bits, the leaf pattern is (p & keep) | set, with p the
    // pattern at the block root: path features above keep their bit while the block's own
    // conditions on them hold; features new in the block are followed when all of theirs hold.
    for (let hi = 0; hi < rows; hi += pRows) {
      let keep = 0;
      let set = 0;
      for (let j = 0; j < u; j++) {
        const nj = (leaf.need[j] as number) & ~kMask;
        const holds = (hi & nj) === nj && (hi & (leaf.forbid[j] as number)) === 0;
        if (holds && j < kb) keep |= 1 << j;
        else if (holds) set |= 1 << j;
      }
      for (let p = 0, row = hi * width; p < pRows; p++, row += width) {
        const l0 = ((p & keep) | set) * u;
        for (let j = 0; j < u; j++) {
          const k = row + (slot[j] as number);
          table[k] = (table[k] as number) + (lt[l0 + j] as number);
        }
      }
    }
  }
  nodes.forEach((n, t) => {
    b.nodeFeature.push(feature[n] as number);
    b.nodeThreshold.push(threshold[n] as number);
    b.nodeNanLeft.push(missingLeft[n] as number);
    b.nodeShift.push(kb + t);
  });
  for (const f of rowFeatures) b.feature.push(f);
  b.tables.push(table);
  b.tableSize += table.length;
  b.blockNode.push(b.nodeFeature.length);
  b.blockFeature.push(b.feature.length);
  b.blockBase.push(b.tableSize);
  return b.blockBase.length - 2;
}

/** Appends one tree to the program under construction. */
function compileTree(tree: Tree, b: ProgramBuilder): void {
  const { feature, threshold, missingLeft, left, right, cover, value } = tree;
  if (feature.length > 0 && feature[0] !== -1) {
    const inner = subtreeInternal(tree);
    if (inner === null) {
      b.wide.push(leafRecordsOf(tree));
    } else {
      const isBlock = new Uint8Array(feature.length);
      let tabled = planBlocks(tree, inner, BLOCK_NODES, BLOCK_GROWTH, isBlock) <= TABLE_BUDGET;
      if (!tabled) {
        isBlock.fill(0);
        tabled = planBlocks(tree, inner, 0, 1, isBlock) <= TABLE_BUDGET;
      }
      const feats: number[] = [];
      const zeros: number[] = [];
      const emit = (n: number): number => {
        const f = feature[n] as number;
        if (tabled && isBlock[n] === 1) return emitBlock(tree, n, feats, zeros, b) * 4 + REF_BLOCK;
        if (f === -1) {
          for (let j = 0; j < feats.length; j++) {
            b.quadFeature.push(feats[j] as number);
            b.quadZero.push(zeros[j] as number);
          }
          b.quadValue.push(value[n] as number);
          b.quadElement.push(b.quadFeature.length);
          return (b.quadValue.length - 1) * 4 + REF_QUAD;
        }
        const k = b.upFeature.length;
        let j = feats.indexOf(f);
        const isNew = j < 0;
        if (isNew) {
          j = feats.length;
          feats.push(f);
          zeros.push(1);
        }
        b.upFeature.push(f);
        b.upThreshold.push(threshold[n] as number);
        b.upNanLeft.push(missingLeft[n] as number);
        b.upNew.push(isNew ? 1 << j : 0);
        b.upAll.push(1 << j);
        b.upLeft.push(0);
        b.upRight.push(0);
        const z = zeros[j] as number;
        const c = cover[n] as number;
        zeros[j] = (z * (cover[left[n] as number] as number)) / c;
        b.upLeft[k] = emit(left[n] as number);
        zeros[j] = (z * (cover[right[n] as number] as number)) / c;
        b.upRight[k] = emit(right[n] as number);
        zeros[j] = z;
        if (isNew) {
          feats.pop();
          zeros.pop();
        }
        return k * 4 + REF_UP;
      };
      emit(0);
    }
  }
  b.treeUp.push(b.upFeature.length);
  b.treeBlock.push(b.blockBase.length - 1);
  b.treeQuad.push(b.quadValue.length);
}

function buildProgram(trees: readonly Tree[]): ShapProgram {
  const b = new ProgramBuilder();
  for (const t of trees) compileTree(t, b);
  const nUp = b.upFeature.length;
  const nBlocks = b.blockBase.length - 1;
  const nQuad = b.quadValue.length;
  const slot = (ref: number): number => {
    const i = ref >> 2;
    const kind = ref & 3;
    return kind === REF_UP ? i : kind === REF_BLOCK ? nUp + i : nUp + nBlocks + i;
  };
  const table = new Float64Array(b.tableSize);
  let o = 0;
  for (const t of b.tables) {
    table.set(t, o);
    o += t.length;
  }
  let maxWideU = 0;
  for (const r of b.wide) if (r.maxU > maxWideU) maxWideU = r.maxU;
  let maxQuadU = 0;
  for (let q = 0; q < nQuad; q++) {
    const u = (b.quadElement[q + 1] as number) - (b.quadElement[q] as number);
    if (u > maxQuadU) maxQuadU = u;
  }
  glRule(Math.max(5, (maxQuadU + 1) >> 1, (maxWideU + 1) >> 1));
  ensureQuadScratch(maxQuadU);
  return {
    trees: trees.slice(),
    treeUp: Int32Array.from(b.treeUp),
    treeBlock: Int32Array.from(b.treeBlock),
    treeQuad: Int32Array.from(b.treeQuad),
    nUp,
    nBlocks,
    upFeature: Int32Array.from(b.upFeature),
    upThreshold: Float64Array.from(b.upThreshold),
    upNanLeft: Int32Array.from(b.upNanLeft),
    upLeft: Int32Array.from(b.upLeft, slot),
    upRight: Int32Array.from(b.upRight, slot),
    upNew: Int32Array.from(b.upNew),
    upAll: Int32Array.from(b.upAll),
    blockNode: Int32Array.from(b.blockNode),
    blockFeature: Int32Array.from(b.blockFeature),
    blockBase: Int32Array.from(b.blockBase),
    nodeFeature: Int32Array.from(b.nodeFeature),
    nodeThreshold: Float64Array.from(b.nodeThreshold),
    nodeNanLeft: Int32Array.from(b.nodeNanLeft),
    nodeShift: Int32Array.from(b.nodeShift),
    feature: Int32Array.from(b.feature),
    table,
    quadElement: Int32Array.from(b.quadElement),
    quadValue: Float64Array.from(b.quadValue),
    quadFeature: Int32Array.from(b.quadFeature),
    quadZero: Float64Array.from(b.quadZero),
    pattern: new Int32Array(nUp + nBlocks + nQuad),
    wide: b.wide,
    maxWideU,
  };
}

/**
 * Compiled programs, found through their first tree (an ensemble is usually passed as the same
 * array, but a copy with the same trees must not rebuild). Same assumption as the per-tree caches:
 * fitted trees are never modified in place.
 */
const PROGRAMS = new WeakMap<Tree, ShapProgram[]>();
const EMPTY_PROGRAM = buildProgram([]);
/** Programs kept per first tree (different ensembles rarely share one). */
const PROGRAMS_PER_KEY = 4;

function programOf(trees: readonly Tree[]): ShapProgram {
  const first = trees[0];
  if (first === undefined) return EMPTY_PROGRAM;
  let list = PROGRAMS.get(first);
  if (list !== undefined) {
    for (const p of list) {
      const pt = p.trees;
      if (pt.length !== trees.length) continue;
      let same = true;
      for (let k = 0; k < pt.length && same; k++) same = pt[k] === trees[k];
      if (same) return p;
    }
  } else {
    list = [];
    PROGRAMS.set(first, list);
  }
  const p = buildProgram(trees);
  if (list.length >= PROGRAMS_PER_KEY) list.shift();
  list.push(p);
  return p;
}

/**
 * Adds the unscaled contributions of the program's upper nodes [up0, up1), blocks [b0, b1) and
 * quadrature leaves [q0, q1) — whole trees — for the row at x[xo..] into acc[ao..].
 */
function runProgram(
  P: ShapProgram,
  up0: number,
  up1: number,
  b0: number,
  b1: number,
  q0: number,
  q1: number,
  x: Float64Array,
  xo: number,
  acc: Float64Array,
  ao: number,
): void {
  const pat = P.pattern;
  const { upFeature, upThreshold, upNanLeft, upLeft, upRight, upNew, upAll } = P;
  for (let k = up0; k < up1; k++) {
    const xv = x[xo + (upFeature[k] as number)] as number;
    // 1 when the row goes left (NaN compares false, so it goes where missingLeft says), as an
    // integer mask: the direction is data-dependent and a branch on it mispredicts half the time.
    const g = +(xv <= (upThreshold[k] as number)) | (+(xv !== xv) & (upNanLeft[k] as number));
    const p = pat[k] as number;
    const hot = p | (upNew[k] as number);
    const cold = p & ~(upAll[k] as number);
    const swap = (hot ^ cold) & -g;
    pat[upLeft[k] as number] = cold ^ swap;
    pat[upRight[k] as number] = hot ^ swap;
  }
  const nUp = P.nUp;
  const { blockNode, blockFeature, blockBase, nodeFeature, nodeThreshold, nodeNanLeft, nodeShift, feature, table } = P;
  for (let b = b0; b < b1; b++) {
    let idx = pat[nUp + b] as number;
    const n1 = blockNode[b + 1] as number;
    for (let n = blockNode[b] as number; n < n1; n++) {
      const xv = x[xo + (nodeFeature[n] as number)] as number;
      const g = +(xv <= (nodeThreshold[n] as number)) | (+(xv !== xv) & (nodeNanLeft[n] as number));
      idx |= g << (nodeShift[n] as number);
    }
    const e0 = blockFeature[b] as number;
    const e1 = blockFeature[b + 1] as number;
    let t = (blockBase[b] as number) + idx * (e1 - e0);
    for (let e = e0; e < e1; e++, t++) {
      const f = ao + (feature[e] as number);
      acc[f] = (acc[f] as number) + (table[t] as number);
    }
  }
  if (q1 > q0) quadratureLeaves(P, nUp + P.nBlocks, q0, q1, acc, ao);
}

/**
 * Quadrature leaves [q0, q1) from their patterns. With d_j = o_j - z_j, element j's factor at node
 * t is z_j + d_j t and its contribution v d_j sum_k w_k prod_{i != j} (z_i + d_i t_k): prefix
 * products going forward and suffix products coming back give every leave-one-out product
 * without dividing, and without branching on which elements the row follows. The 4-point rule
 * is exact for every leaf with up to 8 elements (degree <= 7), the 5-point one up to 10.
 * (Treating the elements the row leaves in closed form — they share one contribution — halves
 * the arithmetic but measured slower: the indirection and data-dependent loop lengths cost more.)
 */
function quadratureLeaves(P: ShapProgram, slot0: number, q0: number, q1: number, acc: Float64Array, ao: number): void {
  const pat = P.pattern;
  const { quadElement, quadValue, quadFeature, quadZero } = P;
  const S = quadScratch;
  const nodes = GL_NODES[4] as number[];
  const weights = GL_WEIGHTS[4] as number[];
  const t0 = nodes[0] as number;
  const t1 = nodes[1] as number;
  const t2 = nodes[2] as number;
  const t3 = nodes[3] as number;
  const w0 = weights[0] as number;
  const w1 = weights[1] as number;
  const w2 = weights[2] as number;
  const w3 = weights[3] as number;
  for (let q = q0; q < q1; q++) {
    const e0 = quadElement[q] as number;
    const e1 = quadElement[q + 1] as number;
    const p = pat[slot0 + q] as number;
    const v = quadValue[q] as number;
    if (e1 - e0 > QUAD_LANES_MAX_U) {
      if (e1 - e0 <= QUAD_LANES5_MAX_U) quadratureLeaf5(P, e0, e1, p, v, acc, ao);
      else quadratureLeafWide(P, e0, e1, p, v, acc, ao);
      continue;
    }
    let g0 = 1;
    let g1 = 1;
    let g2 = 1;
    let g3 = 1;
    for (let e = e0, s = 0; e < e1; e++, s += 4) {
      const z = quadZero[e] as number;
      const d = ((p >> (e - e0)) & 1) - z;
      S[s] = g0;
      S[s + 1] = g1;
      S[s + 2] = g2;
      S[s + 3] = g3;
      g0 *= z + d * t0;
      g1 *= z + d * t1;
      g2 *= z + d * t2;
      g3 *= z + d * t3;
    }
    // Suffix products start at w_k * v, which folds the weights and the leaf value in.
    let s0 = w0 * v;
    let s1 = w1 * v;
    let s2 = w2 * v;
    let s3 = w3 * v;
    for (let e = e1 - 1, s = 4 * (e1 - 1 - e0); e >= e0; e--, s -= 4) {
      const z = quadZero[e] as number;
      const d = ((p >> (e - e0)) & 1) - z;
      const f = ao + (quadFeature[e] as number);
      acc[f] =
        (acc[f] as number) +
        d * ((S[s] as number) * s0 + (S[s + 1] as number) * s1 + (S[s + 2] as number) * s2 + (S[s + 3] as number) * s3);
      s0 *= z + d * t0;
      s1 *= z + d * t1;
      s2 *= z + d * t2;
      s3 *= z + d * t3;
    }
  }
}

/** One quadrature leaf with 9 or 10 elements: the 5-point rule, unrolled like the 4-lane path. */
function quadratureLeaf5(
  P: ShapProgram,
  e0: number,
  e1: number,
  p: number,
  v: number,
  acc: Float64Array,
  ao: number,
): void {
  const { quadFeature, quadZero } = P;
  const S = quadScratch;
  const nodes = GL_NODES[5] as number[];
  const weights = GL_WEIGHTS[5] as number[];
  const t0 = nodes[0] as number;
  const t1 = nodes[1] as number;
  const t2 = nodes[2] as number;
  const t3 = nodes[3] as number;
  const t4 = nodes[4] as number;
  let g0 = 1;
  let g1 = 1;
  let g2 = 1;
  let g3 = 1;
  let g4 = 1;
  for (let e = e0, s = 0; e < e1; e++, s += 5) {
    const z = quadZero[e] as number;
    const d = ((p >> (e - e0)) & 1) - z;
    S[s] = g0;
    S[s + 1] = g1;
    S[s + 2] = g2;
    S[s + 3] = g3;
    S[s + 4] = g4;
    g0 *= z + d * t0;
    g1 *= z + d * t1;
    g2 *= z + d * t2;
    g3 *= z + d * t3;
    g4 *= z + d * t4;
  }
  let s0 = (weights[0] as number) * v;
  let s1 = (weights[1] as number) * v;
  let s2 = (weights[2] as number) * v;
  let s3 = (weights[3] as number) * v;
  let s4 = (weights[4] as number) * v;
  for (let e = e1 - 1, s = 5 * (e1 - 1 - e0); e >= e0; e--, s -= 5) {
    const z = quadZero[e] as number;
    const d = ((p >> (e - e0)) & 1) - z;
    const f = ao + (quadFeature[e] as number);
    acc[f] =
      (acc[f] as number) +
      d *
        ((S[s] as number) * s0 +
          (S[s + 1] as number) * s1 +
          (S[s + 2] as number) * s2 +
          (S[s + 3] as number) * s3 +
          (S[s + 4] as number) * s4);
    s0 *= z + d * t0;
    s1 *= z + d * t1;
    s2 *= z + d * t2;
    s3 *= z + d * t3;
    s4 *= z + d * t4;
  }
}

/** One quadrature leaf with more than QUAD_LANES5_MAX_U elements: the same with ceil(u/2) nodes in scratch. */
function quadratureLeafWide(
  P: ShapProgram,
  e0: number,
  e1: number,
  p: number,
  v: number,
  acc: Float64Array,
  ao: number,
): void {
  const { quadFeature, quadZero } = P;
  const u = e1 - e0;
  const q = (u + 1) >> 1;
  const nodes = GL_NODES[q] as number[];
  const weights = GL_WEIGHTS[q] as number[];
  const S = quadScratch;
  const suf = quadSuffix;
  for (let k = 0; k < q; k++) suf[k] = 1;
  for (let e = e0, s = 0; e < e1; e++, s += q) {
    const z = quadZero[e] as number;
    const d = ((p >> (e - e0)) & 1) - z;
    for (let k = 0; k < q; k++) {
      const g = suf[k] as number;
      S[s + k] = g;
      suf[k] = g * (z + d * (nodes[k] as number));
    }
  }
  for (let k = 0; k < q; k++) suf[k] = (weights[k] as number) * v;
  for (let e = e1 - 1, s = q * (u - 1); e >= e0; e--, s -= q) {
    const z = quadZero[e] as number;
    const d = ((p >> (e - e0)) & 1) - z;
    let c = 0;
    for (let k = 0; k < q; k++) {
      const sk = suf[k] as number;
      c += (S[s + k] as number) * sk;
      suf[k] = sk * (z + d * (nodes[k] as number));
    }
    const f = ao + (quadFeature[e] as number);
    acc[f] = (acc[f] as number) + d * c;
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
 * Which evaluation `ensembleShap` uses for this tree: pattern tables (`table`), Gauss-Legendre
 * quadrature from the patterns (`quadrature`, when the tables would exceed the budget), or
 * quadrature with interval checks per leaf (`quadrature-intervals`, when a path holds more unique
 * features than a pattern has bits).
 */
export function treeShapStrategy(tree: Tree): 'table' | 'quadrature' | 'quadrature-intervals' {
  const p = programOf([tree]);
  if (p.wide.length > 0) return 'quadrature-intervals';
  return p.quadValue.length > 0 ? 'quadrature' : 'table';
}

// Unscaled sums for one block of rows (row-major), and the block's rows transposed.
let scratchAcc = new Float64Array(SHAP_BLOCK * 16);
let scratchRows = new Float64Array(SHAP_BLOCK * 16);

/** Adds scale * the program's SHAP values for the single row x into phi. */
function explainOne(P: ShapProgram, x: Float64Array, scale: number, phi: Float64Array): void {
  const nF = phi.length;
  if (scratchAcc.length < nF) scratchAcc = new Float64Array(Math.max(nF, 2 * scratchAcc.length));
  const acc = scratchAcc;
  acc.fill(0, 0, nF);
  runProgram(P, 0, P.nUp, 0, P.nBlocks, 0, P.quadValue.length, x, 0, acc, 0);
  for (let j = 0; j < nF; j++) phi[j] = (phi[j] as number) + (acc[j] as number) * scale;
  if (P.wide.length > 0) {
    ensureScratch(P.maxWideU);
    for (const rec of P.wide) shapQuadrature(rec, x, nF, 1, phi, scale);
  }
}

/**
 * Adds `scale * sum over trees` of TreeSHAP values for one dense row `x` into `phi` — the
 * single-row form of `ensembleShap` (same fast path, same cache).
 */
export function ensembleShapRow(trees: readonly Tree[], x: ArrayLike<number>, scale: number, phi: Float64Array): void {
  explainOne(programOf(trees), x instanceof Float64Array ? x : Float64Array.from(x), scale, phi);
}

/**
 * Adds `scale * sum over trees` of TreeSHAP values for every row of X into `out` (row-major,
 * `out[i * X.nCols + j]`). The fast path for explaining models: the ensemble is compiled once (and
 * cached for the trees' lifetime, so trees must not be mutated afterwards). Results equal
 * `treeShapRow`'s up to float rounding.
 */
export function ensembleShap(trees: readonly Tree[], X: Matrix, scale: number, out: Float64Array): void {
  const nF = X.nCols;
  const nR = X.nRows;
  if (out.length < nR * nF) {
    throw new RangeError(`ensembleShap: out has ${out.length} slots, needs ${nR * nF} (rows x features)`);
  }
  const P = programOf(trees);
  const data = X.data;
  // One row (the API's case): column-major data is the row itself.
  if (nR === 1) {
    explainOne(
      P,
      data.length === nF ? data : data.subarray(0, nF),
      scale,
      out.length === nF ? out : out.subarray(0, nF),
    );
    return;
  }
  if (scratchAcc.length < SHAP_BLOCK * nF) {
    scratchAcc = new Float64Array(SHAP_BLOCK * nF);
    scratchRows = new Float64Array(SHAP_BLOCK * nF);
  }
  const xs = scratchRows;
  const acc = scratchAcc;
  const { treeUp, treeBlock, treeQuad } = P;
  const nTrees = P.trees.length;
  if (P.wide.length > 0) ensureScratch(P.maxWideU);
  for (let i0 = 0; i0 < nR; i0 += SHAP_BLOCK) {
    const nb = Math.min(SHAP_BLOCK, nR - i0);
    for (let j = 0; j < nF; j++) {
      const col = j * nR + i0;
      for (let r = 0; r < nb; r++) xs[r * nF + j] = data[col + r] as number;
    }
    acc.fill(0, 0, nb * nF);
    // Tree by tree over the block of rows, so each tree's tables stay in cache.
    for (let t = 0; t < nTrees; t++) {
      const up0 = treeUp[t] as number;
      const up1 = treeUp[t + 1] as number;
      const b0 = treeBlock[t] as number;
      const b1 = treeBlock[t + 1] as number;
      const q0 = treeQuad[t] as number;
      const q1 = treeQuad[t + 1] as number;
      if (up0 === up1 && b0 === b1 && q0 === q1) continue;
      for (let r = 0, xo = 0; r < nb; r++, xo += nF) runProgram(P, up0, up1, b0, b1, q0, q1, xs, xo, acc, xo);
    }
    const phis = out.subarray(i0 * nF, (i0 + nb) * nF);
    for (let i = 0; i < nb * nF; i++) phis[i] = (phis[i] as number) + (acc[i] as number) * scale;
    for (const rec of P.wide) shapQuadrature(rec, xs, nF, nb, phis, scale);
  }
}
