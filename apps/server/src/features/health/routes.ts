/**
 * Liveness and readiness. `/livez` answers as long as the process serves HTTP; `/readyz` is 200
 * only while a verified model is loaded (load balancers stop sending traffic otherwise) and says
 * which one, or why none is.
 */
import type { FastifyInstance } from 'fastify';
import { errorBody } from '../../errors.js';
import type { ModelManager } from '../../model/manager.js';

export function healthRoutes(app: FastifyInstance, manager: ModelManager): void {
  app.get('/livez', { schema: { summary: 'Liveness', tags: ['health'] } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: a verified model is loaded', tags: ['health'] } },
    async (request, reply) => {
      const cur = manager.serving;
      if (cur === undefined) {
        return reply.status(503).send(
          errorBody('AQUAOPS_E_MODEL_NOT_READY', 'no verified model is loaded', String(request.id), {
            hint: manager.lastError ?? `Waiting for model ${manager.name} (${manager.ref}).`,
          }),
        );
      }
      const m = cur.model;
      return {
        status: 'ready',
        model: {
          name: m.name,
          version: m.version,
          alias: m.alias ?? null,
          checksum: m.checksum,
          loadedAt: cur.loadedAt,
        },
        lastError: manager.lastError ?? null,
      };
    },
  );
}
