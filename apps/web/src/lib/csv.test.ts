import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from './csv.js';

describe('parseCsv', () => {
  it('keeps the physical line of each record (CRLF, blank lines, quoted newlines)', () => {
    const text = '\uFEFFa,b\r\n1,2\r\n\r\n"x\ny",3\n4,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['x\ny', '3'] },
      { line: 6, fields: ['4', ''] },
    ]);
  });
  it('reads doubled quotes inside quoted fields', () => {
    expect(parseCsv('"say ""hi""",2')[0]!.fields).toEqual(['say "hi"', '2']);
  });
});

describe('toCsv', () => {
  it('round-trips through parseCsv for any printable fields', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 2, maxLength: 2 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (rows) => {
          const text = toCsv(['h1', 'h2'], rows);
          const back = parseCsv(text).map((r) => r.fields);
          // Rows whose fields are all empty would be blank lines; minLength 1 keeps them non-blank.
          expect(back).toEqual([['h1', 'h2'], ...rows]);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('writes null as an empty field', () => {
    expect(toCsv(['a', 'b'], [[1, null]])).toBe('a,b\r\n1,\r\n');
  });
});
