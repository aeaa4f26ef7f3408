import { describe, expect, it } from 'vitest';
import { ApiClient, type FetchLike } from '../api/client.js';
import type { FeatureSpec } from '../api/types.js';
import { BatchAbortedError, normaliseBatchLine, resultsCsv, sampleAtLine, scoreCsv, viaPredict } from './batch.js';

const FEATURES: FeatureSpec[] = [
  { name: 'ph', type: 'number', min: 0, max: 14 },
  { name: 'Turbidity', type: 'number', min: 0, max: 100 },
];

const notFound = (path: string): Response =>
  new Response(
    JSON.stringify({ code: 'AQUAOPS_E_NOT_FOUND', message: `no route POST ${path}`, details: [], requestId: 'r' }),
    {
      status: 404,
      headers: { 'content-type': 'application/json' },
    },
  );

/** A stand-in server: no batch route; /predict scores p = ph / 14 and records each call's size. */
function fakeServer(calls: number[]): FetchLike {
  return async (url, init) => {
    if (url.endsWith('/api/v1/predict/batch')) return notFound('/api/v1/predict/batch');
    const body = JSON.parse(String(init?.body)) as Record<string, number | null> | Record<string, number | null>[];
    const list = Array.isArray(body) ? body : [body];
    calls.push(list.length);
    const predictions = list.map((s, i) => {
      const p = (s.ph ?? 7) / 14;
      // The real /predict always explains unless asked not to; the client insists on it.
      const explanation = { space: 'probability', base: 0.5, baseProbability: 0.5, contributions: [], reasons: [] };
      return {
        predictionId: `id-${calls.length}-${i}`,
        verdict: p >= 0.5 ? 'potable' : 'not_potable',
        probability: p,
        explanation,
      };
    });
    return new Response(JSON.stringify({ predictions }), { status: 200 });
  };
}

describe('normaliseBatchLine (server NDJSON)', () => {
  it('reads scored rows, bad rows and throws on the trailer', () => {
    expect(normaliseBatchLine({ line: 2, verdict: 'potable', probability: 0.8, predictionId: 'x' })).toEqual({
      line: 2,
      ok: true,
      verdict: 'potable',
      probability: 0.8,
      predictionId: 'x',
    });
    expect(
      normaliseBatchLine({
        line: 3,
        error: { code: 'AQUAOPS_E_VALIDATION', field: 'ph', expected: 'a number 0–14', got: '"99"' },
      }),
    ).toEqual({ line: 3, ok: false, errors: [{ path: 'ph', message: 'expected a number 0–14, got "99"' }] });
    expect(() => normaliseBatchLine({ error: { code: 'X', message: 'the upload has more than 10 rows' } })).toThrow(
      BatchAbortedError,
    );
  });
});

describe('scoring a CSV without the batch route', () => {
  it('falls back to /predict in chunks, keeps line numbers, reports bad rows and progress', async () => {
    const calls: number[] = [];
    const client = new ApiClient({ fetch: fakeServer(calls) });
    const csv = 'Turbidity,ph\n1,7\n2,abc\n\n3,14\n4,\n5,1\n';
    const progress: number[] = [];
    const r = await scoreCsv(client, csv, FEATURES, { chunkSize: 2, onProgress: (p) => progress.push(p.done) });
    expect(r.via).toBe('predict');
    expect(r.rows.map((x) => [x.line, x.ok])).toEqual([
      [2, true],
      [3, false],
      [5, true],
      [6, true],
      [7, true],
    ]);
    expect(calls).toEqual([2, 2]);
    expect(progress.at(-1)).toBe(5);
    const bad = r.rows[1];
    expect(bad?.ok === false && bad.errors[0]?.path).toBe('ph');
    const row5 = r.rows[2];
    expect(row5?.ok === true && row5.probability).toBeCloseTo(1, 12);
    // Missing values are sent as null and scored (p = 7/14 in the stand-in).
    const row6 = r.rows[3];
    expect(row6?.ok === true && row6.probability).toBeCloseTo(0.5, 12);
  });

  it('names missing columns in the header', async () => {
    const client = new ApiClient({ fetch: fakeServer([]) });
    await expect(viaPredict(client, 'ph\n7\n', FEATURES)).rejects.toThrow(/lacks the column Turbidity/);
  });
});

describe('scoring a CSV with the streaming batch route', () => {
  it('reads NDJSON as it streams and reports progress', async () => {
    const lines = [
      '{"line":2,"verdict":"potable","probability":0.9}\n',
      '{"line":3,"error":{"code":"E","field":"ph","expected":"a number","got":"\\"x\\""}}\n{"line":4,"verdict":"not_po',
      'table","probability":0.1}\n',
    ];
    const fetchImpl: FetchLike = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            for (const l of lines) c.enqueue(new TextEncoder().encode(l));
            c.close();
          },
        }),
        { status: 200, headers: { 'content-type': 'application/x-ndjson' } },
      );
    const seen: number[] = [];
    const r = await scoreCsv(new ApiClient({ fetch: fetchImpl }), 'ph,Turbidity\n1,1\nx,1\n2,2\n', FEATURES, {
      onProgress: (p) => seen.push(p.done),
    });
    expect(r.via).toBe('batch');
    expect(r.rows.map((x) => x.line)).toEqual([2, 3, 4]);
    expect(r.rows[2]).toMatchObject({ ok: true, verdict: 'not_potable' });
    expect(seen.at(-1)).toBe(3);
  });
});

describe('results CSV and lookup', () => {
  it('writes one line per row with the error text', () => {
    const text = resultsCsv([
      { line: 2, ok: true, verdict: 'potable', probability: 0.91234, predictionId: 'a' },
      { line: 3, ok: false, errors: [{ path: 'ph', message: 'expected a number' }] },
    ]);
    expect(text).toBe(
      'line,verdict,probability,prediction_id,error\r\n2,potable,0.9123,a,\r\n3,,,,ph: expected a number\r\n',
    );
  });
  it('finds the sample on a file line', () => {
    expect(sampleAtLine('Turbidity,ph\n1,7\n\n2,\n', 4, FEATURES)).toEqual({ ph: null, Turbidity: 2 });
    expect(sampleAtLine('Turbidity,ph\n1,7\n', 9, FEATURES)).toBeUndefined();
  });
});
