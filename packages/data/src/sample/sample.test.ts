/** Tests of the synthetic potability sample: determinism, statistics, labelling and ingest. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { column } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../ingest/load.js';
import { loadSchema } from '../schema/load.js';
import { featureColumns } from '../schema/types.js';
import { POTABILITY_STATS, sampleCsv, sampleDataset, writeSampleCsv } from './generate.js';

describe('sampleDataset', () => {
  const n = 40_000;
  const ds = sampleDataset({ rows: n, seed: 7 });

  it('is deterministic per seed and differs across seeds', () => {
    const again = sampleDataset({ rows: 500, seed: 7 });
    const first = sampleDataset({ rows: 500, seed: 7 });
    expect(Array.from(again.X.data)).toEqual(Array.from(first.X.data));
    expect(Array.from(sampleDataset({ rows: 500, seed: 8 }).X.data)).not.toEqual(Array.from(first.X.data));
    expect(sampleCsv({ rows: 50, seed: 3 })).toBe(sampleCsv({ rows: 50, seed: 3 }));
  });

  it('matches class balance, per-class means, stds and missing rates (tolerances stated)', () => {
    const pos = ds.y.reduce((a, b) => a + b, 0) / n;
    expect(Math.abs(pos - 1278 / 3276)).toBeLessThan(0.01);
    POTABILITY_STATS.forEach((f, j) => {
      const col = column(ds.X, j);
      for (const cls of [0, 1] as const) {
        const v: number[] = [];
        let miss = 0;
        let total = 0;
        for (let i = 0; i < n; i++) {
          if (ds.y[i] !== cls) continue;
          total++;
          const x = col[i] as number;
          if (Number.isNaN(x)) miss++;
          else v.push(x);
        }
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
        const want = f.cls[cls];
        // Means within 4 standard errors; std within 4% (clipping at bounds trims a little); missing within 1 point.
        expect(Math.abs(m - want.mean)).toBeLessThan((4 * want.std) / Math.sqrt(v.length));
        expect(Math.abs(sd / want.std - 1)).toBeLessThan(0.04);
        expect(Math.abs(miss / total - want.missing)).toBeLessThan(0.01);
        expect(Math.min(...v)).toBeGreaterThanOrEqual(f.min);
        expect(Math.max(...v)).toBeLessThanOrEqual(f.max);
      }
    });
  });

  it('carries the class-wise spread difference (Sulfate std ratio ~1.30)', () => {
    const j = POTABILITY_STATS.findIndex((f) => f.name === 'Sulfate');
    const col = column(ds.X, j);
    const sd = (cls: number): number => {
      const v = [...col].filter((x, i) => ds.y[i] === cls && !Number.isNaN(x));
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
    };
    expect(sd(1) / sd(0)).toBeGreaterThan(1.2);
    expect(sd(1) / sd(0)).toBeLessThan(1.4);
  });

  it('rejects bad options with usage errors', () => {
    expect(() => sampleDataset({ rows: 0, seed: 1 })).toThrow(AquaopsError);
    expect(() => sampleDataset({ rows: 10, seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => sampleDataset({ rows: 10, seed: 1, positiveRate: 1 })).toThrow(/positiveRate/);
  });
});

describe('writeSampleCsv', () => {
  it('writes a # synthetic comment, a sidecar meta file, and ingests under water-potability', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-sample-'));
    const f = path.join(dir, 'sample.csv');
    const meta = await writeSampleCsv(f, { rows: 3000, seed: 42 });
    expect(readFileSync(f, 'utf8').startsWith('# synthetic water-potability sample')).toBe(true);
    expect(existsSync(`${f}.meta.json`)).toBe(true);
    expect(JSON.parse(readFileSync(`${f}.meta.json`, 'utf8'))).toEqual(meta);
    expect(meta).toMatchObject({ synthetic: true, rows: 3000, seed: 42 });
    const schema = await loadSchema('water-potability');
    const ds = await loadDataset(f, schema);
    expect(ds.X.nRows).toBe(3000);
    expect(ds.featureNames).toEqual(featureColumns(schema).map((c) => c.name));
    expect(ds.report.status).toBe('pass');
    expect(ds.report.format.commentLines).toBe(1);
    // The CSV round trip keeps 10 significant digits, identical to the in-memory generator's values to 1e-9 relative.
    const mem = sampleDataset({ rows: 3000, seed: 42 });
    for (let k = 0; k < mem.X.data.length; k += 97) {
      const a = mem.X.data[k] as number;
      const b = ds.X.data[k] as number;
      if (Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
      else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.abs(a));
    }
    expect(Array.from(ds.y)).toEqual(Array.from(mem.y));
  });

  it('reports an unwritable path', async () => {
    await expect(writeSampleCsv('/nonexistent-dir/x.csv', { rows: 5, seed: 1 })).rejects.toThrow(/Cannot write/);
  });
});
