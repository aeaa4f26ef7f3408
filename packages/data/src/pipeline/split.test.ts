import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvFields, csvRecords, splitCsv } from './split.js';

const SHARED_CSV = path.resolve(process.cwd(), '../shared/data/water_potability.csv');
const hasShared = existsSync(SHARED_CSV);
if (!hasShared) console.warn(`skipping split test on the shared dataset: ${SHARED_CSV} is missing`);

function makeCsv(n: number, eol = '\n'): string {
  let s = `id,x,label${eol}`;
  for (let i = 0; i < n; i++) s += `${i},${i % 7 === 0 ? '' : i * 0.5},${i % 3 === 0 ? 1 : 0}${eol}`;
  return s;
}

describe('splitCsv', () => {
  it('splits stratified, keeps header, row order and bytes; same seed same split', () => {
    const text = makeCsv(300, '\r\n');
    const a = splitCsv(text, { testFraction: 0.2, seed: 42, stratifyBy: 'label' });
    const b = splitCsv(text, { testFraction: 0.2, seed: 42, stratifyBy: 'label' });
    const c = splitCsv(text, { testFraction: 0.2, seed: 43, stratifyBy: 'label' });
    expect(a.test).toBe(b.test);
    expect(a.test).not.toBe(c.test);
    expect(a.classes).toEqual({ '0': { train: 160, test: 40 }, '1': { train: 80, test: 20 } });
    const trainRecs = csvRecords(a.train);
    const testRecs = csvRecords(a.test);
    expect(trainRecs[0]).toBe('id,x,label\r\n');
    expect(testRecs[0]).toBe('id,x,label\r\n');
    const ids = (recs: string[]): number[] => recs.slice(1).map((r) => Number(csvFields(r)[0]));
    const tr = ids(trainRecs);
    const te = ids(testRecs);
    expect(tr).toEqual([...tr].sort((x, y) => x - y));
    expect(te).toEqual([...te].sort((x, y) => x - y));
    expect([...tr, ...te].sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    // every original record appears byte-identical in exactly one output
    expect(new Set([...trainRecs.slice(1), ...testRecs.slice(1)])).toEqual(new Set(csvRecords(text).slice(1)));
  });

  it('handles quoted fields with commas and newlines and a missing final newline', () => {
    const text = 'a,label\n"x,\ny",1\n"q""z",0\nw,1\nv,0';
    expect(csvRecords(text)).toEqual(['a,label\n', '"x,\ny",1\n', '"q""z",0\n', 'w,1\n', 'v,0']);
    expect(csvFields('"q""z",0\n')).toEqual(['q"z', '0']);
    const r = splitCsv(text, { testFraction: 0.5, seed: 1, stratifyBy: 'label' });
    expect(r.trainRows + r.testRows).toBe(4);
    expect((r.train + r.test).includes('v,0\n')).toBe(true);
  });

  it('copies leading # comment lines to both parts and finds the header after them', () => {
    const text = `# generated sample, seed=1\n${makeCsv(20)}`;
    const r = splitCsv(text, { testFraction: 0.25, seed: 3, stratifyBy: 'label' });
    expect(r.train.startsWith('# generated sample, seed=1\nid,x,label\n')).toBe(true);
    expect(r.test.startsWith('# generated sample, seed=1\nid,x,label\n')).toBe(true);
    expect(r.trainRows + r.testRows).toBe(20);
  });

  it('rejects bad fractions, unknown label columns and empty input', () => {
    expect(() => splitCsv(makeCsv(10), { testFraction: 1, seed: 1 })).toThrow(/between 0 and 1/);
    expect(() => splitCsv(makeCsv(10), { testFraction: 0.2, seed: 1.5 })).toThrow(/integer/);
    expect(() => splitCsv(makeCsv(10), { testFraction: 0.2, seed: 1, stratifyBy: 'Potability' })).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_DVC_CSV_INVALID', message: expect.stringContaining('id, x, label') }),
    );
    expect(() => splitCsv('', { testFraction: 0.2, seed: 1 })).toThrow(/empty/);
  });

  it.skipIf(!hasShared)('keeps the class balance of the shared dataset within one row', async () => {
    const text = await readFile(SHARED_CSV, 'utf8');
    const r = splitCsv(text, { testFraction: 0.2, seed: 42, stratifyBy: 'Potability' });
    expect(r.trainRows + r.testRows).toBe(3276);
    expect(r.classes).toEqual({ '0': { train: 1598, test: 400 }, '1': { train: 1022, test: 256 } });
  });
});
