import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BenchInputError,
  loadFolds,
  loadPotability,
  parseFolds,
  parsePotabilityCsv,
  POTABILITY_SHA256,
  sha256Hex,
  sharedPaths,
} from './dataset.js';

const HEADER =
  'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability';
const csv = (rows: string[]): Uint8Array => Buffer.from(`${[HEADER, ...rows].join('\r\n')}\r\n`);

describe('parsePotabilityCsv', () => {
  it('reads CRLF rows column-major with empty fields as NaN', () => {
    const bytes = csv(['7,1,2,3,,5,6,7,8,1', ',10,20,30,40,50,60,70,80,0', '6.5,2,3,4,5,6,7,,9,0']);
    const d = parsePotabilityCsv(bytes);
    expect(d.X.nRows).toBe(3);
    expect(d.X.nCols).toBe(9);
    expect(Array.from(d.y)).toEqual([1, 0, 0]);
    // column 0 (ph) is the first 3 values; row 1 is missing.
    expect(d.X.data[0]).toBe(7);
    expect(Number.isNaN(d.X.data[1] as number)).toBe(true);
    expect(d.X.data[2]).toBe(6.5);
    expect(Number.isNaN(d.X.data[4 * 3 + 0] as number)).toBe(true); // Sulfate of row 0
    expect(Number.isNaN(d.X.data[7 * 3 + 2] as number)).toBe(true); // Trihalomethanes of row 2
    expect(d.sha256).toBe(sha256Hex(bytes));
  });

  it('refuses bytes whose sha256 differs, naming both hashes', () => {
    const bytes = csv(['7,1,2,3,4,5,6,7,8,1']);
    expect(() => parsePotabilityCsv(bytes, POTABILITY_SHA256)).toThrow(BenchInputError);
    expect(() => parsePotabilityCsv(bytes, POTABILITY_SHA256)).toThrow(/differs from the expected 904004bd/);
  });

  it('reports a bad cell with its line and column', () => {
    expect(() => parsePotabilityCsv(csv(['7,1,2,3,4,5,6,7,8,1', '7,1,abc,3,4,5,6,7,8,1']))).toThrow(
      /line 3, column Solids: "abc"/,
    );
    expect(() => parsePotabilityCsv(csv(['7,1,2,3,4,5,6,7,8,2']))).toThrow(/line 2, column Potability/);
    expect(() => parsePotabilityCsv(csv(['7,1,2,3,4,5,6,7,1']))).toThrow(/line 2 has 9 fields/);
    expect(() => parsePotabilityCsv(Buffer.from('a,b\r\n1,2\r\n'))).toThrow(/header/);
  });
});

describe('parseFolds', () => {
  const data = parsePotabilityCsv(
    csv(['1,1,1,1,1,1,1,1,1,1', '2,2,2,2,2,2,2,2,2,0', '3,3,3,3,3,3,3,3,3,1', '4,4,4,4,4,4,4,4,4,0']),
  );
  const file = (sha: string, folds: unknown): string => JSON.stringify({ dataset_sha256: sha, n_rows: 4, folds });

  it('builds train parts as the complement of each test set', () => {
    const folds = parseFolds(
      file(data.sha256, [
        { repeat: 0, fold: 0, test: [0, 1] },
        { repeat: 0, fold: 1, test: [2, 3] },
      ]),
      data,
    );
    expect(folds).toHaveLength(2);
    expect(Array.from(folds[0]?.train ?? [])).toEqual([2, 3]);
    expect(Array.from(folds[1]?.train ?? [])).toEqual([0, 1]);
  });

  it('refuses folds made for another dataset or malformed entries', () => {
    expect(() => parseFolds(file('0'.repeat(64), [{ repeat: 0, fold: 0, test: [0] }]), data)).toThrow(
      /made for dataset/,
    );
    expect(() => parseFolds(file(data.sha256, [{ repeat: 0, test: [0] }]), data)).toThrow(/folds\[0\]/);
    expect(() => parseFolds('{', data)).toThrow(/not valid JSON/);
  });
});

const shared = sharedPaths();
const haveShared = existsSync(shared.csv) && existsSync(shared.folds);
if (!haveShared) console.warn(`dataset.test: ${path.dirname(shared.csv)} is absent; skipping the shared-data checks`);

describe('shared water-potability data', () => {
  it.skipIf(!haveShared)('matches the published facts (rows, missing counts, classes, 25 folds)', () => {
    const d = loadPotability(shared.csv);
    expect(d.X.nRows).toBe(3276);
    const missing = (j: number): number => {
      let n = 0;
      for (let i = 0; i < d.X.nRows; i++) if (Number.isNaN(d.X.data[j * d.X.nRows + i] as number)) n++;
      return n;
    };
    expect([missing(0), missing(4), missing(7)]).toEqual([491, 781, 162]);
    expect(d.y.reduce((a, b) => a + b, 0)).toBe(1278);
    const folds = loadFolds(shared.folds, d);
    expect(folds).toHaveLength(25);
    for (const f of folds) expect(f.train.length + f.test.length).toBe(3276);
  });
});
