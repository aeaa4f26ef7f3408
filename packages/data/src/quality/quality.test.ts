/** Tests of the bounded-memory sketches, fingerprints, rule thresholds and report renderers. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { validateCsv } from '../ingest/validate.js';
import { parseSchema } from '../schema/parse.js';
import { FingerprintSet, RowHasher } from './hashset.js';
import { renderJson, renderMarkdown, renderTable } from './render.js';
import { above, below, loadThresholds, parseThresholds, resolveThresholds, worst } from './rules.js';
import { ColumnSketch } from './sketch.js';

function exactQuantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

describe('ColumnSketch', () => {
  it('is exact below capacity (quantiles, mean, sample std)', () => {
    const s = new ColumnSketch(1000);
    const v = [5, 1, 4, 2, 3];
    for (const x of v) s.add(x);
    const st = s.stats();
    expect(st).toMatchObject({ count: 5, min: 1, max: 5, p50: 3, p25: 2, p75: 4, mean: 3, exactQuantiles: true });
    expect(st?.std).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(st?.p01).toBeCloseTo(1.04, 12);
  });

  it('keeps quantile rank error within the stated bound on 200k skewed values', () => {
    const rng = new Rng(11);
    const n = 200_000;
    const all = new Float64Array(n);
    const s = new ColumnSketch(4096, 3);
    for (let i = 0; i < n; i++) {
      const x = Math.exp(rng.normal()); // log-normal: strongly skewed
      all[i] = x;
      s.add(x);
    }
    all.sort();
    const st = s.stats();
    expect(st?.exactQuantiles).toBe(false);
    expect(st?.min).toBe(all[0]);
    expect(st?.max).toBe(all[n - 1]);
    // Rank error: where the sketch's value falls among all values, vs p. Bound: 4 standard errors.
    const rank = (x: number): number => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if ((all[m] as number) < x) lo = m + 1;
        else hi = m;
      }
      return lo / n;
    };
    for (const [p, q] of [
      [0.01, st?.p01],
      [0.05, st?.p05],
      [0.25, st?.p25],
      [0.5, st?.p50],
      [0.75, st?.p75],
      [0.95, st?.p95],
      [0.99, st?.p99],
    ] as const) {
      expect(Math.abs(rank(q as number) - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / 4096));
    }
    const mean = all.reduce((a, b) => a + b, 0) / n;
    expect(st?.mean).toBeCloseTo(mean, 9);
    expect(exactQuantile(all, 0.5)).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', () => {
    const a = new ColumnSketch(64, 9);
    const b = new ColumnSketch(64, 9);
    for (let i = 0; i < 10_000; i++) {
      a.add((i * 7919) % 10007);
      b.add((i * 7919) % 10007);
    }
    expect(a.stats()).toEqual(b.stats());
  });
});

describe('fingerprints', () => {
  it('equal rows hash equal; NaN and -0 normalised; different rows differ', () => {
    const h = new RowHasher();
    const d = (xs: number[]): number => {
      h.reset();
      for (const x of xs) h.number(x);
      return h.digest();
    };
    expect(d([1, 2, Number.NaN])).toBe(d([1, 2, Number.NaN]));
    expect(d([0, 1])).toBe(d([-0, 1]));
    expect(d([1, 2])).not.toBe(d([2, 1]));
    expect(h.reset().string('ab').digest()).not.toBe(h.reset().string('ba').digest());
  });

  it('FingerprintSet finds first lines, grows, and saturates at its cap', () => {
    const s = new FingerprintSet(5000);
    const h = new RowHasher();
    for (let i = 1; i <= 5000; i++) expect(s.addOrGet(h.reset().number(i).digest(), i + 1)).toBe(0);
    expect(s.count).toBe(5000);
    expect(s.addOrGet(h.reset().number(17).digest(), 99)).toBe(18);
    expect(s.get(h.reset().number(4000).digest())).toBe(4001);
    expect(s.addOrGet(h.reset().number(123456).digest(), 7)).toBe(0);
    expect(s.saturated).toBe(true);
    // No false positives among 5000 other values (53-bit hashes).
    let fp = 0;
    for (let i = 10_001; i <= 15_000; i++) if (s.get(h.reset().number(i).digest()) !== 0) fp++;
    expect(fp).toBe(0);
  });
});

describe('rules', () => {
  it('above / below / worst / resolveThresholds', () => {
    expect(above(0.6, { warn: 0.25, fail: 0.5 })).toBe('fail');
    expect(above(0.3, { warn: 0.25, fail: 0.5 })).toBe('warn');
    expect(above(0.25, { warn: 0.25, fail: 0.5 })).toBe('pass');
    expect(above(0.9, { warn: null, fail: null })).toBe('pass');
    expect(below(10, { warn: 200, fail: 20 })).toBe('fail');
    expect(below(100, { warn: 200, fail: 20 })).toBe('warn');
    expect(worst(['pass', 'warn', 'pass'])).toBe('warn');
    const t = resolveThresholds({ missingRate: { fail: 0.9 }, constantColumn: 'fail' });
    expect(t.missingRate).toEqual({ warn: 0.25, fail: 0.9 });
    expect(t.constantColumn).toBe('fail');
  });

  it('configurable thresholds change the status of the same file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-q-'));
    const f = path.join(dir, 'd.csv');
    writeFileSync(f, 'a,y\n1,1\n,0\n,1\n4,0\n');
    const s = parseSchema(
      'name: t\nversion: 1\ncolumns:\n  - { name: a, type: number }\n  - { name: y, type: integer, role: label, positive: 1 }\n',
      't',
    );
    const loose = { minRows: { warn: null, fail: null } };
    expect((await validateCsv(f, s, { thresholds: loose })).status).toBe('warn'); // 50% missing: warn
    expect((await validateCsv(f, s, { thresholds: { ...loose, missingRate: { fail: 0.4 } } })).status).toBe('fail');
    expect((await validateCsv(f, s, { thresholds: { ...loose, missingRate: { warn: 0.6 } } })).status).toBe('pass');
    expect((await validateCsv(f, s)).status).toBe('fail'); // default: fewer than 20 rows
  });
});

describe('thresholds files', () => {
  it('parses overrides and null-disabled levels', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-t-'));
    const f = path.join(dir, 't.yaml');
    writeFileSync(f, 'missingRate: { warn: 0.1, fail: null }\nconstantColumn: fail\n');
    const t = resolveThresholds(await loadThresholds(f));
    expect(t.missingRate).toEqual({ warn: 0.1, fail: null });
    expect(t.constantColumn).toBe('fail');
    expect(t.minRows).toEqual({ warn: 200, fail: 20 });
  });

  it('rejects unknown keys and bad values, naming each', () => {
    expect(() =>
      parseThresholds({ missingRat: { warn: 0.1 }, minRows: { fail: -1 }, constantColumn: 'x' }, 't.yaml'),
    ).toThrow(
      /t\.yaml missingRat: expected one of .*t\.yaml minRows\.fail: expected a non-negative number or null, found -1.*constantColumn/,
    );
    expect(() => parseThresholds([1], 'u.yaml')).toThrow(/expected a mapping/);
  });
});

describe('renderers', () => {
  it('table, Markdown and JSON show the report figures', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-r-'));
    const f = path.join(dir, 'd.csv');
    writeFileSync(f, 'a,y\n1,1\nabc,0\n3,0\n3,0\n');
    const s = parseSchema(
      'name: t\nversion: 1\ncolumns:\n  - { name: a, type: number, unit: mg/L, guidelines: [{ source: WHO, max: 2, healthBased: true }] }\n  - { name: y, type: integer, role: label, positive: 1 }\n',
      't',
    );
    const r = await validateCsv(f, s);
    const t = renderTable(r);
    expect(t).toContain('status: FAIL');
    expect(t).toContain('rows: 4 read, 3 accepted, 1 rejected (25.0%)');
    expect(t).toContain('line 3, a: found "abc"');
    expect(t).toContain('duplicate: line 5 repeats line 4');
    expect(t).toMatch(/a\s+WHO\s+\.\.2\s+yes\s+2\s+66\.7%/);
    const md = renderMarkdown(r);
    expect(md).toContain('# Data quality:');
    expect(md).toContain('| min-rows | FAIL | 3 |');
    expect(JSON.parse(renderJson(r))).toMatchObject({ status: 'fail', rows: { accepted: 3 } });
  });
});
