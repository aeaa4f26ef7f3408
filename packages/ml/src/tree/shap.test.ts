/**
 * Checks TreeSHAP against its definition: brute-force Shapley values over every feature subset,
 * using the same path-dependent conditional expectation (features in S follow the row, the others
 * average their children by cover). Random trees come from fast-check so failures shrink to a
 * minimal tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.js';
import { Rng } from '../rng.js';
import {
  ensembleExpectedValue,
  ensembleShap,
  ensembleShapRow,
  treeDepth,
  treeExpectedValue,
  treeShapRow,
  treeShapStrategy,
} from './shap.js';
import { predictTreeRow, type Tree } from './tree.js';

const TOL = 1e-9;

type Node =
  | { readonly kind: 'leaf'; readonly value: number; readonly cover: number }
  | {
      readonly kind: 'split';
      readonly feature: number;
      readonly threshold: number;
      readonly missingLeft: boolean;
      readonly left: Node;
      readonly right: Node;
    };

function flatten(root: Node): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const missingLeft: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const cover: number[] = [];
  const visit = (n: Node): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    missingLeft.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    cover.push(0);
    if (n.kind === 'leaf') {
      value[id] = n.value;
      cover[id] = n.cover;
    } else {
      const l = visit(n.left);
      const r = visit(n.right);
      feature[id] = n.feature;
      threshold[id] = n.threshold;
      missingLeft[id] = n.missingLeft ? 1 : 0;
      left[id] = l;
      right[id] = r;
      cover[id] = (cover[l] as number) + (cover[r] as number);
      value[id] =
        ((value[l] as number) * (cover[l] as number) + (value[r] as number) * (cover[r] as number)) / cover[id];
    }
    return id;
  };
  visit(root);
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    missingLeft: Uint8Array.from(missingLeft),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    cover: Float64Array.from(cover),
  };
}

/** E[f(x) | x_S] with the path-dependent (cover-weighted) expectation; `inS` is a bitmask. */
function condExpectation(t: Tree, x: ArrayLike<number>, inS: number, node = 0): number {
  const f = t.feature[node] as number;
  if (f === -1) return t.value[node] as number;
  const l = t.left[node] as number;
  const r = t.right[node] as number;
  if ((inS >> f) & 1) {
    const v = x[f] as number;
    const goLeft = Number.isNaN(v) ? t.missingLeft[node] === 1 : v <= (t.threshold[node] as number);
    return condExpectation(t, x, inS, goLeft ? l : r);
  }
  const c = t.cover[node] as number;
  return (
    ((t.cover[l] as number) / c) * condExpectation(t, x, inS, l) +
    ((t.cover[r] as number) / c) * condExpectation(t, x, inS, r)
  );
}

function factorial(n: number): number {
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

function bruteForceShap(value: (mask: number) => number, m: number): Float64Array {
  const phi = new Float64Array(m);
  const cache = new Float64Array(1 << m);
  for (let mask = 0; mask < 1 << m; mask++) cache[mask] = value(mask);
  for (let j = 0; j < m; j++) {
    for (let mask = 0; mask < 1 << m; mask++) {
      if ((mask >> j) & 1) continue;
      let size = 0;
      for (let b = mask; b; b &= b - 1) size++;
      const w = (factorial(size) * factorial(m - size - 1)) / factorial(m);
      phi[j] = (phi[j] as number) + w * ((cache[mask | (1 << j)] as number) - (cache[mask] as number));
    }
  }
  return phi;
}

const M = 5;
// Thresholds and inputs share a coarse grid so ties (x == threshold) are exercised.
const gridValue = fc.integer({ min: -4, max: 4 }).map((k) => k / 2);
const { node: nodeArb } = fc.letrec<{ node: Node; leaf: Node; split: Node }>((tie) => ({
  node: fc.oneof({ maxDepth: 6, depthIdentifier: 'tree' }, tie('leaf'), tie('split'), tie('split')),
  leaf: fc.record({
    kind: fc.constant('leaf' as const),
    value: fc.double({ min: -5, max: 5, noNaN: true }),
    cover: fc.double({ min: 0.05, max: 20, noNaN: true }),
  }),
  split: fc.record({
    kind: fc.constant('split' as const),
    feature: fc.integer({ min: 0, max: M - 1 }),
    threshold: gridValue,
    missingLeft: fc.boolean(),
    left: tie('node'),
    right: tie('node'),
  }),
}));
const rowArb = fc.array(fc.oneof(gridValue, gridValue, fc.constant(Number.NaN)), { minLength: M, maxLength: M });

describe('treeShapRow', () => {
  it('equals brute-force path-dependent Shapley values on random trees (tol 1e-9)', () => {
    fc.assert(
      fc.property(nodeArb, rowArb, (root, x) => {
        const t = flatten(root);
        const phi = new Float64Array(M);
        treeShapRow(t, x, phi);
        const expected = bruteForceShap((mask) => condExpectation(t, x, mask), M);
        for (let j = 0; j < M; j++) expect(Math.abs((phi[j] as number) - (expected[j] as number))).toBeLessThan(TOL);
        // Additivity against the real prediction, including NaN routing.
        let sum = treeExpectedValue(t);
        for (let j = 0; j < M; j++) sum += phi[j] as number;
        expect(Math.abs(sum - predictTreeRow(t, x))).toBeLessThan(TOL);
      }),
      { numRuns: 400 },
    );
  });

  it('adds into phi instead of overwriting it', () => {
    const t = flatten({
      kind: 'split',
      feature: 1,
      threshold: 0,
      missingLeft: false,
      left: { kind: 'leaf', value: 1, cover: 3 },
      right: { kind: 'leaf', value: -1, cover: 1 },
    });
    const phi = Float64Array.from([10, 10]);
    treeShapRow(t, [0, -1], phi);
    // E = (3*1 + 1*-1)/4 = 0.5; f(x) = 1, so feature 1 gets 0.5 on top of the existing 10.
    expect(phi[0]).toBe(10);
    expect(Math.abs((phi[1] as number) - 10.5)).toBeLessThan(TOL);
    // Missing goes right here (missingLeft = 0), to the -1 leaf.
    const phiNaN = new Float64Array(2);
    treeShapRow(t, [0, Number.NaN], phiNaN);
    expect(Math.abs((phiNaN[1] as number) + 1.5)).toBeLessThan(TOL);
  });

  it('gives nothing for a single-leaf tree, whose expected value is its value', () => {
    const t = flatten({ kind: 'leaf', value: 0.7, cover: 4 });
    const phi = new Float64Array(3);
    treeShapRow(t, [1, 2, 3], phi);
    expect(Array.from(phi)).toEqual([0, 0, 0]);
    expect(treeExpectedValue(t)).toBe(0.7);
    expect(treeDepth(t)).toBe(0);
  });
});

/** A random tree grown leaf-wise (a random leaf is split each step), as boosting with num_leaves grows them. */
function leafWiseTree(rng: Rng, nF: number, nLeaves: number): Node {
  type Mut = { leaf: boolean; value: number; cover: number; f: number; t: number; ml: boolean; l?: Mut; r?: Mut };
  const mk = (): Mut => ({ leaf: true, value: rng.normal(), cover: 1 + rng.next() * 50, f: 0, t: 0, ml: false });
  const root = mk();
  const leaves = [root];
  while (leaves.length < nLeaves) {
    const k = rng.int(leaves.length);
    const n = leaves[k] as Mut;
    n.leaf = false;
    n.f = rng.int(nF);
    n.t = rng.normal();
    n.ml = rng.next() < 0.5;
    n.l = mk();
    n.r = mk();
    leaves[k] = n.l;
    leaves.push(n.r);
  }
  const toNode = (n: Mut): Node =>
    n.leaf
      ? { kind: 'leaf', value: n.value, cover: n.cover }
      : {
          kind: 'split',
          feature: n.f,
          threshold: n.t,
          missingLeft: n.ml,
          left: toNode(n.l as Mut),
          right: toNode(n.r as Mut),
        };
  return toNode(root);
}

/** A chain of splits on distinct features (a leaf hangs off every level): paths with many unique features. */
function chainTree(rng: Rng, features: readonly number[]): Node {
  const leaf = (): Node => ({ kind: 'leaf', value: rng.normal(), cover: 1 + rng.next() * 20 });
  let node: Node = leaf();
  for (let k = features.length - 1; k >= 0; k--) {
    const side = leaf();
    const deeper = rng.next() < 0.5;
    node = {
      kind: 'split',
      feature: features[k] as number,
      threshold: rng.normal() * 0.3,
      missingLeft: rng.next() < 0.5,
      left: deeper ? node : side,
      right: deeper ? side : node,
    };
  }
  return node;
}

/** Unique path features of every leaf. */
function leafPathFeatureCounts(t: Tree): number[] {
  const out: number[] = [];
  const visit = (n: number, feats: readonly number[]): void => {
    const f = t.feature[n] as number;
    if (f === -1) {
      out.push(new Set(feats).size);
      return;
    }
    visit(t.left[n] as number, [...feats, f]);
    visit(t.right[n] as number, [...feats, f]);
  };
  visit(0, []);
  return out;
}

describe('ensembleShap', () => {
  it('equals brute force on the scaled sum of random trees, for every row of a matrix (tol 1e-9)', () => {
    fc.assert(
      fc.property(
        fc.array(nodeArb, { minLength: 1, maxLength: 4 }),
        fc.array(rowArb, { minLength: 1, maxLength: 3 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (roots, rows, scale) => {
          const trees = roots.map(flatten);
          const nR = rows.length;
          const data = new Float64Array(nR * M);
          rows.forEach((r, i) => {
            r.forEach((v, j) => {
              data[j * nR + i] = v;
            });
          });
          const out = new Float64Array(nR * M);
          ensembleShap(trees, matrix(nR, M, data), scale, out);
          const base = ensembleExpectedValue(trees, scale);
          rows.forEach((x, i) => {
            const expected = bruteForceShap((mask) => {
              let s = 0;
              for (const t of trees) s += condExpectation(t, x, mask);
              return s * scale;
            }, M);
            let sum = base;
            let pred = 0;
            for (const t of trees) pred += predictTreeRow(t, x);
            for (let j = 0; j < M; j++) {
              const got = out[i * M + j] as number;
              expect(Math.abs(got - (expected[j] as number))).toBeLessThan(TOL);
              sum += got;
            }
            expect(Math.abs(sum - pred * scale)).toBeLessThan(TOL);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('matches Algorithm 2 on deep trees with many distinct path features (quadrature up to 8 nodes, tol 1e-9)', () => {
    const rng = new Rng(11);
    const nF = 16;
    const trees = Array.from({ length: 6 }, () => flatten(leafWiseTree(rng, nF, 200)));
    expect(Math.max(...trees.map(treeDepth))).toBeGreaterThan(12);
    // Too many path features for pattern tables: this exercises the quadrature path.
    expect(trees.map(treeShapStrategy)).toContain('quadrature');
    for (let r = 0; r < 20; r++) {
      const x = Float64Array.from({ length: nF }, () => (rng.next() < 0.15 ? Number.NaN : rng.normal()));
      const direct = new Float64Array(nF);
      for (const t of trees) treeShapRow(t, x, direct);
      const fast = new Float64Array(nF);
      ensembleShapRow(trees, x, 1, fast);
      for (let j = 0; j < nF; j++) expect(Math.abs((fast[j] as number) - (direct[j] as number))).toBeLessThan(1e-9);
    }
  });

  it('gives the same values whatever the node numbering (children may precede parents)', () => {
    fc.assert(
      fc.property(nodeArb, rowArb, fc.integer(), (root, x, seed) => {
        const t = flatten(root);
        const m = t.feature.length;
        // Random relabelling that keeps the root at 0, so children may precede parents.
        const perm = Array.from({ length: m }, (_, i) => i);
        const rng = new Rng(seed);
        for (let i = m - 1; i > 1; i--) {
          const j = 1 + rng.int(i);
          [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
        }
        const relabel = (arr: Float64Array | Int32Array | Uint8Array, isChild: boolean): number[] => {
          const out = new Array<number>(m).fill(0);
          for (let n = 0; n < m; n++) {
            const v = arr[n] as number;
            out[perm[n] as number] = isChild && v >= 0 ? (perm[v] as number) : v;
          }
          return out;
        };
        const u: Tree = {
          feature: Int32Array.from(relabel(t.feature, false)),
          threshold: Float64Array.from(relabel(t.threshold, false)),
          missingLeft: Uint8Array.from(relabel(t.missingLeft, false)),
          left: Int32Array.from(relabel(t.left, true)),
          right: Int32Array.from(relabel(t.right, true)),
          value: Float64Array.from(relabel(t.value, false)),
          cover: Float64Array.from(relabel(t.cover, false)),
        };
        const direct = new Float64Array(M);
        treeShapRow(t, x, direct);
        const fast = new Float64Array(M);
        ensembleShapRow([u], x, 1, fast);
        for (let j = 0; j < M; j++) expect(Math.abs((fast[j] as number) - (direct[j] as number))).toBeLessThan(TOL);
      }),
      { numRuns: 200 },
    );
    // Root 0 -> (3, 1); node 3 -> (2, 4): child 2 precedes its parent 3.
    const mixed: Tree = {
      feature: Int32Array.of(0, -1, -1, 1, -1),
      threshold: Float64Array.of(0, 0, 0, 0.5, 0),
      missingLeft: Uint8Array.of(1, 0, 0, 0, 0),
      left: Int32Array.of(3, -1, -1, 2, -1),
      right: Int32Array.of(1, -1, -1, 4, -1),
      value: Float64Array.of(0, 2, -1, 0, 3),
      cover: Float64Array.of(6, 2, 1, 4, 3),
    };
    expect(treeShapStrategy(mixed)).toBe('table');
    for (const x of [
      [-1, 0],
      [-1, 1],
      [1, 0],
      [Number.NaN, Number.NaN],
    ]) {
      const direct = new Float64Array(2);
      treeShapRow(mixed, x, direct);
      const fast = new Float64Array(2);
      ensembleShapRow([mixed], x, 1, fast);
      for (let j = 0; j < 2; j++) expect(Math.abs((fast[j] as number) - (direct[j] as number))).toBeLessThan(TOL);
    }
  });

  it('agrees with Algorithm 2 under every strategy, for one row and for blocks of rows (missing values; tol 1e-9)', () => {
    const rng = new Rng(23);
    const nF = 40;
    const trees: Tree[] = [];
    // Boosting-sized trees (tables, leaves grouped into blocks).
    for (let k = 0; k < 20; k++) trees.push(flatten(leafWiseTree(rng, 9, 31)));
    // Bigger trees over 16 features: quadrature, leaves with up to 8, 9-10 and more unique path features.
    for (let k = 0; k < 3; k++) trees.push(flatten(leafWiseTree(rng, 16, 300)));
    // A path through 36 distinct features: more than a pattern holds.
    trees.push(
      flatten(
        chainTree(
          rng,
          Array.from({ length: 36 }, (_, j) => j),
        ),
      ),
    );
    // Zero-cover leaves, a single leaf.
    trees.push(
      flatten({
        kind: 'split',
        feature: 2,
        threshold: 0,
        missingLeft: true,
        left: { kind: 'leaf', value: 5, cover: 0 },
        right: {
          kind: 'split',
          feature: 2,
          threshold: 1,
          missingLeft: false,
          left: { kind: 'leaf', value: -1, cover: 3 },
          right: { kind: 'leaf', value: 2, cover: 0 },
        },
      }),
    );
    trees.push(flatten({ kind: 'leaf', value: 0.3, cover: 2 }));
    const strategies = new Set(trees.map(treeShapStrategy));
    expect([...strategies].sort()).toEqual(['quadrature', 'quadrature-intervals', 'table']);
    const quadU = trees.filter((t) => treeShapStrategy(t) === 'quadrature').flatMap(leafPathFeatureCounts);
    expect(quadU.some((u) => u <= 8)).toBe(true);
    expect(quadU.some((u) => u === 9 || u === 10)).toBe(true);
    expect(quadU.some((u) => u > 10)).toBe(true);

    const nR = 70; // more than one block of rows
    const data = new Float64Array(nR * nF);
    for (let k = 0; k < data.length; k++) data[k] = rng.next() < 0.15 ? Number.NaN : rng.normal() * 0.5;
    const scale = 0.7;
    const out = new Float64Array(nR * nF);
    ensembleShap(trees, matrix(nR, nF, data), scale, out);
    const base = ensembleExpectedValue(trees, scale);
    const x = new Float64Array(nF);
    for (let i = 0; i < nR; i++) {
      for (let j = 0; j < nF; j++) x[j] = data[j * nR + i] as number;
      const direct = new Float64Array(nF);
      let pred = 0;
      for (const t of trees) {
        treeShapRow(t, x, direct);
        pred += predictTreeRow(t, x);
      }
      const one = new Float64Array(nF);
      ensembleShapRow(trees, x, scale, one);
      const single = new Float64Array(nF);
      ensembleShap(trees, matrix(1, nF, x.slice()), scale, single);
      let sum = base;
      for (let j = 0; j < nF; j++) {
        const want = (direct[j] as number) * scale;
        expect(Math.abs((out[i * nF + j] as number) - want)).toBeLessThan(TOL);
        expect(Math.abs((one[j] as number) - want)).toBeLessThan(TOL);
        expect(Math.abs((single[j] as number) - want)).toBeLessThan(TOL);
        sum += out[i * nF + j] as number;
      }
      expect(Math.abs(sum - pred * scale)).toBeLessThan(TOL);
    }
  });

  it('keeps ensembles that share trees apart, and gives a copied tree array the same values (tol 1e-9)', () => {
    const rng = new Rng(5);
    const nF = 6;
    const trees = Array.from({ length: 8 }, () => flatten(leafWiseTree(rng, nF, 12)));
    const x = Float64Array.from({ length: nF }, () => rng.normal());
    for (const subset of [
      trees,
      trees.slice(0, 3),
      trees.slice(),
      trees.slice(0, 3),
      [trees[1] as Tree, trees[0] as Tree],
    ]) {
      const direct = new Float64Array(nF);
      for (const t of subset) treeShapRow(t, x, direct);
      const fast = new Float64Array(nF);
      ensembleShapRow(subset, x, 1, fast);
      for (let j = 0; j < nF; j++) expect(Math.abs((fast[j] as number) - (direct[j] as number))).toBeLessThan(TOL);
    }
  });

  it('rejects an output buffer that is too small, saying how big it must be', () => {
    const t = flatten({ kind: 'leaf', value: 1, cover: 1 });
    expect(() => ensembleShap([t], matrix(2, 3), 1, new Float64Array(5))).toThrow(/needs 6/);
  });

  it('explains a 100-tree, 31-leaf model additively (deep, unbalanced trees; tol 1e-9)', () => {
    const rng = new Rng(7);
    const nF = 9;
    // Leaf-wise growth gives unbalanced trees, like boosting's num_leaves=31.
    const trees: Tree[] = [];
    for (let k = 0; k < 100; k++) trees.push(flatten(leafWiseTree(rng, nF, 31)));
    const nR = 400;
    const data = new Float64Array(nR * nF);
    for (let k = 0; k < data.length; k++) data[k] = rng.next() < 0.1 ? Number.NaN : rng.normal();
    const X = matrix(nR, nF, data);
    const out = new Float64Array(nR * nF);
    ensembleShap(trees, X, 1, out);
    const base = ensembleExpectedValue(trees, 1);
    const x = new Float64Array(nF);
    for (let i = 0; i < nR; i++) {
      for (let j = 0; j < nF; j++) x[j] = data[j * nR + i] as number;
      let pred = 0;
      for (const t of trees) pred += predictTreeRow(t, x);
      let sum = base;
      for (let j = 0; j < nF; j++) sum += out[i * nF + j] as number;
      expect(Math.abs(sum - pred)).toBeLessThan(1e-9);
    }
  });
});
