/**
 * Read-only operations routes for the web app: `/api/v1/ops/summary`, `/api/v1/ops/predictions`,
 * a model version's stored artifacts (evaluation report, curves, model card) with their recorded
 * content type, and an alias's audit trail.
 */
import {
  AliasHistorySchema,
  AliasParamsSchema,
  ArtifactParamsSchema,
  OpsPredictionsQuerySchema,
  OpsPredictionsSchema,
  OpsSummaryQuerySchema,
  OpsSummarySchema,
} from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { OpsService } from './service.js';

const errors = { '4xx': { $ref: 'ErrorBody#' }, '5xx': { $ref: 'ErrorBody#' } } as const;

export function opsRoutes(app: FastifyInstance, service: OpsService): void {
  app.get<{ Querystring: { hours?: string; bucketMinutes?: string } }>(
    '/api/v1/ops/summary',
    {
      schema: {
        summary:
          'Traffic per version and route, verdict mix over time, latency percentiles, feedback and realised accuracy',
        tags: ['ops'],
        querystring: OpsSummaryQuerySchema,
        response: { 200: OpsSummarySchema, ...errors },
      },
    },
    async (request) => service.summary(Number(request.query.hours ?? 24), Number(request.query.bucketMinutes ?? 60)),
  );
  app.get<{ Querystring: { limit?: string } }>(
    '/api/v1/ops/predictions',
    {
      schema: {
        summary: 'Recent predictions of the served model, newest first, with any feedback',
        tags: ['ops'],
        querystring: OpsPredictionsQuerySchema,
        response: { 200: OpsPredictionsSchema, ...errors },
      },
    },
    async (request) => service.predictions(Math.min(500, Number(request.query.limit ?? 50))),
  );
  app.get<{ Params: { name: string; version: string; artifact: string } }>(
    '/api/v1/models/:name/versions/:version/artifacts/:artifact',
    {
      schema: {
        summary:
          'One stored artifact of a version (evaluation.json, roc.svg, pr.svg, model-card.md, …), checksum-verified',
        tags: ['models'],
        params: ArtifactParamsSchema,
        response: {
          200: { description: 'The artifact bytes with their recorded content type.', type: 'string' },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { name, version, artifact } = request.params;
      const a = await service.artifact(name, Number(version), artifact);
      const type =
        /^(text\/|image\/svg\+xml|application\/json)/.test(a.contentType) && !a.contentType.includes('charset')
          ? `${a.contentType}; charset=utf-8`
          : a.contentType;
      // Immutable: a version's artifacts never change once registered.
      void reply.type(type).header('cache-control', 'public, max-age=31536000, immutable');
      return reply.send(Buffer.from(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength));
    },
  );
  app.get<{ Params: { name: string; alias: string } }>(
    '/api/v1/models/:name/aliases/:alias/history',
    {
      schema: {
        summary: 'Audit trail of an alias: every move with actor, reason, metrics and time (oldest first)',
        tags: ['models'],
        params: AliasParamsSchema,
        response: { 200: AliasHistorySchema, ...errors },
      },
    },
    async (request) => service.aliasHistory(request.params.name, request.params.alias),
  );
}
