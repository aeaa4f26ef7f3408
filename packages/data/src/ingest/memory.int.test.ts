/**
 * Bounded memory: validating a 300k-row file (about 31 MB on disk, twice that as JS strings)
 * must not hold the file. With fingerprint tables capped, everything the validator keeps is
 * fixed-size, so heap growth stays far below the file's size. (The 10M-row figure is in
 * bench/data-validate.ts.) Heap is sampled at every progress callback; GC timing makes the
 * figure noisy, so the bound is loose: 40 MB.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSampleCsv } from '../sample/generate.js';
import { loadSchema } from '../schema/load.js';
import { validateCsv } from './validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-mem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bounded memory', () => {
  it('validates 300k rows with heap growth far below the file size', async () => {
    const f = path.join(dir, 'big.csv');
    await writeSampleCsv(f, { rows: 300_000, seed: 3 });
    const bytes = statSync(f).size;
    expect(bytes).toBeGreaterThan(30e6);
    const schema = await loadSchema('water-potability');
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const r = await validateCsv(f, schema, {
      maxFingerprints: 50_000,
      progressEvery: 10_000,
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    expect(r.rows.accepted).toBe(300_000);
    expect(r.duplicates.exact).toBe(false); // the cap was reached, and the report says so
    const growthMb = (peak - base) / 2 ** 20;
    console.info(`heap growth ${growthMb.toFixed(1)} MB for a ${(bytes / 1e6).toFixed(1)} MB file`);
    expect(growthMb).toBeLessThan(40);
    // Quantiles now come from the reservoir: still close to the generator's figures.
    const sulfate = r.columns.find((c) => c.name === 'Sulfate')?.stats;
    expect(sulfate?.exactQuantiles).toBe(false);
    expect(Math.abs((sulfate?.p50 ?? 0) - 333.7)).toBeLessThan(3);
  });
});
