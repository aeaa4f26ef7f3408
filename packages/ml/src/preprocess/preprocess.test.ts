import { describe, expect, it } from 'vitest';
import { MlError } from '../errors.js';
import { at, fromRows, takeLabels, takeRows } from '../matrix.js';
import { Rng } from '../rng.js';
import { CentroidModel, centroidSpec } from '../serialize/fixture-model.js';
import { SimpleImputer, simpleImputerSpec } from './imputer.js';
import { createPipelineSpec, Pipeline } from './pipeline.js';
import { StandardScaler, standardScalerSpec } from './scaler.js';

const N = Number.NaN;

describe('SimpleImputer', () => {
  const X = fromRows(
    [
      [1, N, 5],
      [3, 2, 5],
      [N, 4, 5],
      [10, 9, 5],
    ],
    ['a', 'b', 'c'],
  );
  it('fills with the median of the observed training values (hand-computed)', () => {
    const imp = new SimpleImputer().fit(X);
    // a: {1,3,10} → 3; b: {2,4,9} → 4; c: 5
    expect(Array.from(imp.fillValues())).toEqual([3, 4, 5]);
    const out = imp.transform(fromRows([[N, N, N]]));
    expect([at(out, 0, 0), at(out, 0, 1), at(out, 0, 2)]).toEqual([3, 4, 5]);
  });
  it('fills with the mean (tolerance 1e-15)', () => {
    const imp = new SimpleImputer({ strategy: 'mean' }).fit(X);
    const f = imp.fillValues();
    expect(Math.abs((f[0] as number) - 14 / 3)).toBeLessThan(1e-15);
    expect(Math.abs((f[1] as number) - 5)).toBeLessThan(1e-15);
  });
  it('adds indicators only for columns missing at fit time and maps them to their source', () => {
    const imp = new SimpleImputer({ addIndicator: true }).fit(X);
    const out = imp.transform(X);
    expect(out.nCols).toBe(5);
    expect(out.featureNames).toEqual(['a', 'b', 'c', 'a_missing', 'b_missing']);
    expect(Array.from(imp.outputSources())).toEqual([0, 1, 2, 0, 1]);
    expect([0, 1, 2, 3].map((i) => at(out, i, 3))).toEqual([0, 0, 1, 0]);
    expect([0, 1, 2, 3].map((i) => at(out, i, 4))).toEqual([1, 0, 0, 0]);
    expect(Number.isNaN(at(out, 2, 0))).toBe(false);
  });
  it('uses statistics of the rows it was fitted on only', () => {
    const train = takeRows(X, [0, 1]);
    const imp = new SimpleImputer().fit(train);
    // a from {1,3} → 2 (not 3 as on all rows); b from {2} → 2
    expect(Array.from(imp.fillValues())).toEqual([2, 2, 5]);
  });
  it('refuses bad params, wrong widths and use before fit', () => {
    expect(() => new SimpleImputer({ strategy: 'mode' as 'mean' })).toThrowError(/params.strategy/);
    expect(() => simpleImputerSpec.create({ strateg: 'mean' })).toThrowError(/unknown parameter "strateg"/);
    expect(() => new SimpleImputer().transform(X)).toThrowError(MlError);
    expect(() => new SimpleImputer().fit(X).transform(fromRows([[1, 2]]))).toThrowError(/3 features/);
  });
  it('round-trips through its state', () => {
    const imp = new SimpleImputer({ addIndicator: true }).fit(X);
    const back = simpleImputerSpec.fromState(JSON.parse(JSON.stringify(imp.toState())));
    expect(Array.from(back.transform(X).data)).toEqual(Array.from(imp.transform(X).data));
    expect(() =>
      simpleImputerSpec.fromState({ kind: 'simple-imputer', params: {}, state: { statistics: 'x' } }),
    ).toThrowError(/state.statistics/);
  });
});

describe('StandardScaler', () => {
  it('standardises with population std, skipping NaN (tolerance 1e-12)', () => {
    const X = fromRows([
      [1, 7],
      [N, 7],
      [3, 7],
      [5, 7],
    ]);
    const sc = new StandardScaler().fit(X);
    const { mean, scale } = sc.statistics();
    expect(mean[0]).toBe(3);
    expect(Math.abs((scale[0] as number) - Math.sqrt(8 / 3))).toBeLessThan(1e-12);
    expect(scale[1]).toBe(1); // constant column
    const out = sc.transform(X);
    expect(Number.isNaN(at(out, 1, 0))).toBe(true);
    expect(Math.abs(at(out, 3, 0) - 2 / Math.sqrt(8 / 3))).toBeLessThan(1e-12);
    expect(at(out, 0, 1)).toBe(0);
    const back = standardScalerSpec.fromState(JSON.parse(JSON.stringify(sc.toState())));
    expect(Array.from(back.transform(X).data)).toEqual(Array.from(out.data));
  });
});

/** Two informative features with missing values, one noise feature. */
function dataset(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const label = rng.next() < 0.4 ? 1 : 0;
    y[i] = label;
    const a = rng.normal() + label;
    const b = rng.normal() * 3 - label;
    rows.push([rng.next() < 0.2 ? N : a, rng.next() < 0.1 ? N : b, rng.normal()]);
  }
  return { X: fromRows(rows, ['a', 'b', 'noise']), y };
}

describe('Pipeline', () => {
  const { X, y } = dataset(300, 1);
  const make = () =>
    new Pipeline([new SimpleImputer({ addIndicator: true }), new StandardScaler()], new CentroidModel());

  it('fits steps on training rows only, then the model on their output', () => {
    const train = Int32Array.from({ length: 200 }, (_, i) => i);
    const p = make().fit(takeRows(X, train), takeLabels(y, train));
    const imp = new SimpleImputer({ addIndicator: true }).fit(takeRows(X, train));
    expect(Array.from((p.steps[0] as SimpleImputer).fillValues())).toEqual(Array.from(imp.fillValues()));
    const proba = p.predictProba(X);
    expect(proba.length).toBe(300);
    const direct = p.model.predictProba(p.transform(X));
    expect(Array.from(proba)).toEqual(Array.from(direct));
    expect(p.handlesMissing).toBe(true);
    expect(p.nFeatures).toBe(3);
    expect(typeof p.predictMargin).toBe('function');
  });

  it('folds indicator contributions into their source feature; base + Σφ = output (tolerance 1e-9)', () => {
    const p = make().fit(X, y);
    const e = p.explain(X);
    expect(e.nFeatures).toBe(3);
    expect(e.phi.length).toBe(300 * 3);
    const inner = p.model.explain(p.transform(X));
    expect(inner.nFeatures).toBe(5); // a, b, noise, a_missing, b_missing
    const margin = p.predictMargin?.(X) ?? new Float64Array(0);
    for (let i = 0; i < 300; i++) {
      let sum = e.base;
      for (let j = 0; j < 3; j++) sum += e.phi[i * 3 + j] as number;
      expect(Math.abs(sum - (e.output[i] as number))).toBeLessThan(1e-9);
      expect(Math.abs((e.output[i] as number) - (margin[i] as number))).toBeLessThan(1e-9);
      expect(e.phi[i * 3]).toBeCloseTo((inner.phi[i * 5] as number) + (inner.phi[i * 5 + 3] as number), 12);
      expect(e.phi[i * 3 + 1]).toBeCloseTo((inner.phi[i * 5 + 1] as number) + (inner.phi[i * 5 + 4] as number), 12);
      expect(e.phi[i * 3 + 2]).toBe(inner.phi[i * 5 + 2]);
    }
  });

  it('without an imputer, a model that cannot take NaN reports it', () => {
    const p = new Pipeline([new StandardScaler()], new CentroidModel());
    expect(p.handlesMissing).toBe(false);
    expect(() => p.fit(X, y)).toThrowError(/imputer/);
  });

  it('refuses prediction before fit and inputs of the wrong width', () => {
    expect(() => make().predictProba(X)).toThrowError(/fit/);
    const p = make().fit(X, y);
    expect(() => p.predictProba(fromRows([[1, 2]]))).toThrowError(/3 features/);
  });

  it('is restored from state by its spec, predicting bit-identically', () => {
    const p = make().fit(X, y);
    const spec = createPipelineSpec((kind, params) => {
      if (kind !== 'test-centroid') throw new Error(kind);
      return centroidSpec.create(params ?? {});
    });
    const back = spec.fromState(JSON.parse(JSON.stringify(p.toState())), (s) => centroidSpec.fromState(s, () => p));
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(p.predictProba(X)));
    const fresh = spec.create({
      steps: [{ kind: 'simple-imputer', params: { strategy: 'mean' } }],
      model: { kind: 'test-centroid', params: { scale: 2 } },
    });
    expect(fresh.params).toEqual({
      steps: [{ kind: 'simple-imputer', params: { strategy: 'mean', addIndicator: false } }],
      model: { kind: 'test-centroid', params: { scale: 2 } },
    });
    expect(() => spec.create({ steps: [{ kind: 'pca' }], model: { kind: 'test-centroid' } })).toThrowError(/pca/);
  });
});
