/**
 * The `Classifier` contract, checked the same way for every classic family and both ensembles:
 * determinism, bit-identical round trip, additivity of explanations, and the typed errors for
 * wrong feature count, missing values, one class, empty data and use before fit.
 */
import { describe, expect, it } from 'vitest';
import { gaussianNbSpec } from '../bayes/gaussian-nb.js';
import { qdaSpec } from '../bayes/qda.js';
import { createStackingSpec, createVotingSpec } from '../ensemble/ensemble.js';
import { knnSpec } from '../knn/knn.js';
import { logisticRegressionSpec } from '../linear/logistic.js';
import { matrix, takeRows } from '../matrix.js';
import type { Classifier, ModelSpec, ModelState } from '../model.js';
import { svmSpec } from '../svm/svm.js';
import { rocAuc, varianceProblem } from './synthetic.js';

const base = [logisticRegressionSpec, knnSpec, svmSpec, gaussianNbSpec, qdaSpec] as unknown as ModelSpec[];
const create = (kind: string, params: Readonly<Record<string, unknown>>): Classifier => {
  const s = base.find((x) => x.kind === kind);
  if (s === undefined) throw new Error(`unknown kind ${kind}`);
  return s.create(params);
};
const all = [
  ...base,
  createVotingSpec(create) as unknown as ModelSpec,
  createStackingSpec(create) as unknown as ModelSpec,
];
const resolve = (st: ModelState): Classifier => {
  const s = all.find((x) => x.kind === st.kind);
  if (s === undefined) throw new Error(`unknown kind ${st.kind}`);
  return s.fromState(st, resolve);
};
const members = [
  { kind: 'gaussian-nb', params: {} },
  { kind: 'qda', params: { regParam: 0.05 } },
];
const paramsFor = (kind: string): Record<string, unknown> =>
  kind === 'voting' || kind === 'stacking' ? { members } : kind === 'knn' ? { k: 15 } : {};

const train = varianceProblem(400, 3, 11);
const test = varianceProblem(300, 3, 12);
const code = (c: string) => expect.objectContaining({ code: c });

describe.each(all.map((s) => [s.kind, s] as const))('%s meets the Classifier contract', (kind, spec) => {
  const make = () => spec.create(paramsFor(kind));

  it('same params and data give bit-identical models; the round trip predicts identically', () => {
    const a = make().fit(train.X, train.y);
    const b = make().fit(train.X, train.y);
    expect(JSON.stringify(b.toState())).toBe(JSON.stringify(a.toState()));
    const p = a.predictProba(test.X);
    expect(Array.from(b.predictProba(test.X))).toEqual(Array.from(p));
    const r = spec.fromState(JSON.parse(JSON.stringify(a.toState())) as ModelState, resolve);
    expect(Array.from(r.predictProba(test.X))).toEqual(Array.from(p));
    expect(r.kind).toBe(kind);
    // LR cannot separate a variance difference (a linear model has no signal here); the rest must.
    if (kind !== 'logistic-regression') expect(rocAuc(test.y, p)).toBeGreaterThan(0.75);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('explanations add up to the output in their stated space', () => {
    const m = make().fit(train.X, train.y);
    const q = takeRows(test.X, [0, 1, 2]);
    const ex = m.explain(q, { background: takeRows(train.X, [0, 1, 2, 3, 4, 5, 6, 7]) });
    const p = m.predictProba(q);
    for (let i = 0; i < 3; i++) {
      let s = ex.base;
      for (let j = 0; j < 3; j++) s += ex.phi[i * 3 + j] as number;
      expect(Math.abs(s - (ex.output[i] as number))).toBeLessThan(1e-9);
      const prob = ex.space === 'probability' ? s : 1 / (1 + Math.exp(-s));
      expect(Math.abs(prob - (p[i] as number))).toBeLessThan(1e-9);
    }
  });

  it('reports wrong feature count, missing values, one class, empty data and use before fit', () => {
    expect(() => make().predictProba(test.X)).toThrow(code('AQUAOPS_E_ML_NOT_FITTED'));
    const m = make().fit(train.X, train.y);
    expect(() => m.predictProba(matrix(2, 4))).toThrow(code('AQUAOPS_E_ML_SHAPE_MISMATCH'));
    const bad = train.X.data.slice();
    bad[7] = Number.NaN;
    expect(m.handlesMissing).toBe(false);
    expect(() => make().fit(matrix(400, 3, bad), train.y)).toThrow(code('AQUAOPS_E_ML_MISSING_NOT_SUPPORTED'));
    expect(() => make().fit(train.X, new Uint8Array(400))).toThrow(code('AQUAOPS_E_ML_ONE_CLASS'));
    expect(() => make().fit(matrix(0, 3), [])).toThrow(code('AQUAOPS_E_ML_EMPTY_DATA'));
    expect(() => make().fit(train.X, train.y.subarray(0, 10))).toThrow(code('AQUAOPS_E_ML_SHAPE_MISMATCH'));
    expect(() => spec.create({ ...paramsFor(kind), bogus: 1 })).toThrow(/params\.bogus/);
    expect(() => spec.fromState({ kind, params: paramsFor(kind), state: null }, resolve)).toThrow(
      code('AQUAOPS_E_MODEL_FORMAT'),
    );
  });
});
