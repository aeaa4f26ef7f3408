/**
 * Random forest and extra-trees end to end on the synthetic potability problem (true-logit
 * ROC-AUC about 0.84): they learn it, are deterministic per seed, survive a JSON round trip bit
 * for bit, estimate their own quality out of bag, route missing values as learned, explain
 * additively, and reject bad input with errors that name the culprit.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPotability } from '../datasets/synthetic.js';
import { MlError } from '../errors.js';
import { matrix, takeLabels, takeRows } from '../matrix.js';
import { rocAuc } from '../metrics/ranking.js';
import { treeShapRow } from '../tree/shap.js';
import {
  ExtraTreesClassifier,
  extraTreesSpec,
  ForestClassifier,
  type ForestKind,
  RandomForestClassifier,
  randomForestSpec,
} from './forest.js';

const train = syntheticPotability(2000, 1);
const test = syntheticPotability(2000, 2);
const KINDS: readonly ForestKind[] = ['random-forest', 'extra-trees'];

function thrown(f: () => unknown): MlError {
  try {
    f();
  } catch (e) {
    if (e instanceof MlError) return e;
    throw e;
  }
  throw new Error('expected an MlError');
}

describe.each(KINDS)('%s', (kind) => {
  const spec = kind === 'random-forest' ? randomForestSpec : extraTreesSpec;
  const fitted = spec.create({ nEstimators: 30, seed: 7, minSamplesLeaf: 5 }).fit(train.X, train.y);

  it('beats chance clearly on held-out synthetic data', () => {
    const auc = rocAuc(test.y, fitted.predictProba(test.X));
    // The true logit scores ~0.84; a 30-tree forest on 2000 rows lands near 0.77.
    expect(auc).toBeGreaterThan(0.72);
  });

  it('is bit-identical for the same seed and differs for another', () => {
    const params = { nEstimators: 8, seed: 7, minSamplesLeaf: 5 };
    const a = spec.create(params).fit(train.X, train.y);
    const again = spec.create(params).fit(train.X, train.y);
    expect(JSON.stringify(again.toState())).toBe(JSON.stringify(a.toState()));
    const other = spec.create({ ...params, seed: 8 }).fit(train.X, train.y);
    expect(JSON.stringify(other.toState())).not.toBe(JSON.stringify(a.toState()));
  });

  it('predicts bit-identically after a JSON round trip of its state', () => {
    const restored = spec.fromState(JSON.parse(JSON.stringify(fitted.toState())), () => {
      throw new Error('forests have no inner models');
    });
    const a = fitted.predictProba(test.X);
    const b = restored.predictProba(test.X);
    for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
    expect(restored.kind).toBe(kind);
    expect(restored.params).toEqual(fitted.params);
  });

  it('explains additively in probability space (base + sum(phi) = output, tol 1e-9)', () => {
    const X = takeRows(test.X, [0, 1, 2, 3, 4, 5, 6, 7]);
    const e = fitted.explain(X);
    expect(e.space).toBe('probability');
    expect(e.method).toBe('tree-shap-path');
    const p = fitted.predictProba(X);
    for (let i = 0; i < X.nRows; i++) {
      let s = e.base;
      for (let j = 0; j < X.nCols; j++) s += e.phi[i * X.nCols + j] as number;
      expect(Math.abs(s - (p[i] as number))).toBeLessThan(1e-9);
      expect(e.output[i]).toBe(p[i]);
    }
    // Same numbers as Algorithm 2 run tree by tree and averaged.
    const trees = (fitted as ForestClassifier).fittedTrees;
    const x = Array.from({ length: X.nCols }, (_, j) => X.data[j * X.nRows] as number);
    const direct = new Float64Array(X.nCols);
    for (const t of trees) treeShapRow(t, x, direct);
    for (let j = 0; j < X.nCols; j++) {
      expect(Math.abs((direct[j] as number) / trees.length - (e.phi[j] as number))).toBeLessThan(1e-9);
    }
  });

  it('routes missing values the way training learned', () => {
    // Label = "x0 is missing"; present x0 values carry no signal.
    const n = 400;
    const data = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = i % 4 === 0;
      data[i] = missing ? Number.NaN : (i * 7919) % 13;
      data[n + i] = (i * 104729) % 17;
      y[i] = missing ? 1 : 0;
    }
    const m = spec.create({ nEstimators: 20, seed: 1, maxFeatures: 'all' }).fit(matrix(n, 2, data), y);
    const p = m.predictProba(matrix(2, 2, Float64Array.from([Number.NaN, 5, 3, 3])));
    expect(p[0]).toBeGreaterThan(0.9);
    expect(p[1]).toBeLessThan(0.1);
  });

  it('reports feature importances that sum to 1 and rank the informative features first', () => {
    const imp = (fitted as ForestClassifier).featureImportance();
    expect(Math.abs(imp.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    // x6..x8 are pure noise; x0, x1, x3 drive the logit.
    const noise = Math.max(imp[6] as number, imp[7] as number, imp[8] as number);
    expect(imp[3] as number).toBeGreaterThan(noise);
  });
});

describe('out-of-bag score', () => {
  it('is close to the held-out score on the same distribution', () => {
    const m = new RandomForestClassifier({ nEstimators: 50, seed: 3, oobScore: true, minSamplesLeaf: 5 });
    m.fit(train.X, train.y);
    const oob = m.oobScore;
    const heldOut = rocAuc(test.y, m.predictProba(test.X));
    expect(oob.nRows).toBe(2000);
    // OOB uses ~18 trees per row instead of 50, so it runs a little low; 0.03 covers that.
    expect(Math.abs(oob.rocAuc - heldOut)).toBeLessThan(0.03);
    expect(oob.accuracy).toBeGreaterThan(0.6);
    const restored = randomForestSpec.fromState(JSON.parse(JSON.stringify(m.toState())), () => m);
    expect((restored as ForestClassifier).oobScore).toEqual(oob);
  });

  it('is refused without bootstrap and absent unless asked for', () => {
    const e = thrown(() => new ExtraTreesClassifier({ oobScore: true }));
    expect(e.details.argument).toBe('params.oobScore');
    const m = new RandomForestClassifier({ nEstimators: 2 }).fit(
      takeRows(train.X, [0, 1, 2, 3, 4, 5]),
      takeLabels(train.y, [0, 1, 2, 3, 4, 5]).map((_, i) => i % 2),
    );
    expect(thrown(() => m.oobScore).details.argument).toBe('oobScore');
  });
});

describe('class weights', () => {
  it('balanced weighting gives the root an even class mix without bootstrap', () => {
    const m = new ExtraTreesClassifier({ nEstimators: 1, classWeight: 'balanced', maxDepth: 1 }).fit(train.X, train.y);
    const root = m.fittedTrees[0];
    expect(Math.abs((root?.value[0] as number) - 0.5)).toBeLessThan(1e-12);
    const sub = new RandomForestClassifier({ nEstimators: 3, classWeight: 'balanced_subsample', maxDepth: 1 });
    sub.fit(train.X, train.y);
    for (const t of sub.fittedTrees) expect(Math.abs((t.value[0] as number) - 0.5)).toBeLessThan(1e-12);
  });
});

describe('validation', () => {
  it('names the bad parameter', () => {
    expect(thrown(() => randomForestSpec.create({ nEstimators: 0 })).details.argument).toBe('params.nEstimators');
    expect(thrown(() => randomForestSpec.create({ maxFeatures: 'half' as never })).details.argument).toBe(
      'params.maxFeatures',
    );
    expect(thrown(() => randomForestSpec.create({ maxDepth: 0 })).details.argument).toBe('params.maxDepth');
    expect(thrown(() => randomForestSpec.create({ maxLeafNodes: 1 })).details.argument).toBe('params.maxLeafNodes');
    expect(thrown(() => new ForestClassifier('random-forest', { numTrees: 5 })).details.argument).toBe(
      'params.numTrees',
    );
  });

  it('rejects bad data, unfitted use and wrong widths', () => {
    const m = new RandomForestClassifier({ nEstimators: 2 });
    expect(thrown(() => m.predictProba(test.X)).code).toBe('AQUAOPS_E_ML_NOT_FITTED');
    const bad = matrix(2, 1, Float64Array.from([1, Number.POSITIVE_INFINITY]));
    expect(thrown(() => m.fit(bad, [0, 1])).details.argument).toBe('X[1, feature 0]');
    expect(thrown(() => m.fit(matrix(2, 1), [1, 1])).code).toBe('AQUAOPS_E_ML_ONE_CLASS');
    m.fit(matrix(2, 1, Float64Array.from([0, 1])), [0, 1]);
    expect(thrown(() => m.predictProba(matrix(1, 2))).code).toBe('AQUAOPS_E_ML_SHAPE_MISMATCH');
    expect(thrown(() => m.fit(matrix(2, 1), [0, 1], { sampleWeight: Float64Array.of(1, -1) })).details.argument).toBe(
      'options.sampleWeight[1]',
    );
    expect(thrown(() => m.fit(matrix(2, 1), [0, 1], { sampleWeight: Float64Array.of(1, 0) })).details.argument).toBe(
      'options.sampleWeight',
    );
  });

  it('rejects tampered state with a format error naming the field', () => {
    const m = new RandomForestClassifier({ nEstimators: 2 }).fit(takeRows(train.X, [0, 1, 2, 3]), [0, 1, 0, 1]);
    const state = JSON.parse(JSON.stringify(m.toState()));
    state.state.trees[0].left[0] = 0;
    const e = thrown(() => randomForestSpec.fromState(state, () => m));
    expect(e.code).toBe('AQUAOPS_E_MODEL_FORMAT');
    expect(e.details.argument).toBe('state.state.trees[0].left/right[0]');
    expect(thrown(() => extraTreesSpec.fromState(m.toState(), () => m)).details.argument).toBe('state.kind');
  });
});
