/**
 * `GET /metrics`: the app's Prometheus registry in text exposition format. In a multi-worker
 * server (`AQUAOPS_WORKERS` > 1) a scrape reaches one worker at random, so its own counters would
 * be a fraction of the truth that changes from scrape to scrape; there the process entry installs
 * an aggregate source (the cluster primary, which merges every worker's registry) and this route
 * answers with that, or with a 503 when the aggregate cannot be had — never with one worker's
 * figures dressed up as the whole.
 */
import { AquaopsError } from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './metrics.js';

/** Resolves with the aggregated exposition text of every worker, or rejects saying why not. */
export type MetricsAggregate = () => Promise<string>;

// One server per worker process, and app.ts builds the route without knowing about clusters:
// the process entry sets this before the app is built.
let aggregate: MetricsAggregate | undefined;

/** Makes `/metrics` answer with `source`'s aggregate instead of the local registry (undefined = local). */
export function setMetricsAggregate(source: MetricsAggregate | undefined): void {
  aggregate = source;
}

export function metricsRoutes(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (_request, reply) => {
    const source = aggregate;
    if (source === undefined) {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    }
    let text: string;
    try {
      text = await source();
    } catch (err) {
      throw new AquaopsError(
        'AQUAOPS_E_METRICS_UNAVAILABLE',
        `the metrics of all worker processes could not be collected: ${(err as Error).message}`,
        { hint: 'Retry the scrape; if it keeps failing, see the server log for a stuck or restarting worker.' },
      );
    }
    return reply.type(metrics.registry.contentType).send(text);
  });
}
