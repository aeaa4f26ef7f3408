/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018) for the shared `Tree` representation:
 * the Shapley values of a tree's output where a coalition S "knows" the features in S and averages
 * over the others by training cover. Two exact evaluations of the same quantity live here:
 * `treeShapRow` is Algorithm 2 itself (EXTEND/UNWIND path bookkeeping on preallocated buffers),
 * and `ensembleShap`/`ensembleShapRow` evaluate Algorithm 2's per-leaf UNWOUND-SUM in closed form
 * by Gauss-Legendre quadrature over per-leaf records cached per tree — several times faster, which
 * is what explaining 100-tree models per API request and per monitoring batch needs. Missing values
 * take the branch the row really takes (`missingLeft`), so the "hot" child is the one prediction follows.
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
 * The batch fast path. At a leaf with unique path features K (|K| = u), zero fractions z_k and
 * one fractions o_k in {0, 1}, Algorithm 2's UNWOUND-SUM evaluates
 *   sum over S of |S|!(u-1-|S|)!/u! * prod_{k in S} o_k * prod_{k not in S, k != j} z_k,
 * and since |S|!(u-1-|S|)!/u! = integral_0^1 t^|S| (1-t)^(u-1-|S|) dt, that sum is the integral
 * over [0, 1] of the degree-(u-1) polynomial prod_{k != j} (o_k t + z_k (1 - t)). Gauss-Legendre
 * quadrature with ceil(u/2) nodes integrates it exactly (up to float rounding), as in Linear
 * TreeSHAP (Yu et al. 2022). Per row and leaf that is O(u^2/2) independent multiplications over a
 * small contiguous per-leaf record instead of Algorithm 2's O(u^2) dependent chain, which is what
 * lets a 100-tree model be explained in well under 100 us per row. Only x-independent facts are
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
   * Per element, q = ceil(u/2) values starting at fStart[e] (q of the element's leaf), one per
   * quadrature node t_k: F0 = z(1-t) (factor when the row leaves the path), F1 = z + (1-z)t
   * (factor when it follows), C1 = (1-z) w_k / F1 (the element's weight when it follows).
   * Precomputed so a row costs multiplications only.
   */
  readonly fStart: Int32Array;
  readonly F0: Float64Array;
  readonly F1: Float64Array;
  readonly C1: Float64Array;
  /**
   * Leaves with at most PACK_MAX_U path features (almost all of them in practice), packed into one
   * sequential stream with 4 quadrature lanes (unused lanes padded with factor 1, weight 0) so a
   * row keeps the four running products in registers. Per leaf: [value, u, zw0..zw3], then per
   * element [feature, lo, hi, nanFollows, F0 x4, F1 x4, C1 x4]. The generic arrays above skip them.
   */
  readonly packed: Float64Array;
}

/** Leaves with up to this many unique path features take the packed 4-lane path (ceil(8/2) = 4 nodes). */
const PACK_MAX_U = 8;
const PACK_HEAD = 6;
const PACK_EL = 16;
/** Rows scored together against each leaf record (see shapPacked). */
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
  const nEl = elFeature.length;
  const fStart = new Int32Array(nEl + 1);
  let maxU = 0;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const e1 = start[l + 1] as number;
    if (e1 - e0 > maxU) maxU = e1 - e0;
    const q = (e1 - e0 + 1) >> 1;
    for (let e = e0; e < e1; e++) fStart[e + 1] = (fStart[e] as number) + q;
  }
  const total = fStart[nEl] as number;
  const F0 = new Float64Array(total);
  const F1 = new Float64Array(total);
  const C1 = new Float64Array(total);
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const e1 = start[l + 1] as number;
    const q = (e1 - e0 + 1) >> 1;
    if (q === 0) continue;
    glRule(q);
    const nodes = GL_NODES[q] as number[];
    const weights = GL_WEIGHTS[q] as number[];
    for (let e = e0; e < e1; e++) {
      const z = elZero[e] as number;
      const b = fStart[e] as number;
      for (let k = 0; k < q; k++) {
        const t = nodes[k] as number;
        const f1 = z + (1 - z) * t;
        F0[b + k] = z * (1 - t);
        F1[b + k] = f1;
        C1[b + k] = ((1 - z) * (weights[k] as number)) / f1;
      }
    }
  }
  let packedLen = 0;
  for (let l = 0; l < nLeaves; l++) {
    const u = (start[l + 1] as number) - (start[l] as number);
    if (u > 0 && u <= PACK_MAX_U) packedLen += PACK_HEAD + PACK_EL * u;
  }
  const packed = new Float64Array(packedLen);
  let p = 0;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const u = (start[l + 1] as number) - e0;
    if (u === 0 || u > PACK_MAX_U) continue;
    const q = (u + 1) >> 1;
    glRule(q);
    const nodes = GL_NODES[q] as number[];
    const weights = GL_WEIGHTS[q] as number[];
    const zw = GL_ZERO_WEIGHTS[q] as number[];
    packed[p] = value[l] as number;
    packed[p + 1] = u;
    for (let k = 0; k < 4; k++) packed[p + 2 + k] = k < q ? (zw[k] as number) : 0;
    p += PACK_HEAD;
    for (let e = e0; e < e0 + u; e++) {
      const z = elZero[e] as number;
      packed[p] = elFeature[e] as number;
      packed[p + 1] = elLo[e] as number;
      packed[p + 2] = elHi[e] as number;
      packed[p + 3] = elNan[e] as number;
      for (let k = 0; k < 4; k++) {
        if (k < q) {
          const t = nodes[k] as number;
          const f1 = z + (1 - z) * t;
          packed[p + 4 + k] = z * (1 - t);
          packed[p + 8 + k] = f1;
          packed[p + 12 + k] = ((1 - z) * (weights[k] as number)) / f1;
        } else {
          packed[p + 4 + k] = 1;
          packed[p + 8 + k] = 1;
          packed[p + 12 + k] = 0;
        }
      }
      p += PACK_EL;
    }
  }
  return {
    nLeaves,
    maxU,
    packed,
    value: Float64Array.from(value),
    start: Int32Array.from(start),
    elFeature: Int32Array.from(elFeature),
    elLo: Float64Array.from(elLo),
    elHi: Float64Array.from(elHi),
    elNan: Uint8Array.from(elNan),
    elZero: Float64Array.from(elZero),
    fStart,
    F0,
    F1,
    C1,
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

// Scratch for one leaf: the product over all path elements per quadrature node, and which
// elements the row follows.
let scratchG = new Float64Array(64);
let scratchOne = new Uint8Array(64);

/** Adds scale * (this tree's SHAP values for x) into phi, leaf by leaf, by quadrature. */
function shapByQuadrature(rec: LeafRecords, x: Float64Array, phi: Float64Array, scale: number): void {
  const { nLeaves, value, start, elFeature, elLo, elHi, elNan, fStart, F0, F1, C1 } = rec;
  const G = scratchG;
  const ones = scratchOne;
  for (let l = 0; l < nLeaves; l++) {
    const e0 = start[l] as number;
    const u = (start[l + 1] as number) - e0;
    if (u <= PACK_MAX_U) continue; // empty, or handled by shapPacked
    const q = (u + 1) >> 1;
    for (let k = 0; k < q; k++) G[k] = 1;
    for (let j = 0; j < u; j++) {
      const e = e0 + j;
      const xv = x[elFeature[e] as number] as number;
      const follows = xv !== xv ? elNan[e] === 1 : xv > (elLo[e] as number) && xv <= (elHi[e] as number);
      ones[j] = follows ? 1 : 0;
      const b = fStart[e] as number;
      const F = follows ? F1 : F0;
      for (let k = 0; k < q; k++) G[k] = (G[k] as number) * (F[b + k] as number);
    }
    const v = (value[l] as number) * scale;
    // Elements the row leaves (o = 0) all get -v * integral(G / (1 - t)): their z_j cancels.
    let zeroShare = Number.NaN;
    for (let j = 0; j < u; j++) {
      const e = e0 + j;
      const f = elFeature[e] as number;
      if (ones[j] === 0) {
        if (zeroShare !== zeroShare) {
          const zw = GL_ZERO_WEIGHTS[q] as number[];
          zeroShare = 0;
          for (let k = 0; k < q; k++) zeroShare += (zw[k] as number) * (G[k] as number);
        }
        phi[f] = (phi[f] as number) - v * zeroShare;
      } else {
        const b = fStart[e] as number;
        let acc = 0;
        for (let k = 0; k < q; k++) acc += (C1[b + k] as number) * (G[k] as number);
        phi[f] = (phi[f] as number) + v * acc;
      }
    }
  }
}

/**
 * The packed 4-lane form of `shapByQuadrature` for leaves with at most PACK_MAX_U path features,
 * over a block of rows (row-major `xs` and `phis`, `nF` per row): each leaf record is read once
 * per block and stays in L1 while every row of the block is scored against it, so a batch streams
 * the model's records once per block instead of once per row.
 */
function shapPacked(
  P: Float64Array,
  xs: Float64Array,
  nF: number,
  nRows: number,
  phis: Float64Array,
  scale: number,
): void {
  const end = P.length;
  let p = 0;
  while (p < end) {
    const v = (P[p] as number) * scale;
    const u = P[p + 1] as number;
    const zw0 = P[p + 2] as number;
    const zw1 = P[p + 3] as number;
    const zw2 = P[p + 4] as number;
    const zw3 = P[p + 5] as number;
    const e0 = p + PACK_HEAD;
    const e1 = e0 + u * PACK_EL;
    for (let r = 0, xo = 0; r < nRows; r++, xo += nF) {
      let g0 = 1;
      let g1 = 1;
      let g2 = 1;
      let g3 = 1;
      let mask = 0;
      for (let e = e0, bit = 1; e < e1; e += PACK_EL, bit <<= 1) {
        const xv = xs[xo + (P[e] as number)] as number;
        const follows = xv !== xv ? P[e + 3] === 1 : xv > (P[e + 1] as number) && xv <= (P[e + 2] as number);
        // Lanes 4..7 hold F0 (row leaves the path), 8..11 F1 (row follows it).
        const o = follows ? e + 8 : e + 4;
        if (follows) mask |= bit;
        g0 *= P[o] as number;
        g1 *= P[o + 1] as number;
        g2 *= P[o + 2] as number;
        g3 *= P[o + 3] as number;
      }
      // Elements the row leaves all get -v * sum_k zw_k G_k (their z cancels).
      const zeroShare = v * (zw0 * g0 + zw1 * g1 + zw2 * g2 + zw3 * g3);
      for (let e = e0, bit = 1; e < e1; e += PACK_EL, bit <<= 1) {
        const f = xo + (P[e] as number);
        if (mask & bit) {
          const acc =
            (P[e + 12] as number) * g0 +
            (P[e + 13] as number) * g1 +
            (P[e + 14] as number) * g2 +
            (P[e + 15] as number) * g3;
          phis[f] = (phis[f] as number) + v * acc;
        } else {
          phis[f] = (phis[f] as number) - zeroShare;
        }
      }
    }
    p = e1;
  }
}

function ensureScratch(maxU: number): void {
  glRule(Math.max((maxU + 1) >> 1, 1));
  if (scratchOne.length > maxU) return;
  const n = Math.max(maxU + 1, scratchOne.length * 2);
  scratchG = new Float64Array(n);
  scratchOne = new Uint8Array(n);
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

/** `scale * sum over trees of treeExpectedValue` — the base of an ensemble explained by `ensembleShap`. */
export function ensembleExpectedValue(trees: readonly Tree[], scale: number): number {
  let total = 0;
  for (const t of trees) total += treeExpectedValue(t);
  return total * scale;
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
    shapPacked(rec.packed, xf, xf.length, 1, phi, scale);
    if (rec.maxU > PACK_MAX_U) shapByQuadrature(rec, xf, phi, scale);
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
  for (let i0 = 0; i0 < nR; i0 += SHAP_BLOCK) {
    const nb = Math.min(SHAP_BLOCK, nR - i0);
    for (let j = 0; j < nF; j++) {
      const col = j * nR + i0;
      for (let r = 0; r < nb; r++) xs[r * nF + j] = data[col + r] as number;
    }
    const phis = out.subarray(i0 * nF, (i0 + nb) * nF);
    for (let k = 0; k < records.length; k++) {
      const rec = records[k] as LeafRecords;
      shapPacked(rec.packed, xs, nF, nb, phis, scale);
      if (rec.maxU > PACK_MAX_U) {
        for (let r = 0; r < nb; r++) {
          shapByQuadrature(rec, xs.subarray(r * nF, (r + 1) * nF), phis.subarray(r * nF, (r + 1) * nF), scale);
        }
      }
    }
  }
}
