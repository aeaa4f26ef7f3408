/**
 * Tests of the worker-thread training backend: models trained on 2 or 3 threads must equal the
 * single-threaded model bit for bit (histograms are split by feature, never by row), and the
 * factory validates its options.
 */
import { describe, expect, it } from 'vitest';
import { syntheticPotability } from '../datasets/synthetic.js';
import { GradientBoostingClassifier } from '../gbm/gbm.js';
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
