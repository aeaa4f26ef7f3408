/** `GET /metrics`: the app's Prometheus registry in text exposition format. */
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from './metrics.js';

export function metricsRoutes(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'] } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
