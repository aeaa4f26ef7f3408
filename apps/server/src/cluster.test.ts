/**
 * The multi-worker pieces that run without forking: the restart back-off and give-up rule, the
 * `/metrics` route answering with an installed aggregate (or a catalogue 503 when it cannot be
 * had), and prom-client's merge of several workers' registries with the aggregators declared in
 * metrics.ts — counters and histograms summed, the model-info gauge not counted per worker.
 */
import { AggregatorRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RESTART, type RestartPolicy, restartDelay } from './cluster.js';
import { createMetrics } from './features/metrics/metrics.js';
import { setMetricsAggregate } from './features/metrics/routes.js';
import { testServer } from './testing/fixtures.js';

describe('restartDelay', () => {
  it('doubles from the initial pause up to the cap, then gives up past maxConsecutive', () => {
    const p: RestartPolicy = { initialDelayMs: 100, maxDelayMs: 1000, maxConsecutive: 6, stableAfterMs: 1 };
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, p))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(restartDelay(7, p)).toBeUndefined();
  });

  it('by default restarts quickly at first and stops a crash loop within about a minute', () => {
    expect(restartDelay(1)).toBe(DEFAULT_RESTART.initialDelayMs);
    let total = 0;
    let n = 1;
    for (let d = restartDelay(n); d !== undefined; d = restartDelay(++n)) total += d;
    expect(n - 1).toBe(DEFAULT_RESTART.maxConsecutive);
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(120_000);
  });
});

describe('/metrics with an aggregate source', () => {
  afterEach(() => setMetricsAggregate(undefined));

  it('answers with the aggregate text instead of the local registry', async () => {
    const srv = await testServer();
    try {
      setMetricsAggregate(async () => 'aquaops_predictions_total{model_version="1"} 42\n');
      const res = await srv.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('aquaops_predictions_total{model_version="1"} 42\n');
      expect(res.headers['content-type']).toContain('text/plain');
      setMetricsAggregate(undefined);
      const local = await srv.app.inject({ method: 'GET', url: '/metrics' });
      expect(local.body).toContain('# TYPE aquaops_predictions_total counter');
    } finally {
      await srv.app.close();
    }
  });

  it('is a 503 with the catalogue code when the aggregate cannot be had', async () => {
    const srv = await testServer();
    try {
      setMetricsAggregate(async () => {
        throw new Error('the primary process did not answer within 5000 ms');
      });
      const res = await srv.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(503);
      const body = res.json() as { code: string; message: string; hint?: string };
      expect(body.code).toBe('AQUAOPS_E_METRICS_UNAVAILABLE');
      expect(body.message).toContain('did not answer within 5000 ms');
      expect(body.hint).toMatch(/Retry the scrape/);
    } finally {
      await srv.app.close();
    }
  });
});

describe('merging workers’ registries', () => {
  it('sums counters and histograms and keeps the model-info gauge at 1', async () => {
    const workers = [createMetrics({ defaultMetrics: false }), createMetrics({ defaultMetrics: false })];
    workers.forEach((m, i) => {
      m.predictions.inc({ model_version: '3', verdict: 'potable', route: 'default' }, 10 + i);
      m.predictionDuration.observe({ route: 'default' }, 0.002);
      m.modelInfo.set({ name: 'water-potability', version: '3', alias: 'champion' }, 1);
    });
    // Mid-rollout the second worker has already swapped to version 4.
    workers[1]?.modelInfo.reset();
    workers[1]?.modelInfo.set({ name: 'water-potability', version: '4', alias: 'champion' }, 1);
    const json = await Promise.all(workers.map((m) => m.registry.getMetricsAsJSON()));
    // What travels over the cluster channel is JSON.
    const text = await AggregatorRegistry.aggregate(JSON.parse(JSON.stringify(json)) as object[]).metrics();
    expect(text).toContain('aquaops_predictions_total{model_version="3",verdict="potable",route="default"} 21');
    expect(text).toContain('aquaops_prediction_duration_seconds_count{route="default"} 2');
    expect(text).toContain('aquaops_prediction_duration_seconds_bucket{le="0.0025",route="default"} 2');
    expect(text).toContain('aquaops_model_info{name="water-potability",version="3",alias="champion"} 1');
    expect(text).toContain('aquaops_model_info{name="water-potability",version="4",alias="champion"} 1');
    workers[0]?.modelInfo.reset();
    workers[0]?.modelInfo.set({ name: 'water-potability', version: '4', alias: 'champion' }, 1);
    const after = await AggregatorRegistry.aggregate(
      await Promise.all(workers.map((m) => m.registry.getMetricsAsJSON())),
    ).metrics();
    expect(after.match(/^aquaops_model_info\{.*$/gm)).toEqual([
      'aquaops_model_info{name="water-potability",version="4",alias="champion"} 1',
    ]);
  });
});
