import { describe, expect, it } from 'vitest';
import { fmtMeanStd, renderTable } from './table.js';

describe('renderTable', () => {
  it('pads columns to the widest cell and right-aligns numeric columns', () => {
    const t = renderTable(
      [{ header: 'name' }, { header: 'v', align: 'right' }],
      [
        ['a', '1.5'],
        ['longer', '10.25'],
      ],
    );
    expect(t.split('\n')).toEqual(['name        v', '------  -----', 'a         1.5', 'longer  10.25', '']);
  });
  it('treats missing cells as empty', () => {
    expect(renderTable([{ header: 'a' }, { header: 'b' }], [['x']])).toContain('x\n');
  });
});

describe('fmtMeanStd', () => {
  it('formats mean ± std and n/a for non-finite means', () => {
    expect(fmtMeanStd(0.69234, 0.02111)).toBe('0.6923 ± 0.0211');
    expect(fmtMeanStd(Number.NaN, 0)).toBe('n/a');
  });
});
