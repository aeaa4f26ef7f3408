/**
 * Operations routes without a registry (a clear 404, not a crash), their presence in the
 * OpenAPI document, and the histogram quantile estimate behind the latency percentiles.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestServer, testServer } from '../../testing/fixtures.js';
import { histogramQuantile } from './service.js';

let srv: TestServer | undefined;
afterEach(async () => {
  await srv?.app.close();
  srv = undefined;
});

describe('histogramQuantile', () => {
  it('interpolates inside the bucket holding the rank and handles empty and +Inf buckets', () => {
    // 10 observations ≤ 1, 10 more in (1, 2], none above: the median is the top of the first bucket.
    const b = [
      { le: 1, count: 10 },
      { le: 2, count: 20 },
      { le: Number.POSITIVE_INFINITY, count: 20 },
    ];
    expect(histogramQuantile(b, 0.5)).toBeCloseTo(1, 12);
    expect(histogramQuantile(b, 0.75)).toBeCloseTo(1.5, 12);
    expect(histogramQuantile(b, 0.25)).toBeCloseTo(0.5, 12);
    expect(histogramQuantile([{ le: 1, count: 0 }], 0.5)).toBeNull();
    // Rank beyond the last finite bucket: report its bound, the best the histogram can say.
    expect(
      histogramQuantile(
        [
          { le: 1, count: 1 },
          { le: Number.POSITIVE_INFINITY, count: 4 },
        ],
        0.99,
      ),
    ).toBe(1);
  });
});

describe('ops routes', () => {
  it('answer 404 with a code and a hint when the server runs without a registry', async () => {
    srv = await testServer();
    for (const url of [
      '/api/v1/ops/summary',
      '/api/v1/ops/predictions',
      '/api/v1/models/water-potability/versions/1/artifacts/roc.svg',
      '/api/v1/models/water-potability/aliases/champion/history',
    ]) {
      const res = await srv.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('AQUAOPS_E_NOT_FOUND');
      expect(res.json().hint).toContain('AQUAOPS_STORE_URL');
    }
  });

  it('are in the OpenAPI document with the batch route', async () => {
    srv = await testServer();
    const doc = (await srv.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const p of [
      '/api/v1/ops/summary',
      '/api/v1/ops/predictions',
      '/api/v1/models/{name}/versions/{version}/artifacts/{artifact}',
      '/api/v1/models/{name}/aliases/{alias}/history',
      '/api/v1/predict/batch',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
