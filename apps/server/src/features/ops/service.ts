/**
 * Read-only operations views for the web app: traffic per model version and route, the verdict
 * mix over time buckets, latency percentiles, feedback and realised accuracy (all from the
 * registry's prediction log, except latency, which comes from this process's Prometheus
 * histogram), recent predictions, version artifacts and an alias's audit trail.
 */
import { AquaopsError, type AliasHistory, type OpsPredictions, type OpsSummary } from '@aquaops/contracts';
import type { OpsSource } from '../../adapters/registry.js';
import type { ModelManager } from '../../model/manager.js';
import type { ServerMetrics } from '../metrics/metrics.js';

interface HistogramValue {
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly value: number;
  readonly metricName?: string;
}

/** p-quantile (0–1) from cumulative histogram buckets by linear interpolation inside the bucket. */
export function histogramQuantile(buckets: readonly { le: number; count: number }[], q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

function unavailable(): AquaopsError {
  return new AquaopsError('AQUAOPS_E_NOT_FOUND', 'this server runs without a registry, so it has no operations data', {
    hint: 'Start it with AQUAOPS_STORE_URL pointing at the registry (aquaops serve does).',
  });
}

export class OpsService {
  constructor(
    private readonly ops: OpsSource | undefined,
    private readonly manager: ModelManager,
    private readonly metrics: ServerMetrics,
  ) {}

  private get source(): OpsSource {
    if (this.ops === undefined) throw unavailable();
    return this.ops;
  }

  async latency(): Promise<OpsSummary['latency']> {
    const got = (await this.metrics.predictionDuration.get()) as { values: readonly HistogramValue[] };
    const perRoute = new Map<string, { le: number; count: number }[]>();
    for (const v of got.values) {
      if (v.metricName?.endsWith('_bucket') !== true) continue;
      const route = String(v.labels.route ?? '');
      const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
      const list = perRoute.get(route) ?? [];
      list.push({ le, count: v.value });
      perRoute.set(route, list);
    }
    const out: OpsSummary['latency'] = {};
    const ms = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e3);
    for (const [route, buckets] of perRoute) {
      out[route] = {
        count: Math.max(0, ...buckets.map((b) => b.count)),
        p50Ms: ms(histogramQuantile(buckets, 0.5)),
        p95Ms: ms(histogramQuantile(buckets, 0.95)),
        p99Ms: ms(histogramQuantile(buckets, 0.99)),
      };
    }
    return out;
  }

  async summary(hours: number, bucketMinutes: number, now = Date.now()): Promise<OpsSummary> {
    const src = this.source;
    const model = this.manager.name;
    const bucketMs = bucketMinutes * 60_000;
    const since = new Date(now - hours * 3_600_000).toISOString();
    const [buckets, totals, accuracy, latency] = await Promise.all([
      src.predictionCounts({ model, since, bucketMs }),
      src.predictionCounts({ model, since }),
      src.realisedAccuracy({ model, since }),
      this.latency(),
    ]);
    const traffic = new Map<string, { version: number; route: string; count: number }>();
    for (const c of totals) {
      const key = `${c.version}|${c.route}`;
      const t = traffic.get(key) ?? { version: c.version, route: c.route, count: 0 };
      t.count += c.count;
      traffic.set(key, t);
    }
    const verdicts = buckets
      .filter((c) => c.bucket !== null)
      .map((c) => ({ bucket: c.bucket!, version: c.version, verdict: c.verdict, count: c.count }))
      .sort((a, b) => a.bucket.localeCompare(b.bucket) || a.version - b.version || a.verdict.localeCompare(b.verdict));
    const cur = this.manager.serving?.model;
    return {
      model,
      since,
      bucketMs,
      serving:
        cur === undefined
          ? null
          : cur.alias === undefined
            ? { version: cur.version }
            : { version: cur.version, alias: cur.alias },
      traffic: [...traffic.values()].sort((a, b) => a.version - b.version || a.route.localeCompare(b.route)),
      verdicts,
      latency,
      feedback: {
        count: accuracy.reduce((s, a) => s + a.n, 0),
        byVersion: accuracy.map((a) => ({
          version: a.version,
          route: a.route,
          n: a.n,
          tp: a.tp,
          fp: a.fp,
          tn: a.tn,
          fn: a.fn,
          accuracy: a.accuracy,
        })),
      },
    };
  }

  async predictions(limit: number): Promise<OpsPredictions> {
    const rows = await this.source.recentPredictions({ model: this.manager.name, limit });
    return {
      predictions: rows.map((p) => ({
        id: p.id,
        ts: p.ts,
        version: p.version,
        route: p.route,
        verdict: p.outputs.verdict,
        probability: p.outputs.probability,
        latencyMs: p.latencyMs,
        inputs: { ...p.inputs },
        feedback: p.feedback === null ? null : p.feedback.label,
      })),
    };
  }

  async artifact(name: string, version: number, artifact: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    return this.source.artifact(name, version, artifact);
  }

  async aliasHistory(name: string, alias: string): Promise<AliasHistory> {
    const events = await this.source.aliasHistory(name, alias);
    return {
      name,
      alias,
      events: events.map((e) => ({
        id: e.id,
        from: e.fromVersion,
        to: e.toVersion,
        actor: e.actor,
        reason: e.reason,
        at: e.at,
        metrics: { ...e.metrics },
      })),
    };
  }
}
