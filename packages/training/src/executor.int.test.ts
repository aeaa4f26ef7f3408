import { defaultCatalog, stratifiedKFold, syntheticPotability } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { inProcessExecutor, workerPoolExecutor } from './executor.js';
import type { TrialTask } from './trial.js';

describe('worker-pool executor', () => {
  it('gives bit-identical scores and OOF predictions to the in-process executor', async () => {
    const d = syntheticPotability(600, 3);
    const folds = stratifiedKFold(d.y, 3, 1);
    const data = { X: d.X, y: d.y, folds };
    const tasks: TrialTask[] = [
      { id: 1, config: { kind: 'gbm', params: { numIterations: 20 } }, fromFold: 0, toFold: 3, wantOof: true },
      {
        id: 2,
        config: { kind: 'pipeline', params: { steps: [{ kind: 'simple-imputer' }], model: { kind: 'gaussian-nb' } } },
        fromFold: 1,
        toFold: 3,
        wantOof: true,
      },
      { id: 3, config: { kind: 'gbm', params: { numLeaves: -5 } }, fromFold: 0, toFold: 1, wantOof: false },
    ];
    const local = await inProcessExecutor(data, defaultCatalog(), { name: 'roc_auc' }).run(tasks);
    const pool = workerPoolExecutor(data, { name: 'roc_auc' }, 2);
    try {
      const remote = await pool.run(tasks);
      expect(remote.map((o) => o.id)).toEqual([1, 2, 3]);
      for (let k = 0; k < tasks.length; k++) {
        expect(remote[k]?.foldScores).toEqual(local[k]?.foldScores);
        expect(remote[k]?.oof).toEqual(local[k]?.oof);
      }
      // A bad configuration fails its trial with the engine's error code, not the pool.
      expect(remote[2]?.error?.code).toBe('AQUAOPS_E_ML_INVALID_ARGUMENT');
    } finally {
      await pool.close();
    }
  });
});
