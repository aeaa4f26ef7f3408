/**
 * Property test: arbitrary JSON bodies, content types, methods and headers sent to every route
 * never produce a 5xx, and every 4xx carries a catalogue code (bounded runs, fixed seed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, GOOD_SAMPLE, type TestServer, testServer } from './testing/fixtures.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await testServer({ rateLimit: { max: 1_000_000, windowMs: 60_000 }, maxRows: 20 });
});
afterAll(async () => {
  await srv.app.close();
});

const ROUTES = [
  '/api/v1/predict',
  '/api/v1/feedback',
  '/api/v1/models',
  '/api/v1/models/water-potability/versions/1',
  '/api/v1/models/water-potability/versions/x%00',
  '/api/v1/admin/models/water-potability/aliases/champion',
  '/api/v1/admin/routing',
  '/livez',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/v2/health/live',
  '/v2/health/ready',
  '/v2/models/water-potability',
  '/v2/models/water-potability/ready',
  '/v2/models/water-potability/infer',
  '/v2/models/%E2%82%AC/infer',
  '/nowhere',
  '/docs/',
  '/docs/static/nothing.js',
];

const ENDPOINTS: readonly (readonly [string, string])[] = [
  ['POST', '/api/v1/predict'],
  ['POST', '/api/v1/predict'],
  ['POST', '/api/v1/feedback'],
  ['GET', '/api/v1/models'],
  ['GET', '/api/v1/models/water-potability/versions/1'],
  ['GET', '/api/v1/models/water-potability/versions/x%00'],
  ['POST', '/api/v1/admin/models/water-potability/aliases/champion'],
  ['POST', '/api/v1/admin/models/water-potability/aliases/Bad%20Alias'],
  ['PUT', '/api/v1/admin/routing'],
  ['GET', '/livez'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/v2/models/water-potability'],
  ['GET', '/v2/models/water-potability/ready'],
  ['POST', '/v2/models/water-potability/infer'],
  ['POST', '/v2/models/%E2%82%AC/infer'],
];

/** Bodies: arbitrary JSON, near-valid samples with one field replaced, and raw strings. */
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record({ key: fc.constantFrom(...Object.keys(GOOD_SAMPLE), 'extra', '__proto__'), value: fc.jsonValue() })
    .map(({ key, value }) => JSON.stringify({ ...GOOD_SAMPLE, [key]: value })),
  fc.array(fc.constant(GOOD_SAMPLE), { maxLength: 25 }).map((a) => JSON.stringify(a)),
  fc.string({ maxLength: 200 }),
  fc
    .record({ version: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.jsonValue()), reason: fc.string() })
    .map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        variants: fc.array(
          fc.record({ version: fc.integer({ min: 0, max: 6 }), weight: fc.double({ min: -1, max: 2, noNaN: true }) }),
          { maxLength: 3 },
        ),
        stickyKey: fc.constantFrom('siteId', 'ph', 'nope', ''),
        shadowVersion: fc.constantFrom(null, 1, 2, 7, 0),
      },
      { requiredKeys: ['variants'] },
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom('', '{', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', 'null', '[]', '1e999'),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/xml',
      'multipart/form-data',
      '',
    ),
    authorization: fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
      fc.constant(`Bearer ${ADMIN_KEY}`),
      fc.constant(`Bearer ${ADMIN_KEY}`),
    ),
    'x-request-id': fc.string({ maxLength: 140 }),
    accept: fc.constantFrom('application/json', 'text/html', '*/*', 'x/y'),
  },
  { requiredKeys: [] },
);

const seen: Record<number, number> = {};
describe('fuzz: every route', () => {
  it('never answers 5xx and every 4xx has a code', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Mostly real method/route pairs (so handlers are reached), sometimes any pair.
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...ENDPOINTS) },
          {
            weight: 1,
            arbitrary: fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), fc.constantFrom(...ROUTES)),
          },
        ),
        body,
        headers,
        async ([method, url], payload, hdrs) => {
          const clean = Object.fromEntries(Object.entries(hdrs).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v)));
          const res = await srv.app.inject({
            method,
            url,
            headers: clean,
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload }),
          });
          seen[res.statusCode] = (seen[res.statusCode] ?? 0) + 1;
          expect(res.statusCode, `${method} ${url} ${payload.slice(0, 80)}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const b = res.json() as { code?: string };
            expect(b.code, `${method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(
              /^AQUAOPS_E_[A-Z0-9_]+$/,
            );
          }
        },
      ),
      { numRuns: 600, seed: 20261126 },
    );
    // The run must reach real handlers, not only the router's 404 or the auth gate.
    console.info('fuzz status counts', seen);
    expect(seen[200] ?? 0).toBeGreaterThan(20);
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(6);
  });
});
