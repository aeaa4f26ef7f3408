/**
 * Batch scoring through the app (in-memory boundaries, `inject`): CSV and NDJSON in and out,
 * `Accept` choosing the output, per-row errors with line numbers that do not abort the batch,
 * explanations, header problems as a 400 before any output, the row limit as a trailer record,
 * sampled prediction logging, and the line reader / CSV splitter on awkward input.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { GOOD_SAMPLE, SIGNATURE, type TestServer, testServer } from '../../testing/fixtures.js';
import { BodyTooLargeError, LineSource, splitCsvRecord } from './lines.js';

const NAMES = SIGNATURE.features.map((f) => f.name);
const VALUES = NAMES.map((n) => GOOD_SAMPLE[n] as number);

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.app.close();
  srv = undefined;
});

const ndjsonLines = (body: string) =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('splitCsvRecord', () => {
  it('splits plain and quoted fields, doubled quotes, and reports an open quote', () => {
    expect(splitCsvRecord('1,2,,3')).toEqual(['1', '2', '', '3']);
    expect(splitCsvRecord('"a,b",2,"say ""hi""",')).toEqual(['a,b', '2', 'say "hi"', '']);
    expect(splitCsvRecord('1,"open')).toBeUndefined();
  });
});

describe('LineSource', () => {
  it('cuts lines across chunk boundaries, keeps split UTF-8 characters, strips CR and BOM', async () => {
    const bytes = Buffer.from('\uFEFFa,µ\r\nb,€\n\nlast', 'utf8');
    const chunks = [...bytes].map((b) => Buffer.from([b])); // one byte at a time
    const src = new LineSource(Readable.from(chunks), 1000);
    const got: [number, string][] = [];
    for (let l = await src.next(); l !== undefined; l = await src.next()) got.push([l.no, l.text]);
    expect(got).toEqual([
      [1, 'a,µ'],
      [2, 'b,€'],
      [3, ''],
      [4, 'last'],
    ]);
  });

  it('stops at the byte limit', async () => {
    const src = new LineSource(Readable.from([Buffer.alloc(600, 97), Buffer.alloc(600, 97)]), 1000);
    await expect(async () => {
      while ((await src.next()) !== undefined);
    }).rejects.toBeInstanceOf(BodyTooLargeError);
  });
});

describe('POST /api/v1/predict/batch', () => {
  it('scores CSV (columns in any order, extra columns ignored) and answers CSV', async () => {
    srv = await testServer();
    const header = ['Potability', ...[...NAMES].reverse()].join(',');
    const row = ['1', ...[...VALUES].reverse()].join(',');
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch',
      headers: { 'content-type': 'text/csv' },
      payload: `${header}\r\n${row}\r\n${row}\r\n`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('line,verdict,probability,predictionId,error_code,error_field,error_expected,error_got');
    expect(lines).toHaveLength(3);
    // Same probability as the single-sample endpoint (tolerance: exact same model and inputs → 1e-12).
    const single = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: GOOD_SAMPLE });
    const p = single.json().predictions[0].probability as number;
    const cells = lines[1]!.split(',');
    expect(cells[0]).toBe('2');
    expect(Math.abs(Number(cells[2]) - p)).toBeLessThan(1e-12);
    expect(cells[1]).toBe(single.json().predictions[0].verdict);
    expect(lines[2]!.split(',')[0]).toBe('3');
  });

  it('scores NDJSON, reports bad rows with line numbers without aborting, and explains on request', async () => {
    srv = await testServer();
    const good = JSON.stringify(GOOD_SAMPLE);
    const body = [
      good,
      '{"ph": 7',
      '',
      JSON.stringify({ ...GOOD_SAMPLE, ph: 99 }),
      JSON.stringify({ ...GOOD_SAMPLE, Sulfate: 'high' }),
      JSON.stringify({ ...GOOD_SAMPLE, Turbidity: undefined }),
      '[1,2]',
      JSON.stringify({ ...GOOD_SAMPLE, siteId: 'S-9' }),
    ].join('\n');
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch?explain=true',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const out = ndjsonLines(res.body);
    expect(out.map((o) => o.line)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    expect(out[0]).toMatchObject({ line: 1, verdict: expect.any(String), probability: expect.any(Number) });
    const contrib = out[0]!.contributions as Record<string, number>;
    expect(Object.keys(contrib)).toEqual(NAMES);
    expect(out[1]).toMatchObject({ line: 2, error: { code: 'AQUAOPS_E_BAD_JSON', field: '' } });
    expect(out[2]).toMatchObject({
      line: 4,
      error: { code: 'AQUAOPS_E_VALIDATION', field: 'ph', expected: 'a number 0–14', got: '99' },
    });
    expect(out[3]).toMatchObject({ line: 5, error: { field: 'Sulfate', expected: 'a number or null', got: '"high"' } });
    expect(out[4]).toMatchObject({ line: 6, error: { field: 'Turbidity', got: 'nothing' } });
    expect(out[5]).toMatchObject({
      line: 7,
      error: { code: 'AQUAOPS_E_VALIDATION', expected: 'a JSON object of feature values' },
    });
    expect(out[6]).toMatchObject({ line: 8, passthrough: { siteId: 'S-9' } });
  });

  it('lets Accept pick CSV output for NDJSON input, and NDJSON for CSV', async () => {
    srv = await testServer();
    const a = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch',
      headers: { 'content-type': 'application/x-ndjson', accept: 'text/csv' },
      payload: JSON.stringify(GOOD_SAMPLE),
    });
    expect(a.headers['content-type']).toContain('text/csv');
    expect(a.body.split('\n')[1]!.startsWith('1,')).toBe(true);
    const b = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch',
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
      payload: `${NAMES.join(',')}\n${VALUES.join(',')}\n,${VALUES.slice(1).join(',')}\n`,
    });
    const out = ndjsonLines(b.body);
    expect(out[0]!.line).toBe(2);
    // The fixture model handles missing values, so an empty ph is scored, not an error.
    expect(out[1]!.line).toBe(3);
    expect(out[1]!.probability).toEqual(expect.any(Number));
  });

  it('refuses a CSV header lacking features with a 400 naming them, and other media types with 415', async () => {
    srv = await testServer();
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch',
      headers: { 'content-type': 'text/csv' },
      payload: `${NAMES.slice(2).join(',')}\n1,2,3\n`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('ph, Hardness');
    expect(res.json().details.map((d: { path: string }) => d.path)).toEqual(['line 1/ph', 'line 1/Hardness']);
    const json = await srv.app.inject({ method: 'POST', url: '/api/v1/predict/batch', payload: [GOOD_SAMPLE] });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE');
  });

  it('ends with a trailer error record past the row limit, after scoring the rows within it', async () => {
    srv = await testServer({ batch: { maxRows: 3, bodyLimitBytes: 1 << 20, logEvery: 1 } });
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict/batch',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: Array.from({ length: 5 }, () => JSON.stringify(GOOD_SAMPLE)).join('\n'),
    });
    const out = ndjsonLines(res.body);
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).every((o) => typeof o.predictionId === 'string')).toBe(true);
    expect(out[3]).toMatchObject({ error: { code: 'AQUAOPS_E_TOO_MANY_ROWS', rowsRead: 3, rowsScored: 3 } });
    // logEvery = 1: every scored row reaches the prediction log, with the id returned.
    await srv.predictionLog.flush();
    await new Promise((r) => setTimeout(r, 60));
    const logged = srv.sink.records.filter((r) => r.route === 'batch').map((r) => r.predictionId);
    expect(logged.sort()).toEqual(
      out
        .slice(0, 3)
        .map((o) => o.predictionId as string)
        .sort(),
    );
  });
});
