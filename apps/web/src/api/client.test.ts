import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, type FetchLike, normaliseHistory } from './client.js';

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('ApiClient', () => {
  it('turns an error body into an ApiError with code, hint and details', async () => {
    const fetchImpl: FetchLike = async () =>
      json(400, {
        code: 'AQUAOPS_E_VALIDATION',
        message: 'invalid body',
        hint: 'Fix the fields',
        details: [{ path: '/ph', expected: 'a number <= 14', got: '15' }],
        requestId: 'req-1',
      });
    const err = await new ApiClient({ fetch: fetchImpl }).predict([{ ph: 15 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'AQUAOPS_E_VALIDATION',
      hint: 'Fix the fields',
      requestId: 'req-1',
    });
    expect((err as ApiError).details[0]?.path).toBe('/ph');
  });

  it('refuses a prediction without an explanation (the views draw it)', async () => {
    const fetchImpl: FetchLike = async () =>
      json(200, { predictions: [{ predictionId: 'p', verdict: 'potable', probability: 0.7 }] });
    await expect(new ApiClient({ fetch: fetchImpl }).predict([{ ph: 7 }])).rejects.toThrow(/without an explanation/);
  });

  it('reports an unreachable server in words', async () => {
    const fetchImpl: FetchLike = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(new ApiClient({ fetch: fetchImpl }).models()).rejects.toThrow(/Cannot reach the aquaops server/);
  });

  it('optional(): a missing route is undefined, a missing thing is still an error', async () => {
    const missingRoute: FetchLike = async () =>
      json(404, { code: 'AQUAOPS_E_NOT_FOUND', message: 'no route GET /x', details: [], requestId: 'r' });
    expect(await new ApiClient({ fetch: missingRoute }).aliasHistory('m', 'champion')).toBeUndefined();
    const missingModel: FetchLike = async () =>
      json(404, { code: 'AQUAOPS_E_NOT_FOUND', message: 'model m has no version 9', details: [], requestId: 'r' });
    await expect(new ApiClient({ fetch: missingModel }).artifact('m', 9, 'evaluation.json')).rejects.toThrow(
      /no version 9/,
    );
  });

  it('sends the sample as one object, a batch as an array, and the admin key as a bearer token', async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchImpl: FetchLike = async (url, init) => {
      seen.push({ url, init });
      return json(200, { predictions: [] });
    };
    const c = new ApiClient({ baseUrl: 'http://h/', fetch: fetchImpl });
    await c.predict([{ ph: 7 }]);
    await c.predict([{ ph: 7 }, { ph: 8 }]);
    await c.setAlias('m', 'champion', 2, 'why', 'k'.repeat(20));
    expect(seen[0]?.url).toBe('http://h/api/v1/predict');
    expect(JSON.parse(String(seen[0]?.init?.body))).toEqual({ ph: 7 });
    expect(JSON.parse(String(seen[1]?.init?.body))).toHaveLength(2);
    expect(seen[2]?.url).toBe('http://h/api/v1/admin/models/m/aliases/champion');
    expect((seen[2]!.init!.headers as Record<string, string>).authorization).toBe(`Bearer ${'k'.repeat(20)}`);
  });
});

describe('normaliseHistory', () => {
  it('reads the server audit shape, newest first', () => {
    const out = normaliseHistory(
      {
        name: 'm',
        alias: 'champion',
        events: [
          { id: 1, from: null, to: 1, actor: 'train', reason: 'first', at: '2026-01-01T00:00:00Z', metrics: {} },
          { id: 2, from: 1, to: 2, actor: 'api', reason: 'better', at: '2026-01-02T00:00:00Z', metrics: {} },
        ],
      },
      'champion',
    );
    expect(out.map((e) => [e.previous, e.version, e.actor])).toEqual([
      [1, 2, 'api'],
      [null, 1, 'train'],
    ]);
  });
});
