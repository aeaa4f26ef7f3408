/** The real shared dataset through ingest and the quality report (skips when ../shared is absent). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { column } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../schema/load.js';
import { loadDataset } from './load.js';
import { validateCsv } from './validate.js';

const CSV = path.resolve(process.cwd(), '../shared/data/water_potability.csv');
const exists = existsSync(CSV);
if (!exists) console.warn(`skipping shared-data tests: ${CSV} not found`);

describe('water_potability.csv', () => {
  it.skipIf(!exists)('validates: 3276 rows, documented missing counts and label balance, status pass', async () => {
    const r = await validateCsv(CSV, await loadSchema('water-potability'));
    expect(r.rows).toMatchObject({ read: 3276, accepted: 3276, rejected: 0 });
    const missing = Object.fromEntries(r.columns.map((c) => [c.name, c.missing]));
    expect(missing).toEqual({
      ph: 491,
      Hardness: 0,
      Solids: 0,
      Chloramines: 0,
      Sulfate: 781,
      Conductivity: 0,
      Organic_carbon: 0,
      Trihalomethanes: 162,
      Turbidity: 0,
    });
    expect(r.label).toMatchObject({ positives: 1278, negatives: 1998 });
    expect(r.format).toMatchObject({ bytes: 525187, lineEndings: 'crlf', bom: false });
    expect(r.duplicates.rows).toBe(0);
    expect(r.status).toBe('pass');
    // Observed ranges from shared/data/README.md; quantiles are exact at this size.
    const ph = r.columns[0]?.stats;
    expect(ph?.exactQuantiles).toBe(true);
    expect(ph?.min).toBeGreaterThanOrEqual(0);
    expect(ph?.max).toBeLessThanOrEqual(14);
    const solids = r.columns.find((c) => c.name === 'Solids')?.stats;
    expect(solids?.mean).toBeGreaterThan(21_900); // README: Solids averages 22,014
    expect(solids?.mean).toBeLessThan(22_100);
  });

  it.skipIf(!exists)('loads a 3276 x 9 column-major matrix with NaN for missing', async () => {
    const ds = await loadDataset(CSV, await loadSchema('water-potability'));
    expect(ds.X.nRows).toBe(3276);
    expect(ds.X.nCols).toBe(9);
    expect(ds.y.reduce((a, b) => a + b, 0)).toBe(1278);
    const ph = column(ds.X, 0);
    expect(ph.filter((v) => Number.isNaN(v)).length).toBe(491);
    expect(column(ds.X, 4).filter((v) => Number.isNaN(v)).length).toBe(781);
    // Class-wise spread (README per-class std of Sulfate: 36.746 vs 47.693), tolerance 1e-2.
    const std = (cls: number): number => {
      const v = [...column(ds.X, 4)].filter((x, i) => ds.y[i] === cls && !Number.isNaN(x));
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    expect(std(0)).toBeCloseTo(36.746, 2);
    expect(std(1)).toBeCloseTo(47.693, 2);
  });
});
