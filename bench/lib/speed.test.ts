import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScaleReference } from './baseline.js';
import { forestChecks, gbmChecks, loadBenchFn, numField, runSpeedBench, SMOKE_SIZES } from './speed.js';

const refs: ScaleReference[] = [
  { model: 'LightGBM', nTrain: 1_000_000, trainS: 4, testAuc: 0.82, batchRowsPerS: 544_000, singleRowP99Ms: 0.4 },
  { model: 'sklearn-RF', nTrain: 100_000, trainS: 20, testAuc: 0.817, batchRowsPerS: 112_000, singleRowP99Ms: 20 },
];

describe('gbmChecks', () => {
  const raw = { trainSeconds: 6, testAuc: 0.8151, batchRowsPerSecond: 600_000, singleRowP99Us: 25, shapUsPerRow: 50 };
  it('judges each target at full size, against the baseline where there is one', () => {
    const c = gbmChecks(raw, refs, true);
    expect(c.map((x) => x.met)).toEqual([true, true, true, undefined, false, true]);
    expect(c[0]?.ratio).toBe('1.50×');
    expect(c[1]?.ratio).toBe('-0.0049');
    expect(
      gbmChecks({ ...raw, trainSeconds: 6.01, testAuc: 0.8149 }, refs, true)
        .map((x) => x.met)
        .slice(0, 2),
    ).toEqual([false, false]);
  });
  it('does not judge or compare at smoke sizes, nor when a figure is missing', () => {
    const c = gbmChecks(raw, refs, false);
    expect(c.every((x) => x.met === undefined)).toBe(true);
    expect(c[0]?.ratio).toBe('n/a (size)');
    expect(gbmChecks({}, refs, true).every((x) => x.met === undefined)).toBe(true);
  });
});

describe('forestChecks', () => {
  it('requires training faster than scikit-learn', () => {
    expect(forestChecks({ trainSeconds: 19.9 }, refs, true)[0]?.met).toBe(true);
    expect(forestChecks({ trainS: 20 }, refs, true)[0]?.met).toBe(false);
  });
});

describe('numField', () => {
  it('takes the first finite candidate field', () => {
    expect(numField({ a: Number.NaN, b: 2 }, 'a', 'b')).toBe(2);
    expect(numField(null, 'a')).toBeUndefined();
  });
});

describe('loadBenchFn / runSpeedBench', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-speed-'));
  writeFileSync(
    path.join(dir, 'gbm-speed.ts'),
    'export const runGbmSpeedBench = async (o) => ({ trainSeconds: o.rows / 1000 });\n',
  );
  writeFileSync(path.join(dir, 'forest-speed.ts'), 'export const somethingElse = 1;\n');
  const dirUrl = pathToFileURL(`${dir}/`);

  it('reports a missing file or export as not available', async () => {
    expect((await loadBenchFn(new URL('nope.ts', dirUrl), 'f')).reason).toMatch(/does not exist/);
    expect((await loadBenchFn(new URL('forest-speed.ts', dirUrl), 'runForestSpeedBench')).reason).toMatch(
      /does not export a function runForestSpeedBench/,
    );
  });
  it('runs what is there with the requested sizes and samples the load', async () => {
    const [gbm, forest] = await runSpeedBench({ sizes: SMOKE_SIZES, full: false, refs, benchDir: dirUrl });
    expect(gbm?.status).toBe('ok');
    expect(gbm?.raw).toEqual({ trainSeconds: SMOKE_SIZES.gbmRows / 1000 });
    expect(gbm?.load?.wallS).toBeGreaterThan(0);
    expect(forest?.status).toBe('not available');
  });
});
