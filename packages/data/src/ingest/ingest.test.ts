/** Tests of the streaming CSV ingest: formats, every bad-input case, row parsing and loading. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { at } from '@aquaops/ml';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../schema/load.js';
import { parseSchema } from '../schema/parse.js';
import type { DatasetSchema } from '../schema/types.js';
import { readCsvRecords } from './csv.js';
import type { CsvRecord } from './csv.js';
import { loadDataset } from './load.js';
import { readRows, validateCsv, validateCsvPair } from './validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-ingest-'));
let n = 0;
function file(content: string | Buffer, name?: string): string {
  const f = path.join(dir, name ?? `f${n++}.csv`);
  writeFileSync(f, content);
  return f;
}

const HEADER =
  'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability';
const ROW0 = '7.1,200.5,20000,7.2,330,420,14.1,66.5,3.9,0';
const ROW1 = '6.8,190,21000.5,6.9,340,430,13.9,70.1,4.1,1';
let wp: DatasetSchema;
// A small schema with an id column, for duplicate checks.
const small = parseSchema(
  `name: small\nversion: 1\ncolumns:\n  - { name: id, type: string, role: id }\n  - { name: a, type: number, role: feature, min: 0 }\n  - { name: b, type: integer, role: feature }\n  - { name: y, type: string, role: label, positive: 'yes' }\n`,
  'small.yaml',
);

beforeAll(async () => {
  wp = await loadSchema('water-potability');
});

async function fails(p: Promise<unknown>): Promise<AquaopsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AquaopsError);
    return e as AquaopsError;
  }
  throw new Error('expected an AquaopsError');
}

describe('formats', () => {
  it('reads LF, CRLF and BOM files alike', async () => {
    const lf = await validateCsv(file(`${HEADER}\n${ROW0}\n${ROW1}\n`), wp);
    const crlf = await validateCsv(file(`${HEADER}\r\n${ROW0}\r\n${ROW1}\r\n`), wp);
    const bom = await validateCsv(file(`\uFEFF${HEADER}\r\n${ROW0}\r\n${ROW1}`), wp);
    for (const r of [lf, crlf, bom]) {
      expect(r.rows).toMatchObject({ read: 2, accepted: 2, rejected: 0 });
      expect(r.label).toMatchObject({ positives: 1, negatives: 1 });
      expect(r.columns[0]?.stats?.mean).toBeCloseTo(6.95, 12);
    }
    expect(lf.format.lineEndings).toBe('lf');
    expect(crlf.format.lineEndings).toBe('crlf');
    expect(bom.format.bom).toBe(true);
  });

  it('maps columns by name in any order, handles quotes and padded whitespace', async () => {
    const cols = HEADER.split(',').reverse();
    const vals = ROW1.split(',').reverse();
    const quoted = vals.map((v, i) => (i % 2 === 0 ? `"${v}"` : `  ${v} `));
    const f = file(`${cols.map((c) => ` ${c} `).join(',')}\n${quoted.join(',')}\n`);
    const ds = await loadDataset(f, wp, { allowFailed: true });
    expect(ds.featureNames[0]).toBe('ph');
    expect(at(ds.X, 0, 0)).toBe(6.8);
    expect(at(ds.X, 0, 2)).toBe(21000.5);
    expect(ds.y[0]).toBe(1);
  });

  it('treats empty, NA, NaN, null (any case) as missing', async () => {
    const f = file(`${HEADER}\n,NA,nan,NULL,"",  n/a ,14,66,3.9,0\n${ROW1}\n`);
    const r = await validateCsv(f, wp);
    expect(r.rows.rejected).toBe(0);
    expect(r.columns.slice(0, 6).map((c) => c.missing)).toEqual([1, 1, 1, 1, 1, 1]);
    const ds = await loadDataset(f, wp, { allowFailed: true });
    expect(Number.isNaN(at(ds.X, 0, 0))).toBe(true);
    expect(at(ds.X, 1, 0)).toBe(6.8);
  });

  it('skips # comment lines and blank lines above the header', async () => {
    const r = await validateCsv(file(`# synthetic data\n\n#second\n${HEADER}\n${ROW0}\n`), wp);
    expect(r.format.commentLines).toBe(2);
    expect(r.rows.accepted).toBe(1);
  });

  it('accepts quoted fields with delimiters, quotes and newlines inside (non-feature columns)', async () => {
    const river = await loadSchema('river-monitoring');
    const names = river.columns.map((c) => c.name);
    const vals = names.map((c) =>
      c === 'sample_id'
        ? 'S-1'
        : c === 'site'
          ? '"Main, ""north"" bank"'
          : c === 'sampled_at'
            ? '2024-05-01T08:30:00Z'
            : c === 'operator_note'
              ? '"line one\nline two"'
              : c === 'safe'
                ? 'yes'
                : c === 'e_coli'
                  ? '0'
                  : '1.5',
    );
    const f = file(
      `${names.join(',')}\n${vals.join(',')}\n${vals.join(',').replace('S-1', 'S-2').replace(',yes', ',no')}\n`,
    );
    const rows = [];
    for await (const r of readRows(f, river)) rows.push(r);
    expect(rows).toHaveLength(2);
    expect(rows[0]?.site).toBe('Main, "north" bank');
    expect(rows[1]?.line).toBe(4); // the quoted newline pushes the second row to line 4
    expect(rows[0]?.timestamp).toBe(Date.UTC(2024, 4, 1, 8, 30));
  });
});

describe('bad input', () => {
  it('empty file', async () => {
    const e = await fails(validateCsv(file(''), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_EMPTY');
    expect(e.message).toContain('empty (0 bytes)');
  });

  it('only comments: no header', async () => {
    const e = await fails(validateCsv(file('# nothing\n\n'), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_EMPTY');
    expect(e.message).toContain('no header line');
  });

  it('missing file and directory are UNREADABLE with the path and a fix', async () => {
    const missing = path.join(dir, 'missing.csv');
    const e = await fails(validateCsv(missing, wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_UNREADABLE');
    expect(e.message).toContain(missing);
    expect(e.hint).toContain('Check the path');
    const d = path.join(dir, 'adir');
    mkdirSync(d);
    expect((await fails(validateCsv(d, wp))).hint).toContain('not a directory');
  });

  it('binary file with NUL bytes names the line', async () => {
    const buf = Buffer.concat([Buffer.from(`${HEADER}\n${ROW0}\n`), Buffer.from([0x50, 0x4b, 0x00, 0x03])]);
    const e = await fails(validateCsv(file(buf), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_BINARY');
    expect(e.message).toMatch(/:3: found a NUL byte/);
  });

  it('invalid UTF-8 (e.g. Latin-1 export) names the line', async () => {
    const buf = Buffer.concat([Buffer.from(`${HEADER}\n${ROW0}\n`), Buffer.from([0x37, 0xb5, 0x0a])]);
    const e = await fails(validateCsv(file(buf), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_BINARY');
    expect(e.message).toMatch(/:3: found bytes that are not valid UTF-8/);
    expect(e.hint).toContain('UTF-8');
  });

  it('semicolon-separated file: says the delimiter is ";"', async () => {
    const e = await fails(validateCsv(file(`${HEADER.replaceAll(',', ';')}\n${ROW0.replaceAll(',', ';')}\n`), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_DELIMITER');
    expect(e.message).toContain('separated by ";"');
    expect(e.hint).toContain("--delimiter ';'");
  });

  it('accepts ";" when told so', async () => {
    const r = await validateCsv(file(`${HEADER.replaceAll(',', ';')}\n${ROW0.replaceAll(',', ';')}\n`), wp, {
      delimiter: ';',
    });
    expect(r.rows.accepted).toBe(1);
  });

  it('header mismatch lists expected vs found with did-you-mean', async () => {
    const bad = HEADER.replace('Sulfate', 'Sulphate').replace('Turbidity', 'Turbidty');
    const e = await fails(validateCsv(file(`${bad}\n${ROW0}\n`), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_HEADER');
    expect(e.message).toContain('"Sulfate" (did you mean "Sulphate"?)');
    expect(e.message).toContain('"Turbidity" (did you mean "Turbidty"?)');
    expect(e.message).toContain('Expected columns: ph,');
    expect(e.details.map((d) => d.path)).toContain(`${dir}/f${n - 1}.csv:1 Sulfate`);
  });

  it('extra columns are reported and ignored, or rejected with strict', async () => {
    const f = file(`${HEADER},lab_note\n${ROW0},ok\n`);
    const r = await validateCsv(f, wp);
    expect(r.header.extra).toEqual(['lab_note']);
    expect(r.rows.accepted).toBe(1);
    const e = await fails(validateCsv(f, wp, { strict: true }));
    expect(e.code).toBe('AQUAOPS_E_DATA_HEADER');
    expect(e.message).toContain('unknown "lab_note" (strict mode)');
  });

  it('repeated header column', async () => {
    const e = await fails(validateCsv(file(`${HEADER},ph\n${ROW0},7\n`), wp));
    expect(e.message).toContain('repeats column(s) ph');
  });

  it('junk cells reject the row with line, column, found value and fix', async () => {
    const f = file(
      `${HEADER}\n${ROW0}\n${ROW0.replace('7.1', '#NUM!')}\n${ROW0.replace('200.5', 'abc')}\n${ROW0.replace('20000', '"20000,5"')}\n${ROW1}\n`,
    );
    const r = await validateCsv(f, wp, { thresholds: { minRows: { warn: null, fail: null } } });
    expect(r.rows).toMatchObject({ read: 5, accepted: 2, rejected: 3 });
    expect(r.rows.byReason['not-a-number']).toBe(3);
    const ex = r.examples['not-a-number'] ?? [];
    expect(ex.map((x) => [x.line, x.column, x.found])).toEqual([
      [3, 'ph', '#NUM!'],
      [4, 'Hardness', 'abc'],
      [5, 'Solids', '20000,5'],
    ]);
    expect(ex[0]?.message).toContain(`${f}:3 column ph`);
    expect(ex[0]?.message).toContain('fix:');
    expect(r.columns[0]?.invalid).toBe(1);
    // 3 of 5 rejected: above the 50% fail threshold
    expect(r.status).toBe('fail');
    expect(r.rules.find((x) => x.id === 'rejected-rows')?.level).toBe('fail');
  });

  it('out-of-bounds values (pH 15, negative concentration) are invalid', async () => {
    const f = file(`${HEADER}\n${ROW0.replace('7.1', '15')}\n${ROW0.replace('330', '-2')}\n${ROW1}\n`);
    const r = await validateCsv(f, wp);
    expect(r.rows.byReason['out-of-bounds']).toBe(2);
    expect(r.columns.find((c) => c.name === 'ph')?.outOfBounds).toBe(1);
    expect(r.columns.find((c) => c.name === 'Sulfate')?.outOfBounds).toBe(1);
    expect(r.examples['out-of-bounds']?.[0]?.message).toContain('0..14 pH');
  });

  it('wrong field count on a middle row is a row error', async () => {
    const r = await validateCsv(file(`${HEADER}\n${ROW0},9\n${ROW1}\n`), wp);
    expect(r.examples['field-count']?.[0]).toMatchObject({ line: 2, found: '11 fields, expected 10' });
  });

  it('truncated last line fails the file-complete rule', async () => {
    const r = await validateCsv(file(`${HEADER}\n${ROW0}\n${ROW1}\n7.2,201,200`), wp);
    expect(r.rows.byReason.truncated).toBe(1);
    expect(r.examples.truncated?.[0]?.line).toBe(4);
    expect(r.rules.find((x) => x.id === 'file-complete')?.level).toBe('fail');
    expect(r.status).toBe('fail');
    const e = await fails(loadDataset(file(`${HEADER}\n${ROW0}\n${ROW1}\n7.2,201,200`), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_QUALITY_FAILED');
    expect(e.message).toContain('file-complete');
  });

  it('file ending inside a quoted field is TRUNCATED with the line', async () => {
    const e = await fails(validateCsv(file(`${HEADER}\n${ROW0}\n"7.2,201`), wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_TRUNCATED');
    expect(e.message).toMatch(/:3: the file ends inside a quoted field/);
  });

  it('a label with three values fails validation and refuses to load', async () => {
    const f = file(`${HEADER}\n${ROW0}\n${ROW1}\n${ROW0.replace(/0$/, '2')}\n`);
    const r = await validateCsv(f, wp);
    expect(r.rules.find((x) => x.id === 'label-binary')?.level).toBe('fail');
    expect(r.examples['label-value']?.[0]).toMatchObject({ line: 4, column: 'Potability', found: '2' });
    const e = await fails(loadDataset(f, wp));
    expect(e.code).toBe('AQUAOPS_E_DATA_LABEL');
    expect(e.message).toContain('3 distinct values');
    expect(e.message).toContain('"2" x1, first at line 4');
  });

  it('without a declared negative, a third label value is still caught', async () => {
    const s = parseSchema(
      'name: t\nversion: 1\ncolumns:\n  - { name: a, type: number }\n  - { name: y, type: string, role: label, positive: ok }\n',
      't.yaml',
    );
    const r = await validateCsv(file('a,y\n1,ok\n2,bad\n3,worse\n4,OK\n'), s);
    expect(r.label).toMatchObject({ positives: 2, negatives: 1, negative: 'bad' });
    expect(r.rows.byReason['label-value']).toBe(1);
    expect(r.examples['label-value']?.[0]?.found).toBe('worse');
  });

  it('boolean features read true/false/yes/no/1/0 as 1/0; other values are bad-boolean', async () => {
    const s = parseSchema(
      'name: t\nversion: 1\ncolumns:\n  - { name: f, type: boolean }\n  - { name: y, type: integer, role: label, positive: 1 }\n',
      't.yaml',
    );
    const f = file('f,y\nTrue,1\nno,0\n1,1\n0,0\nmaybe,1\n2,0\n,1\n');
    const r = await validateCsv(f, s);
    expect(r.rows.byReason['bad-boolean']).toBe(2);
    expect(r.examples['bad-boolean']?.map((x) => x.found)).toEqual(['maybe', '2']);
    const ds = await loadDataset(f, s, { allowFailed: true });
    expect([...ds.X.data]).toEqual([1, 0, 1, 0, Number.NaN]);
  });

  it('header without rows fails the min-rows rule', async () => {
    const r = await validateCsv(file(`${HEADER}\n`), wp);
    expect(r.rows.read).toBe(0);
    expect(r.rules.find((x) => x.id === 'min-rows')?.level).toBe('fail');
  });

  it('bad timestamps and missing ids reject the row', async () => {
    const river = await loadSchema('river-monitoring');
    const names = river.columns.filter((c) => c.required).map((c) => c.name);
    const row = (id: string, ts: string): string =>
      names
        .map((c) => (c === 'sample_id' ? id : c === 'sampled_at' ? ts : c === 'safe' ? 'no' : c === 'site' ? 'A' : '1'))
        .join(',');
    const f = file(`${names.join(',')}\n${row('s1', '2024-02-30x')}\n${row('', '2024-01-01')}\n${row('s3', '')}\n`);
    const r = await validateCsv(f, river);
    expect(r.examples['bad-timestamp']?.[0]).toMatchObject({ line: 2, column: 'sampled_at', found: '2024-02-30x' });
    expect(r.examples['missing-id']?.[0]).toMatchObject({ line: 3, column: 'sample_id' });
    expect(r.rows.accepted).toBe(1); // a missing timestamp is allowed
    expect(r.header.absentOptional).toEqual(['operator_note']);
  });

  it('missing label rejects the row', async () => {
    const r = await validateCsv(file(`${HEADER}\n${ROW0.replace(/,0$/, ',')}\n${ROW1}\n`), wp);
    expect(r.rows.byReason['missing-label']).toBe(1);
  });
});

describe('quality figures', () => {
  it('counts duplicate rows and duplicate ids with their lines', async () => {
    const f = file('id,a,b,y\nr1,1.5,2,yes\nr2,1.5,2,yes\nr1,3,4,no\nr4,3,4,no\nr5,3,4,yes\n');
    const r = await validateCsv(f, small);
    expect(r.duplicates.rows).toBe(2);
    expect(r.duplicates.examples).toEqual([
      { line: 3, firstLine: 2 },
      { line: 5, firstLine: 4 },
    ]);
    expect(r.duplicates.ids).toBe(1);
    expect(r.duplicates.idExamples[0]).toMatchObject({ id: 'r1', line: 4, firstLine: 2 });
    expect(r.rules.find((x) => x.id === 'duplicate-rows')?.level).toBe('warn');
  });

  it('flags constant columns and integer-typed junk', async () => {
    const r = await validateCsv(file('id,a,b,y\nr1,1,2,yes\nr2,1,2.5,no\nr3,1,3,no\n'), small);
    expect(r.examples['not-an-integer']?.[0]).toMatchObject({ line: 3, column: 'b', found: '2.5' });
    expect(r.columns.find((c) => c.name === 'a')?.constant).toBe(true);
    expect(r.rules.find((x) => x.id === 'constant-columns')?.message).toContain('a');
  });

  it('fails a column that is more than 50% missing', async () => {
    const r = await validateCsv(file('id,a,b,y\nr1,,2,yes\nr2,,3,no\nr3,1,3,no\n'), small);
    expect(r.rules.find((x) => x.id === 'missing:a')).toMatchObject({ level: 'fail' });
    expect(r.columns.find((c) => c.name === 'a')?.missingRate).toBeCloseTo(2 / 3, 12);
  });

  it('counts test rows identical to training rows (leakage)', async () => {
    const train = file('id,a,b,y\nr1,1,2,yes\nr2,3,4,no\nr3,5,6,no\n');
    const test = file('id,a,b,y\nt1,3,4,no\nt2,7,8,yes\nt3,1,2,no\n');
    const { train: tr, test: te } = await validateCsvPair(train, test, small);
    expect(tr.leakage).toBeUndefined();
    expect(te.leakage?.rows).toBe(2);
    expect(te.leakage?.examples).toEqual([
      { line: 2, firstLine: 3, trainLine: 3 },
      { line: 4, firstLine: 2, trainLine: 2 },
    ]);
    expect(te.rules.find((x) => x.id === 'train-test-leakage')?.level).toBe('fail');
  });

  it('guideline exceedance per guideline and per source', async () => {
    const f = file(`${HEADER}\n${ROW0}\n${ROW1.replace('70.1', '90')}\n`);
    const r = await validateCsv(f, wp);
    const thm = r.columns.find((c) => c.name === 'Trihalomethanes');
    expect(thm?.guidelines[0]).toMatchObject({ source: 'US EPA', exceed: 1, rate: 0.5 });
    const epa = r.guidelineSources.find((g) => g.source === 'US EPA');
    // Both rows exceed the EPA TDS (500) and turbidity (1 NTU) values.
    expect(epa?.rows).toBe(2);
  });
});

describe('readRows and loadDataset', () => {
  it('readRows stops early without hanging and yields rows in order', async () => {
    const lines = Array.from(
      { length: 5000 },
      (_, i) => `${(i % 14).toFixed(1)},200,20000,7,330,420,14,66,3.9,${i % 2}`,
    );
    const f = file(`${HEADER}\n${lines.join('\n')}\n`);
    const got: number[] = [];
    for await (const r of readRows(f, wp)) {
      got.push(r.line);
      if (got.length === 10) break;
    }
    expect(got).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    let count = 0;
    for await (const _ of readRows(f, wp)) count++;
    expect(count).toBe(5000);
  });

  it('an aborted signal stops the scan with the abort reason', async () => {
    const f = file(`${HEADER}\n${ROW0}\n`);
    const ac = new AbortController();
    ac.abort(new Error('stop now'));
    await expect(validateCsv(f, wp, { signal: ac.signal })).rejects.toThrow('stop now');
  });

  it('loadDataset is column-major in schema order with 0/1 labels, ids and lines', async () => {
    const f = file('y,b,id,a\nyes,2,r1,1.5\nno,4,r2,\nyes,6,r3,3.5\n');
    const ds = await loadDataset(f, small, { allowFailed: true });
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect([...ds.X.data]).toEqual([1.5, Number.NaN, 3.5, 2, 4, 6]);
    expect([...ds.y]).toEqual([1, 0, 1]);
    expect(ds.ids).toEqual(['r1', 'r2', 'r3']);
    expect([...ds.lines]).toEqual([2, 3, 4]);
  });
});

describe('tokenizer', () => {
  it('gives the same records whatever the chunk size (property)', async () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'a', ' 1.5 ', 'x"y', 'p,q', 'l1\nl2', 'é', '€'),
      fc.string({ maxLength: 6 }).filter((s) => !s.includes('\r') && !s.startsWith('#')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 17 }),
        fc.boolean(),
        async (rows, chunk, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const enc = (c: string): string =>
            /[",\n]/.test(c) || c.trim() !== c || c === '' ? `"${c.replaceAll('"', '""')}"` : c;
          const text = ['h1,h2,h3', ...rows.map((r) => r.map(enc).join(','))].join(eol) + eol;
          const f = file(text);
          const got: CsvRecord[] = [];
          for await (const b of readCsvRecords(f, {}, { chunkBytes: chunk })) got.push(...b);
          const expected = [['h1', 'h2', 'h3'], ...rows];
          expect(got.map((r) => r.fields)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
