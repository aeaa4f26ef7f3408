import { describe, expect, it } from 'vitest';
import { MlError } from './errors.js';
import { checkFitInput, checkPredictInput, fromRows, matrix } from './matrix.js';

function errorOf(fn: () => unknown): MlError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError');
}

describe('input checks', () => {
  const X = fromRows(
    [
      [1, 2],
      [3, Number.NaN],
      [5, 6],
    ],
    ['a', 'b'],
  );
  it('accepts NaN as missing only where the model allows it, naming the cell otherwise', () => {
    expect(() => checkFitInput(X, [0, 1, 0], { allowMissing: true, model: 'gbm' })).not.toThrow();
    const e = errorOf(() => checkFitInput(X, [0, 1, 0], { allowMissing: false, model: 'svm' }));
    expect(e.code).toBe('AQUAOPS_E_ML_MISSING_NOT_SUPPORTED');
    expect(e.details.argument).toBe('X[1, b]');
  });
  it('refuses ±Infinity at fit and at predict, for every model, naming the cell', () => {
    const inf = fromRows(
      [
        [1, 2],
        [Number.POSITIVE_INFINITY, 1],
      ],
      ['a', 'b'],
    );
    for (const allowMissing of [true, false]) {
      const e = errorOf(() => checkPredictInput(inf, 2, { allowMissing, model: 'm' }));
      expect(e.details.argument).toBe('X[1, a]');
      expect(e.details.found).toBe('Infinity');
    }
    expect(errorOf(() => checkFitInput(inf, [0, 1], { allowMissing: true, model: 'm' })).details.argument).toBe(
      'X[1, a]',
    );
  });
  it('names the argument for shape, label and class problems', () => {
    expect(errorOf(() => checkPredictInput(X, 3, { allowMissing: true, model: 'm' })).code).toBe(
      'AQUAOPS_E_ML_SHAPE_MISMATCH',
    );
    expect(errorOf(() => checkFitInput(X, [0, 1], { allowMissing: true, model: 'm' })).details.argument).toBe('y');
    expect(errorOf(() => checkFitInput(X, [0, Number.NaN, 1], { allowMissing: true, model: 'm' })).code).toBe(
      'AQUAOPS_E_ML_NON_FINITE_LABEL',
    );
    expect(errorOf(() => checkFitInput(X, [1, 1, 1], { allowMissing: true, model: 'm' })).code).toBe(
      'AQUAOPS_E_ML_ONE_CLASS',
    );
    expect(errorOf(() => checkFitInput(X, [0, 2, 1], { allowMissing: true, model: 'm' })).details.argument).toBe(
      'y[1]',
    );
    expect(errorOf(() => checkFitInput(matrix(0, 2), [], { allowMissing: true, model: 'm' })).code).toBe(
      'AQUAOPS_E_ML_EMPTY_DATA',
    );
  });
});
