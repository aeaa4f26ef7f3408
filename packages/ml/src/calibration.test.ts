import { describe, expect, it } from 'vitest';
import {
  CalibratedClassifier,
  calibratedSpecFor,
  calibratorFromState,
  IsotonicCalibrator,
  PlattCalibrator,
} from './calibration.js';
import { createCatalog } from './catalog.js';
import { fromRows } from './matrix.js';
import { expectedCalibrationError, logLoss } from './metrics/probabilistic.js';
import { rocAuc } from './metrics/ranking.js';
import { Rng } from './rng.js';
import { CentroidModel, centroidSpec } from './serialize/fixture-model.js';
import { loadModel, saveModel } from './serialize/model-file.js';

describe('PlattCalibrator', () => {
  it('recovers the slope and intercept of data generated from a logistic law (tolerance 0.15)', () => {
    const rng = new Rng(11);
    const n = 20000;
    const s = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = rng.normal() * 2;
      y[i] = rng.next() < 1 / (1 + Math.exp(-(0.5 * (s[i] as number) - 1))) ? 1 : 0;
    }
    const c = new PlattCalibrator().fit(s, y);
    expect(Math.abs(c.a - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(c.b + 1)).toBeLessThan(0.15);
  });
  it('stays finite on perfectly separable scores thanks to the prior-corrected targets', () => {
    const c = new PlattCalibrator().fit([0, 1, 2, 3], [0, 0, 1, 1]);
    expect(Number.isFinite(c.a) && Number.isFinite(c.b)).toBe(true);
    const p = c.predict([0, 3]);
    // Targets are 1/4 and 3/4, so the fit cannot push probabilities to 0 or 1.
    expect(p[0]).toBeGreaterThan(0.01);
    expect(p[1]).toBeLessThan(0.99);
    expect(p[0]).toBeLessThan(p[1] as number);
  });
});

describe('IsotonicCalibrator', () => {
  it('pools adjacent violators (hand-checked) and interpolates between breakpoints', () => {
    // Labels by score order: 0, 1, 0, 1 → pool (1, 0) into 0.5.
    const c = new IsotonicCalibrator().fit([1, 2, 3, 4], [0, 1, 0, 1]);
    expect(Array.from(c.predict([1, 2, 3, 4]))).toEqual([0, 0.5, 0.5, 1]);
    expect(c.predict([3.5])[0]).toBeCloseTo(0.75, 12);
    expect(Array.from(c.predict([-10, 10]))).toEqual([0, 1]);
  });
  it('treats tied scores as one point', () => {
    const c = new IsotonicCalibrator().fit([1, 1, 1, 2], [1, 0, 0, 1]);
    expect(c.predict([1])[0]).toBeCloseTo(1 / 3, 12);
  });
  it('is monotone on random data and round-trips through its state', () => {
    const rng = new Rng(2);
    const s = Array.from({ length: 500 }, () => rng.next());
    const y = s.map((v) => (rng.next() < v ? 1 : 0));
    const c = new IsotonicCalibrator().fit(s, y);
    const grid = Array.from({ length: 101 }, (_, i) => i / 100);
    const p = c.predict(grid);
    for (let i = 1; i < p.length; i++) expect(p[i] as number).toBeGreaterThanOrEqual(p[i - 1] as number);
    const back = calibratorFromState(JSON.parse(JSON.stringify(c.toState())));
    expect(Array.from(back.predict(grid))).toEqual(Array.from(p));
  });
});

function miscalibrated(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng.next() < 0.4 ? 1 : 0;
    y.push(label);
    rows.push([rng.normal() + 0.8 * label, rng.normal() - 0.5 * label]);
  }
  return { X: fromRows(rows), y };
}

describe('CalibratedClassifier', () => {
  // scale 8 makes the centroid model's probabilities far too extreme.
  const train = miscalibrated(2000, 5);
  const test = miscalibrated(2000, 6);
  const make = () => new CentroidModel({ scale: 8 });

  for (const method of ['platt', 'isotonic'] as const) {
    it(`${method}: improves log-loss and ECE of an over-confident model on held-out data, ranking preserved`, () => {
      const raw = make().fit(train.X, train.y);
      const cal = new CalibratedClassifier(make, { method, cv: 5, seed: 1, model: { kind: 'test-centroid' } }).fit(
        train.X,
        train.y,
      );
      const pRaw = raw.predictProba(test.X);
      const pCal = cal.predictProba(test.X);
      expect(logLoss(test.y, pCal)).toBeLessThan(logLoss(test.y, pRaw) - 0.05);
      expect(expectedCalibrationError(test.y, pCal)).toBeLessThan(expectedCalibrationError(test.y, pRaw));
      if (method === 'platt') expect(rocAuc(test.y, pCal)).toBeCloseTo(rocAuc(test.y, pRaw), 12);
    });
  }

  it('Platt on a log-odds model explains the calibrated log-odds exactly (tolerance 1e-9)', () => {
    const cal = new CalibratedClassifier(make, { method: 'platt', model: { kind: 'test-centroid' } }).fit(
      train.X,
      train.y,
    );
    const e = cal.explain(test.X);
    const p = cal.predictProba(test.X);
    for (let i = 0; i < 50; i++) {
      const sum = e.base + (e.phi[2 * i] as number) + (e.phi[2 * i + 1] as number);
      expect(Math.abs(sum - (e.output[i] as number))).toBeLessThan(1e-9);
      expect(Math.abs(1 / (1 + Math.exp(-sum)) - (p[i] as number))).toBeLessThan(1e-9);
    }
    expect(e.note).toMatch(/Calibrated log-odds/);
  });

  it('isotonic returns the inner explanation and says so', () => {
    const cal = new CalibratedClassifier(make, { method: 'isotonic', model: { kind: 'test-centroid' } }).fit(
      train.X,
      train.y,
    );
    expect(cal.explain(test.X).note).toMatch(/uncalibrated inner model/);
  });

  it('saves and loads through the catalogue bit-identically', () => {
    const catalog = createCatalog([centroidSpec]);
    const cal = catalog.create('calibrated', {
      method: 'isotonic',
      cv: 3,
      model: { kind: 'test-centroid', params: { scale: 8 } },
    });
    cal.fit(train.X, train.y);
    const back = loadModel(saveModel(cal), catalog);
    expect(Array.from(back.predictProba(test.X))).toEqual(Array.from(cal.predictProba(test.X)));
  });

  it('validates params', () => {
    const spec = calibratedSpecFor(() => make());
    expect(() => spec.create({ method: 'beta' as 'platt', model: { kind: 'x' } })).toThrowError(/params.method/);
    expect(() => spec.create({ cv: 1, model: { kind: 'x' } })).toThrowError(/params.cv/);
    expect(() => spec.create({})).toThrowError(/params.model/);
    expect(() => new CalibratedClassifier(make, { model: { kind: 'x' } }).predictProba(test.X)).toThrowError(/fit/);
  });
});
