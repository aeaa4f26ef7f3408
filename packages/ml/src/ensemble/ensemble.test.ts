import { describe, expect, it } from 'vitest';
import { GaussianNb, gaussianNbSpec } from '../bayes/gaussian-nb.js';
import { qdaSpec } from '../bayes/qda.js';
import { rocAuc, varianceProblem } from '../explain/synthetic.js';
import { KNeighborsClassifier, knnSpec } from '../knn/knn.js';
import { logisticRegressionSpec } from '../linear/logistic.js';
import { matrix, takeRows } from '../matrix.js';
import type { Classifier, ModelSpec, ModelState } from '../model.js';
import { createStackingSpec, createVotingSpec, stratifiedFolds } from './ensemble.js';

const specs = [knnSpec, gaussianNbSpec, qdaSpec, logisticRegressionSpec] as unknown as ModelSpec[];
const create = (kind: string, params: Readonly<Record<string, unknown>>): Classifier => {
  const s = specs.find((x) => x.kind === kind);
  if (s === undefined) throw new Error(`unknown model kind ${kind}`);
  return s.create(params);
};
const votingSpec = createVotingSpec(create);
const stackingSpec = createStackingSpec(create);
const resolve = (st: ModelState): Classifier => {
  const s = [...specs, votingSpec as unknown as ModelSpec, stackingSpec as unknown as ModelSpec].find(
    (x) => x.kind === st.kind,
  );
  if (s === undefined) throw new Error(`unknown kind ${st.kind}`);
  return s.fromState(st, resolve);
};

const train = varianceProblem(900, 3, 1);
const test = varianceProblem(500, 3, 2);

describe('VotingEnsemble', () => {
  it('is the weighted mean of independently fitted members', () => {
    const v = votingSpec.create({
      members: [
        { kind: 'knn', params: { k: 15 } },
        { kind: 'gaussian-nb', params: {} },
      ],
      weights: [3, 1],
    });
    v.fit(train.X, train.y);
    const a = new KNeighborsClassifier({ k: 15 }).fit(train.X, train.y).predictProba(test.X);
    const b = new GaussianNb().fit(train.X, train.y).predictProba(test.X);
    const p = v.predictProba(test.X);
    for (let i = 0; i < p.length; i++)
      expect(Math.abs((p[i] as number) - (0.75 * (a[i] as number) + 0.25 * (b[i] as number)))).toBeLessThan(1e-15);
    expect(rocAuc(test.y, p)).toBeGreaterThan(0.8);
  });

  it('explains as a composite in probability space, or by KernelSHAP when members explain in log-odds', () => {
    const bg = takeRows(train.X, [0, 1, 2, 3, 4, 5]);
    const q = takeRows(test.X, [0, 1]);
    const prob = votingSpec.create({
      members: [
        { kind: 'knn', params: {} },
        { kind: 'knn', params: { k: 9, weights: 'distance' } },
      ],
    });
    const mixed = votingSpec.create({
      members: [
        { kind: 'knn', params: {} },
        { kind: 'qda', params: {} },
      ],
    });
    for (const [m, method] of [
      [prob, 'composite'],
      [mixed, 'kernel-shap'],
    ] as const) {
      m.fit(train.X, train.y);
      const ex = m.explain(q, { background: bg });
      expect(ex.method).toBe(method);
      expect(ex.space).toBe('probability');
      const p = m.predictProba(q);
      for (let i = 0; i < 2; i++) {
        let s = ex.base;
        for (let j = 0; j < 3; j++) s += ex.phi[i * 3 + j] as number;
        expect(Math.abs(s - (p[i] as number))).toBeLessThan(1e-10);
      }
    }
  });

  it('round-trips through resolve bit-identically and validates params', () => {
    const v = votingSpec
      .create({
        members: [
          { kind: 'qda', params: { regParam: 0.1 } },
          { kind: 'gaussian-nb', params: {} },
        ],
      })
      .fit(train.X, train.y);
    const r = votingSpec.fromState(JSON.parse(JSON.stringify(v.toState())), resolve);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(v.predictProba(test.X)));
    expect(() => votingSpec.create({ members: [] })).toThrow(/params\.members/);
    expect(() => votingSpec.create({ members: [{ kind: 'knn', params: {} }], weights: [1, 2] })).toThrow(
      /params\.weights/,
    );
    expect(() => votingSpec.create({ members: [{ kind: 'nope', params: {} }] })).toThrow(/unknown model kind/);
    const bad = train.X.data.slice();
    bad[0] = Number.NaN;
    expect(() => v.fit(matrix(900, 3, bad), train.y)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED' }),
    );
  });
});

describe('StackingEnsemble', () => {
  const members = [
    { kind: 'qda', params: {} },
    { kind: 'knn', params: { k: 25 } },
    { kind: 'gaussian-nb', params: {} },
  ];

  it('stratified folds keep the class balance in every fold', () => {
    const f = stratifiedFolds(train.y, 5, 3);
    for (let k = 0; k < 5; k++) {
      let n = 0;
      let pos = 0;
      for (let i = 0; i < train.y.length; i++)
        if (f[i] === k) {
          n++;
          pos += train.y[i] as number;
        }
      expect(Math.abs(n - 180)).toBeLessThanOrEqual(1);
      let all = 0;
      for (const v of train.y) all += v;
      expect(Math.abs(pos - all / 5)).toBeLessThanOrEqual(1);
    }
  });

  it('beats chance, is deterministic, round-trips, and its log-odds explanation adds up', () => {
    const s = stackingSpec.create({ members, seed: 4 }).fit(train.X, train.y);
    const p = s.predictProba(test.X);
    expect(rocAuc(test.y, p)).toBeGreaterThan(0.85);
    const s2 = stackingSpec.create({ members, seed: 4 }).fit(train.X, train.y);
    expect(Array.from(s2.predictProba(test.X))).toEqual(Array.from(p));
    const r = stackingSpec.fromState(JSON.parse(JSON.stringify(s.toState())), resolve);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(p));
    const q = takeRows(test.X, [0, 1]);
    const ex = s.explain(q, { background: takeRows(train.X, [0, 1, 2, 3, 4]) });
    expect(ex.space).toBe('log-odds');
    const z = s.predictMargin?.(q) as Float64Array;
    for (let i = 0; i < 2; i++) {
      let t = ex.base;
      for (let j = 0; j < 3; j++) t += ex.phi[i * 3 + j] as number;
      expect(Math.abs(t - (z[i] as number))).toBeLessThan(1e-10);
    }
  });

  it('reports too few rows per class for its folds and bad params', () => {
    const X = matrix(8, 1, Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(() => stackingSpec.create({ members, folds: 5 }).fit(X, [0, 0, 0, 0, 0, 1, 1, 1])).toThrow(/params\.folds/);
    expect(() => stackingSpec.create({ members, folds: 1 })).toThrow(/params\.folds/);
    expect(() =>
      stackingSpec.fromState({ kind: 'stacking', params: { members }, state: { members: [] } }, resolve),
    ).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_MODEL_FORMAT' }));
  });
});
