/**
 * Correctness tests of the histogram gradient-boosting classifier: hand-computed and brute-force
 * split checks, monotone training loss, learned missing-value directions, quality on the
 * synthetic benchmark problem, determinism, state round-trips, explanations and error reporting.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPotability } from '../datasets/synthetic.js';
import { MlError } from '../errors.js';
import { type Matrix, fromRows, matrix } from '../matrix.js';
import { rocAuc } from '../metrics/ranking.js';
import { Rng } from '../rng.js';
import { predictTreeRow } from '../tree/tree.js';
import { GradientBoostingClassifier, gbmSpec } from './gbm.js';
import { gbmDefaults, resolveGbmParams } from './params.js';
import { ALL_FINITE_LEFT } from './train.js';

function logLoss(y: ArrayLike<number>, margin: Float64Array): number {
  let s = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i] as number;
    const z = y[i] === 1 ? -m : m;
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s / margin.length;
}

function expectMlError(fn: () => unknown, code: string, mention: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MlError);
    expect((e as MlError).code).toBe(code);
    expect((e as MlError).message).toContain(mention);
    return;
  }
  throw new Error(`expected MlError ${code}`);
}

describe('GradientBoostingClassifier: split finding', () => {
  it('matches a one-split case computed by hand (gain and leaf values with lambdaL2 = 1)', () => {
    // x = 1..4, y = 0,1,1,1, init score 0 => p = 0.5, g = p - y = (0.5, -0.5, -0.5, -0.5), h = 0.25.
    // Candidate x <= 1.5: left G=0.5,H=0.25 -> 0.25/1.25 = 0.2; right G=-1.5,H=0.75 -> 2.25/1.75 = 9/7;
    // parent G=-1,H=1 -> 1/2. Gain = 0.2 + 9/7 - 0.5 = 0.985714...; x <= 2.5 gives 1/6, x <= 3.5 < 0.
    // Leaf values -G/(H+lambda): left -0.5/1.25 = -0.4, right 1.5/1.75 = 6/7.
    const X = fromRows([[1], [2], [3], [4]]);
    const m = new GradientBoostingClassifier({
      numIterations: 1,
      numLeaves: 2,
      minDataInLeaf: 1,
      minSumHessianInLeaf: 0,
      lambdaL2: 1,
      learningRate: 1,
      boostFromAverage: false,
    }).fit(X, [0, 1, 1, 1]);
    const t = m.fittedTrees[0];
    if (t === undefined) throw new Error('no tree');
    expect(t.feature[0]).toBe(0);
    expect(t.threshold[0]).toBe(1.5);
    const tol = 1e-12;
    expect(Math.abs((t.value[t.left[0] as number] as number) - -0.4)).toBeLessThan(tol);
    expect(Math.abs((t.value[t.right[0] as number] as number) - 6 / 7)).toBeLessThan(tol);
    expect(Math.abs((m.featureImportance('gain')[0] as number) - (0.2 + 9 / 7 - 0.5))).toBeLessThan(tol);
    expect(t.cover[0]).toBe(1);
  });

  it('picks the root split a brute-force search over all features, thresholds and missing directions picks', () => {
    const n = 200; // fewer distinct values than maxBin, so every threshold is a candidate
    const { X, y } = syntheticPotability(n, 11);
    const lambda = 1;
    const minData = 15;
    const m = new GradientBoostingClassifier({
      numIterations: 1,
      numLeaves: 2,
      lambdaL2: lambda,
      minDataInLeaf: minData,
    }).fit(X, y);
    let pos = 0;
    for (let i = 0; i < n; i++) pos += y[i] as number;
    const p0 = pos / n;
    const h = p0 * (1 - p0);
    const score = (G: number, H: number): number => (G * G) / (H + lambda);
    const G = n * p0 - pos;
    const parent = score(G, n * h);
    const gainOf = (f: number, thr: number, missingLeft: boolean): number => {
      let gl = 0;
      let cl = 0;
      for (let i = 0; i < n; i++) {
        const v = X.data[f * n + i] as number;
        const left = v !== v ? missingLeft : v <= thr;
        if (left) {
          gl += p0 - (y[i] as number);
          cl++;
        }
      }
      if (cl < minData || n - cl < minData) return Number.NEGATIVE_INFINITY;
      return score(gl, cl * h) + score(G - gl, (n - cl) * h) - parent;
    };
    let best = Number.NEGATIVE_INFINITY;
    for (let f = 0; f < X.nCols; f++) {
      const vals = Array.from(X.data.subarray(f * n, (f + 1) * n))
        .filter((v) => v === v)
        .sort((a, b) => a - b);
      const thresholds = [ALL_FINITE_LEFT];
      for (let k = 0; k + 1 < vals.length; k++) if (vals[k] !== vals[k + 1]) thresholds.push(vals[k] as number);
      for (const thr of thresholds) {
        best = Math.max(best, gainOf(f, thr, true), gainOf(f, thr, false));
      }
    }
    const t = m.fittedTrees[0];
    if (t === undefined) throw new Error('no tree');
    const chosen = gainOf(t.feature[0] as number, t.threshold[0] as number, t.missingLeft[0] === 1);
    const tol = 1e-9;
    expect(Math.abs(chosen - best)).toBeLessThan(tol);
    expect(Math.abs((m.featureImportance('gain')[t.feature[0] as number] as number) - best)).toBeLessThan(tol);
  });
});

describe('GradientBoostingClassifier: training behaviour', () => {
  it('never increases the training loss from one iteration to the next (no bagging)', () => {
    const { X, y } = syntheticPotability(3000, 3);
    const m = new GradientBoostingClassifier({ numIterations: 40, seed: 1 }).fit(X, y);
    let prev = logLoss(y, m.predictMargin(X, 0));
    for (let k = 1; k <= m.numTrees; k++) {
      const cur = logLoss(y, m.predictMargin(X, k));
      expect(cur).toBeLessThanOrEqual(prev + 1e-12);
      prev = cur;
    }
    expect(m.numTrees).toBe(40);
  });

  it('sends missing values the learned way', () => {
    const rng = new Rng(5);
    const n = 1000;
    const x = new Float64Array(n);
    const yHigh = new Uint8Array(n);
    const yLow = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = rng.next() < 0.2;
      const v = rng.next();
      x[i] = missing ? Number.NaN : v;
      yHigh[i] = missing || v > 0.5 ? 1 : 0; // NaN rows behave like the high side
      yLow[i] = !missing && v > 0.5 ? 1 : 0; // NaN rows behave like the low side
    }
    const X = matrix(n, 1, x);
    const params = { numIterations: 1, numLeaves: 2, learningRate: 1 };
    const high = new GradientBoostingClassifier(params).fit(X, yHigh);
    const low = new GradientBoostingClassifier(params).fit(X, yLow);
    const th = high.fittedTrees[0];
    const tl = low.fittedTrees[0];
    if (th === undefined || tl === undefined) throw new Error('no tree');
    expect(Math.abs((th.threshold[0] as number) - 0.5)).toBeLessThan(0.01);
    expect(th.missingLeft[0]).toBe(0);
    expect(tl.missingLeft[0]).toBe(1);
    const nan = fromRows([[Number.NaN], [0.9], [0.1]]);
    const ph = high.predictProba(nan);
    const pl = low.predictProba(nan);
    expect(ph[0]).toBe(ph[1]);
    expect(pl[0]).toBe(pl[2]);
  });

  it('routes missing values to the larger child when training saw none', () => {
    const n = 1000;
    const x = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i / n;
      y[i] = i / n > 0.7 ? 1 : 0;
    }
    const m = new GradientBoostingClassifier({ numIterations: 1, numLeaves: 2 }).fit(matrix(n, 1, x), y);
    const t = m.fittedTrees[0];
    if (t === undefined) throw new Error('no tree');
    // Left holds ~70% of the rows (and hessian), so NaN follows it.
    expect(t.missingLeft[0]).toBe(1);
    expect(predictTreeRow(t, [Number.NaN])).toBe(predictTreeRow(t, [0.1]));
  });

  it('clearly beats chance on the synthetic problem and is close to the true logit', () => {
    const train = syntheticPotability(8000, 21);
    const test = syntheticPotability(8000, 22);
    const m = new GradientBoostingClassifier({ seed: 3 }).fit(train.X, train.y);
    const auc = rocAuc(test.y, m.predictProba(test.X));
    const oracle = rocAuc(test.y, test.logit);
    expect(auc).toBeGreaterThan(0.75);
    expect(oracle - auc).toBeLessThan(0.05);
  });

  it('gives bit-identical predictions for the same seed (with bagging and feature sampling)', () => {
    const { X, y } = syntheticPotability(3000, 8);
    const params = { numIterations: 30, baggingFraction: 0.7, baggingFreq: 1, featureFraction: 0.6, seed: 42 };
    const a = new GradientBoostingClassifier(params).fit(X, y).predictMargin(X);
    const b = new GradientBoostingClassifier(params).fit(X, y).predictMargin(X);
    const c = new GradientBoostingClassifier({ ...params, seed: 43 }).fit(X, y).predictMargin(X);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it('stops early on a validation set and keeps the best iteration', () => {
    const train = syntheticPotability(1500, 31);
    const valid = syntheticPotability(1500, 32);
    const m = new GradientBoostingClassifier({
      numIterations: 400,
      learningRate: 0.3,
      numLeaves: 63,
      minDataInLeaf: 5,
      earlyStoppingRounds: 10,
    }).fit(train.X, train.y, { validation: { X: valid.X, y: valid.y } });
    const hist = m.evalHistory.validLogLoss;
    expect(hist.length).toBeLessThan(400);
    expect(m.numTrees).toBe(hist.indexOf(Math.min(...hist)) + 1);
    expect(hist.length - m.numTrees).toBe(10);
    // The kept model's validation loss is the recorded minimum (tolerance: float summation order).
    expect(Math.abs(logLoss(valid.y, m.predictMargin(valid.X)) - Math.min(...hist))).toBeLessThan(1e-9);
  });

  it('class weights shift predictions toward the up-weighted class', () => {
    const { X, y } = syntheticPotability(3000, 12);
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    const plain = mean(new GradientBoostingClassifier({ numIterations: 20 }).fit(X, y).predictProba(X));
    const up = mean(
      new GradientBoostingClassifier({ numIterations: 20, classWeight: { 0: 1, 1: 3 } }).fit(X, y).predictProba(X),
    );
    expect(up).toBeGreaterThan(plain + 0.1);
  });

  it('respects numLeaves, maxDepth, minDataInLeaf and featureFraction', () => {
    const { X, y } = syntheticPotability(3000, 14);
    const m = new GradientBoostingClassifier({
      numIterations: 10,
      numLeaves: 7,
      maxDepth: 3,
      minDataInLeaf: 60,
      featureFraction: 1 / 9,
      seed: 2,
    }).fit(X, y);
    const usedFeatures = new Set<number>();
    m.fittedTrees.forEach((t, ti) => {
      const depth = new Int32Array(t.feature.length);
      const treeFeatures = new Set<number>();
      let leaves = 0;
      for (let n = 0; n < t.feature.length; n++) {
        const f = t.feature[n] as number;
        if (f === -1) {
          leaves++;
          continue;
        }
        treeFeatures.add(f);
        depth[t.left[n] as number] = (depth[n] as number) + 1;
        depth[t.right[n] as number] = (depth[n] as number) + 1;
      }
      expect(leaves).toBeLessThanOrEqual(7);
      expect(Math.max(...depth)).toBeLessThanOrEqual(3);
      expect(treeFeatures.size).toBe(1); // one feature sampled per tree
      for (const f of treeFeatures) usedFeatures.add(f);
      if (ti === 0) {
        // First tree: all hessians are equal, so the estimated counts used while searching are exact.
        const counts = new Map<number, number>();
        for (let i = 0; i < X.nRows; i++) {
          let n = 0;
          while (t.feature[n] !== -1) {
            const v = X.data[(t.feature[n] as number) * X.nRows + i] as number;
            const left = v !== v ? t.missingLeft[n] === 1 : v <= (t.threshold[n] as number);
            n = left ? (t.left[n] as number) : (t.right[n] as number);
          }
          counts.set(n, (counts.get(n) ?? 0) + 1);
        }
        for (const c of counts.values()) expect(c).toBeGreaterThanOrEqual(60);
      }
    });
    expect(usedFeatures.size).toBeGreaterThan(1); // different trees sampled different features
  });

  it('reports progress once per iteration', () => {
    const { X, y } = syntheticPotability(500, 2);
    const seen: number[] = [];
    new GradientBoostingClassifier({ numIterations: 7 }).fit(X, y, {
      onProgress: (e) => {
        if (e.stage === 'boosting') seen.push(e.done);
      },
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('GradientBoostingClassifier: prediction, explanation, state', () => {
  const { X, y } = syntheticPotability(2000, 4);
  const model = new GradientBoostingClassifier({ numIterations: 25, seed: 9 }).fit(X, y);

  it('round-trips through JSON state with bit-identical predictions', () => {
    const json = JSON.parse(JSON.stringify(model.toState()));
    const back = gbmSpec.fromState(json, () => {
      throw new Error('not composite');
    });
    const a = model.predictProba(X);
    const b = back.predictProba(X);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(back.kind).toBe('gbm');
  });

  it('rejects broken state with AQUAOPS_E_MODEL_FORMAT', () => {
    const s = model.toState();
    const st = s.state as { trees: { left: number[] }[] };
    const broken = JSON.parse(JSON.stringify({ ...s, state: { ...st, trees: [{ ...st.trees[0], left: [0] }] } }));
    expectMlError(() => GradientBoostingClassifier.fromState(broken), 'AQUAOPS_E_MODEL_FORMAT', 'state.trees[0]');
    expectMlError(
      () => GradientBoostingClassifier.fromState({ ...s, kind: 'forest' }),
      'AQUAOPS_E_MODEL_FORMAT',
      'kind',
    );
  });

  it('predictRow matches batch prediction, with and without missing values', () => {
    const p = model.predictProba(X);
    for (const i of [0, 1, 2, 3, 17, 500]) {
      const x = Array.from({ length: X.nCols }, (_, j) => X.data[j * X.nRows + i] as number);
      expect(model.predictRow(x)).toBe(p[i]);
    }
  });

  it('explains additively in log-odds: base + sum(phi) = margin', () => {
    const sub: Matrix = fromRows([
      [0.1, -1, 2, 0.3, Number.NaN, 1, 0, 0, 0],
      [Number.NaN, 0.5, -0.2, 1.5, 0.4, -1, 2, 1, -2],
    ]);
    const e = model.explain(sub);
    expect(e.space).toBe('log-odds');
    const margin = model.predictMargin(sub);
    for (let i = 0; i < sub.nRows; i++) {
      let s = e.base;
      for (let j = 0; j < sub.nCols; j++) s += e.phi[i * sub.nCols + j] as number;
      expect(Math.abs(s - (margin[i] as number))).toBeLessThan(1e-9);
      expect(e.output[i]).toBe(margin[i]);
    }
  });
});

describe('GradientBoostingClassifier: validation', () => {
  it('names the bad parameter, its range and the fix', () => {
    expectMlError(() => new GradientBoostingClassifier({ numLeaves: 1 }), 'AQUAOPS_E_ML_INVALID_ARGUMENT', 'numLeaves');
    expectMlError(
      () => new GradientBoostingClassifier({ learningRate: 0 }),
      'AQUAOPS_E_ML_INVALID_ARGUMENT',
      '(0, 10]',
    );
    expectMlError(() => new GradientBoostingClassifier({ maxBin: 300 }), 'AQUAOPS_E_ML_INVALID_ARGUMENT', 'maxBin');
    expectMlError(() => resolveGbmParams({ numLeave: 3 }), 'AQUAOPS_E_ML_INVALID_ARGUMENT', 'numLeave');
    expectMlError(
      () => new GradientBoostingClassifier({ classWeight: { 0: 1, 1: -1 } }),
      'AQUAOPS_E_ML_INVALID_ARGUMENT',
      'classWeight',
    );
    expectMlError(() => new GradientBoostingClassifier({ maxDepth: 0 }), 'AQUAOPS_E_ML_INVALID_ARGUMENT', 'maxDepth');
    expect(resolveGbmParams({})).toEqual(gbmDefaults);
  });

  it('validates inputs at fit and predict', () => {
    const X = fromRows([[1], [2], [Number.POSITIVE_INFINITY]]);
    expectMlError(() => new GradientBoostingClassifier().fit(X, [0, 1, 1]), 'AQUAOPS_E_ML_INVALID_ARGUMENT', 'X[2');
    expectMlError(
      () => new GradientBoostingClassifier().predictProba(fromRows([[1]])),
      'AQUAOPS_E_ML_NOT_FITTED',
      'fit()',
    );
    const { X: X2, y } = syntheticPotability(200, 1);
    const m = new GradientBoostingClassifier({ numIterations: 2 }).fit(X2, y);
    expectMlError(() => m.predictProba(fromRows([[1, 2]])), 'AQUAOPS_E_ML_SHAPE_MISMATCH', '9 features');
    expectMlError(() => new GradientBoostingClassifier().fit(X2, y.subarray(1)), 'AQUAOPS_E_ML_SHAPE_MISMATCH', 'y');
  });

  it('handles a huge numLeaves on small data without allocating for leaves it cannot grow', () => {
    const { X, y } = syntheticPotability(300, 1);
    const m = new GradientBoostingClassifier({ numIterations: 3, numLeaves: 131_072 }).fit(X, y);
    const leaves = m.fittedTrees.map((t) => t.feature.filter((f) => f === -1).length);
    for (const l of leaves) expect(l).toBeLessThanOrEqual(300 / 20 + 1);
  });

  it('exposes a search space over the main knobs', () => {
    const space = gbmSpec.searchSpace ?? {};
    for (const k of ['numLeaves', 'learningRate', 'minDataInLeaf', 'featureFraction', 'lambdaL2']) {
      expect(space[k]).toBeDefined();
      expect(Object.keys(gbmDefaults)).toContain(k);
    }
  });
});
