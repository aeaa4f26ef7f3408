/** End-to-end tests of the HTTP API through `inject()`: predictions, validation, feedback, models, admin, health. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, GOOD_SAMPLE, SIGNATURE, type TestServer, testServer } from './testing/fixtures.js';

let srv: TestServer | undefined;
/** One app for the read-only validation cases (keeps the file fast). */
let shared: TestServer | undefined;
beforeAll(async () => {
  shared = await testServer();
});
afterAll(async () => {
  await shared?.app.close();
});
afterEach(async () => {
  await srv?.app.close();
  srv = undefined;
});

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

async function post(s: TestServer, url: string, body: unknown, headers: Record<string, string> = {}) {
  return s.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

describe('POST /api/v1/predict', () => {
  it('predicts one sample with verdict, explanation that adds up, reasons and guideline flags', async () => {
    srv = await testServer();
    const res = await post(srv, '/api/v1/predict', GOOD_SAMPLE);
    expect(res.statusCode).toBe(200);
    const p = res.json().predictions[0];
    expect(p.model).toEqual({ name: 'water-potability', version: 1, alias: 'champion' });
    expect(p.verdict).toBe(p.probability >= p.threshold ? 'potable' : 'not_potable');
    expect(p.predictionId).toMatch(/^[0-9a-f-]{36}$/);
    // base + sum(phi) is the log-odds of p (tolerance 1e-9); probability contributions sum to p - p_base.
    const sumPhi = p.explanation.contributions.reduce((s: number, c: { phi: number }) => s + c.phi, 0);
    expect(1 / (1 + Math.exp(-(p.explanation.base + sumPhi)))).toBeCloseTo(p.probability, 9);
    const sumP = p.explanation.contributions.reduce((s: number, c: { probability: number }) => s + c.probability, 0);
    expect(sumP).toBeCloseTo(p.probability - p.explanation.baseProbability, 9);
    expect(p.explanation.reasons.length).toBeGreaterThan(0);
    expect(p.explanation.reasons.join('|')).toMatch(/Sulfate 480 mg\/L pushed toward not potable/);
    const sulfate = p.guidelines.flags.find((f: { feature: string }) => f.feature === 'Sulfate');
    expect(sulfate).toMatchObject({ status: 'exceeds', source: 'US EPA', max: 250, healthBased: false });
    expect(p.guidelines.note).toMatch(/NOT the model's verdict/);
    expect(res.headers['x-request-id']).toBeTypeOf('string');
    await srv.predictionLog.flush();
    expect(srv.sink.records.map((r) => r.predictionId)).toContain(p.predictionId);
  });

  it('accepts explicit null as missing and lists it', async () => {
    srv = await testServer();
    const res = await post(srv, '/api/v1/predict', [{ ...GOOD_SAMPLE, ph: null, Sulfate: null }, GOOD_SAMPLE]);
    expect(res.statusCode).toBe(200);
    const [a, b] = res.json().predictions;
    expect(a.missing).toEqual(['ph', 'Sulfate']);
    expect(b.missing).toEqual([]);
  });

  it.each([
    ['string number', { ...GOOD_SAMPLE, ph: '7' }, '/ph'],
    ['NaN string', { ...GOOD_SAMPLE, ph: 'NaN' }, '/ph'],
    ['Infinity string', { ...GOOD_SAMPLE, Turbidity: 'Infinity' }, '/Turbidity'],
    ['out of bounds', { ...GOOD_SAMPLE, ph: 15 }, '/ph'],
    ['unknown field', { ...GOOD_SAMPLE, lead: 3 }, '/lead'],
    ['absent feature', Object.fromEntries(Object.entries(GOOD_SAMPLE).filter(([k]) => k !== 'Solids')), '/Solids'],
    ['boolean', { ...GOOD_SAMPLE, Hardness: true }, '/Hardness'],
  ])('rejects %s with a field-level 400', async (_name, body, path) => {
    const res = await post(shared!, '/api/v1/predict', body);
    expect(res.statusCode).toBe(400);
    const e = res.json();
    expect(e.code).toBe('AQUAOPS_E_VALIDATION');
    expect(e.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(e.details[0]).toHaveProperty('expected');
    expect(e.details[0]).toHaveProperty('got');
    expect(e.requestId).toBe(res.headers['x-request-id']);
  });

  it('names the row in batch errors; too many rows → 413; empty → 400; bad type → 415; huge → 413', async () => {
    srv = await testServer({ maxRows: 3, bodyLimitBytes: 4096 });
    const bad = await post(srv, '/api/v1/predict', [GOOD_SAMPLE, { ...GOOD_SAMPLE, ph: -1 }]);
    expect(bad.json().details[0].path).toBe('/1/ph');
    const many = await post(srv, '/api/v1/predict', [GOOD_SAMPLE, GOOD_SAMPLE, GOOD_SAMPLE, GOOD_SAMPLE]);
    expect([many.statusCode, many.json().code]).toEqual([413, 'AQUAOPS_E_TOO_MANY_ROWS']);
    const empty = await post(srv, '/api/v1/predict', []);
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'AQUAOPS_E_VALIDATION']);
    const noBody = await srv.app.inject({ method: 'POST', url: '/api/v1/predict' });
    expect(noBody.statusCode).toBe(400);
    const text = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict',
      headers: { 'content-type': 'text/plain' },
      payload: 'ph=7',
    });
    expect([text.statusCode, text.json().code]).toEqual([415, 'AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE']);
    const huge = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', ...json({ x: 'a'.repeat(5000) }) });
    expect([huge.statusCode, huge.json().code]).toEqual([413, 'AQUAOPS_E_PAYLOAD_TOO_LARGE']);
    const broken = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"ph": NaN}',
    });
    expect([broken.statusCode, broken.json().code]).toEqual([400, 'AQUAOPS_E_BAD_JSON']);
  });

  it('is 503 with a code and /readyz is 503 while no model is loaded', async () => {
    srv = await testServer({}, { champion: false });
    const res = await post(srv, '/api/v1/predict', GOOD_SAMPLE);
    expect([res.statusCode, res.json().code]).toEqual([503, 'AQUAOPS_E_MODEL_NOT_READY']);
    const ready = await srv.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect((await srv.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
  });
});

describe('POST /api/v1/feedback', () => {
  it('is idempotent and 409 on a conflicting label', async () => {
    srv = await testServer();
    const id = (await post(srv, '/api/v1/predict', GOOD_SAMPLE)).json().predictions[0].predictionId;
    const a = await post(srv, '/api/v1/feedback', { predictionId: id, label: 'potable' });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ label: 1, created: true });
    const b = await post(srv, '/api/v1/feedback', { predictionId: id, label: 1 });
    expect(b.json()).toMatchObject({ label: 1, created: false, recordedAt: a.json().recordedAt });
    const c = await post(srv, '/api/v1/feedback', { predictionId: id, label: 'not_potable' });
    expect([c.statusCode, c.json().code]).toEqual([409, 'AQUAOPS_E_FEEDBACK_CONFLICT']);
    const d = await post(srv, '/api/v1/feedback', { predictionId: 'nope', label: 1 });
    expect([d.statusCode, d.json().code]).toEqual([400, 'AQUAOPS_E_VALIDATION']);
    const metrics = (await srv.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/aquaops_feedback_total\{label="1",result="created"\} 1/);
  });
});

describe('models and admin', () => {
  it('lists versions and describes one with signature and card', async () => {
    srv = await testServer();
    const list = (await srv.app.inject({ method: 'GET', url: '/api/v1/models' })).json();
    expect(list.models.map((m: { version: number }) => m.version)).toEqual([1, 2]);
    expect(list.serving).toEqual({ name: 'water-potability', version: 1, alias: 'champion' });
    const one = await srv.app.inject({ method: 'GET', url: '/api/v1/models/water-potability/versions/1' });
    expect(one.json().signature.features).toHaveLength(SIGNATURE.features.length);
    expect(one.json().card).toEqual({ intendedUse: 'tests' });
    expect(
      (await srv.app.inject({ method: 'GET', url: '/api/v1/models/water-potability/versions/9' })).statusCode,
    ).toBe(404);
    expect(
      (await srv.app.inject({ method: 'GET', url: '/api/v1/models/water-potability/versions/abc' })).statusCode,
    ).toBe(400);
  });

  it('requires a Bearer key: 401 without, 403 wrong, 200 right; promotion swaps the served model', async () => {
    srv = await testServer();
    const url = '/api/v1/admin/models/water-potability/aliases/champion';
    const body = { version: 2, reason: 'better AUC' };
    const none = await post(srv, url, body);
    expect([none.statusCode, none.json().code]).toEqual([401, 'AQUAOPS_E_UNAUTHORIZED']);
    // Authentication comes before body validation: no schema details leak to anonymous callers.
    expect((await post(srv, url, { bogus: 1 })).statusCode).toBe(401);
    const wrong = await post(srv, url, body, { authorization: 'Bearer wrong-key-wrong-key-123' });
    expect([wrong.statusCode, wrong.json().code]).toEqual([403, 'AQUAOPS_E_FORBIDDEN']);
    const ok = await post(srv, url, body, { authorization: `Bearer ${ADMIN_KEY}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ name: 'water-potability', alias: 'champion', version: 2, previous: 1, serving: true });
    const p = (await post(srv, '/api/v1/predict', GOOD_SAMPLE)).json().predictions[0];
    expect(p.model.version).toBe(2);
    expect(p.threshold).toBe(0.45);
    const info = (await srv.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(info).toMatch(/aquaops_model_info\{name="water-potability",version="2",alias="champion"\} 1/);
    expect(info).not.toMatch(/aquaops_model_info\{name="water-potability",version="1"/);
    expect(info).toMatch(/aquaops_predictions_total\{model_version="2",verdict="(not_)?potable",route="default"\} 1/);
    expect(info).toMatch(
      /aquaops_http_requests_total\{method="POST",route="\/api\/v1\/admin\/models\/:name\/aliases\/:alias",status_code="401"\} 2/,
    );
  });

  it('A/B routing is sticky per unit key and follows the weights', async () => {
    srv = await testServer();
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const r = await srv.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/routing',
      headers: { 'content-type': 'application/json', ...auth },
      payload: JSON.stringify({
        variants: [
          { version: 1, weight: 1 },
          { version: 2, weight: 1 },
        ],
        stickyKey: 'siteId',
      }),
    });
    expect(r.statusCode).toBe(200);
    const batch = Array.from({ length: 200 }, (_, i) => ({ ...GOOD_SAMPLE, siteId: `site-${i}` }));
    const first = (await post(srv, '/api/v1/predict', batch)).json().predictions;
    const again = (await post(srv, '/api/v1/predict', batch)).json().predictions;
    expect(again.map((p: { model: { version: number } }) => p.model.version)).toEqual(
      first.map((p: { model: { version: number } }) => p.model.version),
    );
    const v2 = first.filter((p: { model: { version: number } }) => p.model.version === 2).length;
    // 50/50 over 200 units: binomial sd ≈ 7, accept ±40.
    expect(v2).toBeGreaterThan(60);
    expect(v2).toBeLessThan(140);
    expect(first[0].route).toMatch(/^ab:[12]$/);
  });
});
