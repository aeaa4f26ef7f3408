import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MlError } from './errors.js';
import { foldsFromTestSets, repeatedStratifiedKFold, stratifiedKFold, stratifiedTrainTestSplit } from './split.js';

const labelsArb = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 10, maxLength: 300 });

describe('stratifiedKFold', () => {
  it('puts every row in exactly one test fold, train = complement, class counts within ±1 of the share', () => {
    fc.assert(
      fc.property(labelsArb, fc.integer({ min: 2, max: 10 }), fc.integer(), (y, k, seed) => {
        const folds = stratifiedKFold(y, k, seed);
        expect(folds).toHaveLength(k);
        const seen = new Uint8Array(y.length);
        const nPos = y.reduce((a, b) => a + b, 0);
        for (const f of folds) {
          expect(f.train.length + f.test.length).toBe(y.length);
          const inTest = new Set(f.test);
          for (const i of f.train) expect(inTest.has(i)).toBe(false);
          for (const i of f.test) seen[i] = (seen[i] as number) + 1;
          const pos = Array.from(f.test).filter((i) => y[i] === 1).length;
          const neg = f.test.length - pos;
          expect(Math.abs(pos - nPos / k)).toBeLessThan(1);
          expect(Math.abs(neg - (y.length - nPos) / k)).toBeLessThan(1);
          expect(Math.abs(f.test.length - y.length / k)).toBeLessThan(1);
          for (let t = 1; t < f.test.length; t++) expect(f.test[t] as number).toBeGreaterThan(f.test[t - 1] as number);
        }
        expect(Array.from(seen).every((c) => c === 1)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('is deterministic per seed and differs between seeds', () => {
    const y = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const a = stratifiedKFold(y, 5, 42);
    const b = stratifiedKFold(y, 5, 42);
    const c = stratifiedKFold(y, 5, 43);
    expect(a.map((f) => Array.from(f.test))).toEqual(b.map((f) => Array.from(f.test)));
    expect(a.map((f) => Array.from(f.test))).not.toEqual(c.map((f) => Array.from(f.test)));
  });

  it('rejects bad k and labels with MlError naming the argument', () => {
    expect(() => stratifiedKFold([0, 1, 0], 1, 0)).toThrowError(/^k:/);
    expect(() => stratifiedKFold([0, 1, 0], 4, 0)).toThrowError(/at most the number of rows/);
    expect(() => stratifiedKFold([0, 2, 0], 2, 0)).toThrowError(/y\[1\]/);
    expect(() => stratifiedKFold([], 2, 0)).toThrowError(MlError);
  });
});

describe('repeatedStratifiedKFold', () => {
  it('gives repeats × k folds; each repeat is a partition and repeats differ', () => {
    const y = Array.from({ length: 97 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const folds = repeatedStratifiedKFold(y, 5, 3, 7);
    expect(folds).toHaveLength(15);
    for (let r = 0; r < 3; r++) {
      const tests = folds.filter((f) => f.repeat === r).flatMap((f) => Array.from(f.test));
      expect(tests.sort((a, b) => a - b)).toEqual(Array.from({ length: 97 }, (_, i) => i));
    }
    expect(Array.from(folds[0]?.test ?? [])).not.toEqual(Array.from(folds[5]?.test ?? []));
    expect(folds[7]).toMatchObject({ repeat: 1, fold: 2 });
  });
});

describe('stratifiedTrainTestSplit', () => {
  it('sizes the test set to round(n·f) and keeps class proportions within one row', () => {
    fc.assert(
      fc.property(labelsArb, fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.integer(), (y, f, seed) => {
        const s = stratifiedTrainTestSplit(y, f, seed);
        const nTest = Math.round(y.length * f);
        expect(s.test.length).toBe(nTest);
        expect(s.train.length).toBe(y.length - nTest);
        const all = [...s.train, ...s.test].sort((a, b) => a - b);
        expect(all).toEqual(y.map((_, i) => i));
        const nPos = y.reduce((a, b) => a + b, 0);
        const testPos = Array.from(s.test).filter((i) => y[i] === 1).length;
        expect(Math.abs(testPos - (nPos * nTest) / y.length)).toBeLessThan(1);
      }),
      { numRuns: 100 },
    );
  });
  it('rejects a fraction that leaves one side empty', () => {
    expect(() => stratifiedTrainTestSplit([0, 1, 0], 0.1, 0)).toThrowError(/testFraction/);
    expect(() => stratifiedTrainTestSplit([0, 1, 0], 1, 0)).toThrowError(/testFraction/);
  });
});

describe('foldsFromTestSets', () => {
  const sharedFolds = path.resolve(process.cwd(), '../shared/data/folds.json');
  const exists = fs.existsSync(sharedFolds);
  if (!exists) console.warn(`skipping reference-fold test: ${sharedFolds} not found`);

  it.skipIf(!exists)('accepts the reference 5×5 plan of folds.json (3276 rows)', () => {
    const doc = JSON.parse(fs.readFileSync(sharedFolds, 'utf8')) as {
      n_rows: number;
      folds: { repeat: number; fold: number; test: number[] }[];
    };
    const folds = foldsFromTestSets(doc.n_rows, doc.folds);
    expect(folds).toHaveLength(25);
    for (const f of folds) expect(f.train.length + f.test.length).toBe(3276);
  });

  it('rejects overlaps, gaps and out-of-range rows', () => {
    expect(() =>
      foldsFromTestSets(4, [
        { repeat: 0, fold: 0, test: [0, 1] },
        { repeat: 0, fold: 1, test: [1, 2, 3] },
      ]),
    ).toThrowError(/row 1 twice/);
    expect(() => foldsFromTestSets(4, [{ repeat: 0, fold: 0, test: [0, 1] }])).toThrowError(/row 2 in no test fold/);
    expect(() => foldsFromTestSets(4, [{ repeat: 0, fold: 0, test: [0, 9] }])).toThrowError(/0\.\.3/);
    const ok = foldsFromTestSets(4, [
      { repeat: 0, fold: 0, test: [3, 1] },
      { repeat: 0, fold: 1, test: [0, 2] },
    ]);
    expect(Array.from(ok[0]?.test ?? [])).toEqual([1, 3]);
    expect(Array.from(ok[0]?.train ?? [])).toEqual([0, 2]);
  });
});
