/**
 * Tests of the Node worker-thread backends: models trained on 2 or 3 threads must equal the
 * single-threaded model bit for bit (histograms are split by feature, never by row), and the
 * parallel batch predictor must return exactly what the model itself predicts.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPotability } from '../datasets/synthetic.js';
import { GradientBoostingClassifier } from '../gbm/gbm.js';
import { takeRows } from '../matrix.js';
import { createParallelPredictor } from './parallel-predict.js';
import { workerExecutorFactory } from './worker-executor.js';

describe('workerExecutorFactory', () => {
  it('trains bit-identically to the serial executor', () => {
    const { X, y } = syntheticPotability(6000, 5);
    const params = { numIterations: 15, baggingFraction: 0.8, baggingFreq: 2, featureFraction: 0.8, seed: 3 };
    const serial = new GradientBoostingClassifier(params).fit(X, y).predictMargin(X);
    for (const threads of [2, 3]) {
      const factory = workerExecutorFactory({ threads, minRowsToSpawn: 0, minRowsPerCall: 0 });
      const par = new GradientBoostingClassifier(params).useExecutor(factory).fit(X, y).predictMargin(X);
      expect(Buffer.from(par.buffer).equals(Buffer.from(serial.buffer))).toBe(true);
    }
  });

  it('rejects a bad thread count', () => {
    expect(() => workerExecutorFactory({ threads: 0 })).toThrow(/threads/);
  });
});

describe('createParallelPredictor', () => {
  it('predicts bit-identically to the model, across batch sizes and repeated calls', () => {
    const { X, y } = syntheticPotability(3000, 6);
    const model = new GradientBoostingClassifier({ numIterations: 20 }).fit(X, y);
    const pp = createParallelPredictor(model, { threads: 2, minRows: 0 });
    try {
      for (const n of [3000, 10, 1, 2999]) {
        const sub = takeRows(
          X,
          Int32Array.from({ length: n }, (_, k) => (k * 7) % X.nRows),
        );
        const a = model.predictProba(sub);
        const b = pp.predictProba(sub);
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
      }
    } finally {
      pp.close();
    }
    expect(() => pp.predictMargin(X)).toThrow(/close/);
  });
});
