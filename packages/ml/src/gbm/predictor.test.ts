/**
 * Tests of the flattened-forest predictor against the shared reference `predictTreeRow`, on
 * rows with and without missing values and on every batch remainder (rows % 4).
 */
import { describe, expect, it } from 'vitest';
import { syntheticPotability } from '../datasets/synthetic.js';
import { predictTreeRow } from '../tree/tree.js';
import { GradientBoostingClassifier } from './gbm.js';
import { flattenForest, forestBatch, forestRow } from './predictor.js';

describe('flat forest predictor', () => {
  const { X, y } = syntheticPotability(1500, 13);
  const m = new GradientBoostingClassifier({ numIterations: 20, numLeaves: 15 }).fit(X, y);
  const trees = m.fittedTrees;
  const ff = flattenForest(trees);

  it('agrees exactly with the reference tree walk, batch and single row', () => {
    for (const nRows of [1, 2, 3, 4, 5, 7, 64, 101]) {
      const out = new Float64Array(nRows);
      const data = new Float64Array(nRows * X.nCols);
      for (let j = 0; j < X.nCols; j++)
        for (let i = 0; i < nRows; i++) data[j * nRows + i] = X.data[j * X.nRows + i] as number;
      forestBatch(ff, data, nRows, X.nCols, out);
      for (let i = 0; i < nRows; i++) {
        const x = Array.from({ length: X.nCols }, (_, j) => data[j * nRows + i] as number);
        let ref = 0;
        for (const t of trees) ref += predictTreeRow(t, x);
        expect(out[i]).toBe(ref);
        expect(forestRow(ff, x)).toBe(ref);
      }
    }
  });

  it('limits to the first k trees and handles single-leaf trees', () => {
    const x = [0.3, Number.NaN, 1, -1, 0, 2, 0, 0, 1];
    expect(forestRow(ff, x, 0)).toBe(0);
    expect(forestRow(ff, x, 1)).toBe(predictTreeRow(trees[0] as (typeof trees)[0], x));
    const leafOnly = flattenForest([{ ...trees[0]!, feature: Int32Array.of(-1), value: Float64Array.of(0.25) }]);
    expect(forestRow(leafOnly, x)).toBe(0.25);
  });
});
