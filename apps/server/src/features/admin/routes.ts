/** Admin routes (Bearer API key): alias promotion/rollback, and A/B routing (stored in the registry). */
import {
  type AliasRequest,
  AliasParamsSchema,
  AliasRequestSchema,
  AliasResponseSchema,
  type Routing,
  RoutingSchema,
} from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { ApiKeyHash } from '../../config.js';
import { bearerAuth } from './auth.js';
import type { AdminService } from './service.js';

export function adminRoutes(app: FastifyInstance, service: AdminService, hashes: readonly ApiKeyHash[]): void {
  const auth = bearerAuth(hashes);
  const errors = { '4xx': { $ref: 'ErrorBody#' }, '5xx': { $ref: 'ErrorBody#' } };
  app.post<{ Params: { name: string; alias: string }; Body: AliasRequest }>(
    '/api/v1/admin/models/:name/aliases/:alias',
    {
      onRequest: auth,
      schema: {
        summary: 'Point an alias at a version (promotion or rollback); the version is verified first',
        tags: ['admin'],
        security: [{ bearer: [] }],
        params: AliasParamsSchema,
        body: AliasRequestSchema,
        response: { 200: AliasResponseSchema, ...errors },
      },
    },
    async (request) => service.setAlias(request.params.name, request.params.alias, request.body, `api:${request.ip}`),
  );
  app.get(
    '/api/v1/admin/routing',
    {
      onRequest: auth,
      schema: {
        summary: 'The A/B weights, sticky key field and shadow version stored in the registry',
        tags: ['admin'],
        security: [{ bearer: [] }],
        response: { 200: RoutingSchema, ...errors },
      },
    },
    async () => service.getRouting(),
  );
  app.put<{ Body: Routing }>(
    '/api/v1/admin/routing',
    {
      onRequest: auth,
      schema: {
        summary:
          'Set A/B weights, the sticky key field and the shadow version; stored in the registry, every server process applies it within its poll interval',
        tags: ['admin'],
        security: [{ bearer: [] }],
        body: RoutingSchema,
        response: { 200: RoutingSchema, ...errors },
      },
    },
    async (request) =>
      service.setRouting(request.body, `api:${request.ip}`, `PUT /api/v1/admin/routing (request ${request.id})`),
  );
}
