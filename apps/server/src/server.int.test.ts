/**
 * Over a real socket (127.0.0.1, ephemeral port): hot swaps under steady load with zero failed
 * requests, refusal of a bad version, a failing prediction sink (dropped entries counted, serving
 * unaffected, recovery), shadow scoring off the response path, rate limiting, CORS, request ids
 * and log redaction.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { startServer, type RunningServer } from './main.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from './model/memory.js';
import type { ServedMatrix } from './model/types.js';
import {
  ADMIN_KEY,
  GOOD_SAMPLE,
  LogisticFixture,
  SIGNATURE,
  fittedModel,
  syntheticData,
  testConfig,
} from './testing/fixtures.js';
import type { ServerConfig } from './config.js';

/** Passes verification (≤ 2 rows) but fails on real batches: a shadow model that errors. */
class FailsOnBatches extends LogisticFixture {
  override predictProba(X: ServedMatrix): Float64Array {
    if (X.nRows > 2) throw new Error('boom');
    return super.predictProba(X);
  }
}

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(overrides: Partial<ServerConfig> = {}, logStream?: NodeJS.WritableStream) {
  const source = new InMemoryModelSource();
  source.addVersion({ name: 'water-potability', classifier: fittedModel(1), signature: SIGNATURE });
  source.addVersion({ name: 'water-potability', classifier: fittedModel(2), signature: SIGNATURE });
  source.addVersion({
    name: 'water-potability',
    classifier: fittedModel(3),
    signature: SIGNATURE,
    checksum: 'sha256:bad',
  });
  const { rows, y } = syntheticData(100, 4);
  source.addVersion({
    name: 'water-potability',
    classifier: new FailsOnBatches(9).fit(rows, y, 20),
    signature: SIGNATURE,
  });
  await source.setAlias('water-potability', 'champion', 1, { reason: 'initial', actor: 'test' });
  const sink = new InMemoryPredictionSink();
  const deps = {
    source,
    admin: source,
    sink,
    feedback: new InMemoryFeedbackStore(),
    processMetrics: false,
    ...(logStream === undefined ? {} : { logStream }),
  };
  running = await startServer(deps, testConfig({ host: '127.0.0.1', port: 0, ...overrides }));
  return { url: running.url, source, sink, srv: running };
}

const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(name)) total += Number(line.split(' ').at(-1));
  return total;
}

describe('serving over a socket', () => {
  it('swaps twice under fixed-rate load with zero non-2xx responses', async () => {
    const { url } = await start({ rateLimit: { max: 100_000, windowMs: 60_000 } });
    const statuses: number[] = [];
    const versions = new Set<number>();
    const inflight: Promise<void>[] = [];
    const fire = () =>
      inflight.push(
        postJson(`${url}/api/v1/predict`, GOOD_SAMPLE).then(async (r) => {
          statuses.push(r.status);
          if (r.ok)
            versions.add(
              ((await r.json()) as { predictions: { model: { version: number } }[] }).predictions[0]!.model.version,
            );
        }),
      );
    const timer = setInterval(fire, 4); // ~250 requests/s
    await new Promise((r) => setTimeout(r, 300));
    const a = await postJson(
      `${url}/api/v1/admin/models/water-potability/aliases/champion`,
      { version: 2, reason: 'promote' },
      auth,
    );
    expect(a.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const b = await postJson(
      `${url}/api/v1/admin/models/water-potability/aliases/champion`,
      { version: 1, reason: 'rollback' },
      auth,
    );
    expect(b.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    clearInterval(timer);
    await Promise.all(inflight);
    expect(statuses.length).toBeGreaterThan(30); // loose: the machine is shared; what matters is zero failures
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect([...versions].sort()).toEqual([1, 2]);
  });

  it('refuses a bad version (422) and keeps serving the old one', async () => {
    const { url } = await start();
    const r = await postJson(
      `${url}/api/v1/admin/models/water-potability/aliases/champion`,
      { version: 3, reason: 'oops' },
      auth,
    );
    expect(r.status).toBe(422);
    expect(((await r.json()) as { code: string }).code).toBe('AQUAOPS_E_MODEL_REJECTED');
    const p = (await (await postJson(`${url}/api/v1/predict`, GOOD_SAMPLE)).json()) as {
      predictions: { model: { version: number } }[];
    };
    expect(p.predictions[0]!.model.version).toBe(1);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('keeps serving while the sink is down, counts dropped entries, and recovers', async () => {
    const { url, sink, srv } = await start();
    sink.failing = true;
    for (let i = 0; i < 5; i++)
      expect((await postJson(`${url}/api/v1/predict`, [GOOD_SAMPLE, GOOD_SAMPLE])).status).toBe(200);
    await expect
      .poll(() => metric(url, 'aquaops_prediction_log_dropped_total'), { timeout: 5000, interval: 50 })
      .toBeGreaterThanOrEqual(10);
    sink.failing = false;
    expect((await postJson(`${url}/api/v1/predict`, GOOD_SAMPLE)).status).toBe(200);
    await expect.poll(() => sink.records.length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(1);
    expect(srv.predictionLog.dropped).toBeGreaterThanOrEqual(10);
  });

  it('scores the shadow version off the response path and counts its errors', async () => {
    const { url, sink } = await start();
    const put = (body: unknown) =>
      fetch(`${url}/api/v1/admin/routing`, { method: 'PUT', headers: auth, body: JSON.stringify(body) });
    expect((await put({ variants: [], shadowVersion: 2 })).status).toBe(200);
    const res = (await (await postJson(`${url}/api/v1/predict`, GOOD_SAMPLE)).json()) as {
      predictions: { predictionId: string; model: { version: number } }[];
    };
    expect(res.predictions[0]!.model.version).toBe(1);
    await expect.poll(() => sink.records.filter((r) => r.shadow).length, { timeout: 3000 }).toBe(1);
    const shadow = sink.records.find((r) => r.shadow)!;
    expect([shadow.predictionId, shadow.model.version, shadow.route]).toEqual([
      res.predictions[0]!.predictionId,
      2,
      'shadow',
    ]);
    expect((await put({ variants: [], shadowVersion: 4 })).status).toBe(200);
    expect((await postJson(`${url}/api/v1/predict`, [GOOD_SAMPLE, GOOD_SAMPLE, GOOD_SAMPLE])).status).toBe(200);
    await expect.poll(() => metric(url, 'aquaops_shadow_errors_total'), { timeout: 3000 }).toBe(1);
  });

  it('rate-limits per client with 429 and a code', async () => {
    const { url } = await start({ rateLimit: { max: 3, windowMs: 60_000 } });
    const codes: number[] = [];
    let last: { code?: string } = {};
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${url}/api/v1/models`);
      codes.push(r.status);
      last = (await r.json()) as { code?: string };
    }
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(last.code).toBe('AQUAOPS_E_RATE_LIMITED');
    expect((await fetch(`${url}/livez`)).status).toBe(200); // probes are never limited
  });

  it('applies the CORS allow-list, security headers and request ids; never logs the API key', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const { url } = await start({ corsOrigins: ['https://app.example.org'], logLevel: 'info' }, stream);
    const ok = await fetch(`${url}/api/v1/models`, {
      headers: { origin: 'https://app.example.org', 'x-request-id': 'trace-123' },
    });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
    expect(ok.headers.get('x-request-id')).toBe('trace-123');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(ok.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    const other = await fetch(`${url}/api/v1/models`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await postJson(`${url}/api/v1/admin/routing`, {}, { authorization: `Bearer ${ADMIN_KEY}` });
    await postJson(`${url}/api/v1/admin/models/water-potability/aliases/champion`, { version: 9, reason: 'x' }, auth);
    const log = lines.join('');
    expect(log).toContain('"reqId":"trace-123"');
    expect(log).not.toContain(ADMIN_KEY);
  });

  it('answers a server-side failure with 500, a code and the request id, never a stack', async () => {
    const { url } = await start();
    expect(
      (
        await postJson(
          `${url}/api/v1/admin/models/water-potability/aliases/champion`,
          { version: 4, reason: 'x' },
          auth,
        )
      ).status,
    ).toBe(200);
    const r = await postJson(`${url}/api/v1/predict`, [GOOD_SAMPLE, GOOD_SAMPLE, GOOD_SAMPLE], {
      'x-request-id': 'req-500',
    });
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'AQUAOPS_E_INTERNAL', requestId: 'req-500' });
    expect(text).not.toMatch(/boom|stack|at .*\.ts/);
  });

  it('does not crash when no model can be loaded at start', async () => {
    const source = new InMemoryModelSource();
    const built = await buildApp(
      { source, sink: new InMemoryPredictionSink(), feedback: new InMemoryFeedbackStore(), processMetrics: false },
      testConfig(),
    );
    expect((await built.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await built.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(503);
    await built.app.close();
  });
});
