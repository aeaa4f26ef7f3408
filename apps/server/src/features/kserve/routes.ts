/**
 * KServe V2 / Open Inference Protocol routes. Errors use the protocol's `{error}` shape, with the
 * catalogue `code` and the request id added so they stay traceable.
 */
import {
  type V2InferRequest,
  V2InferRequestSchema,
  V2InferResponseSchema,
  V2LiveSchema,
  V2ModelMetadataSchema,
} from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { ModelManager } from '../../model/manager.js';
import { toErrorResponse } from '../../errors.js';
import type { KserveService } from './service.js';

const NameParams = {
  type: 'object',
  properties: { m: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['m'],
} as const;

export function kserveRoutes(app: FastifyInstance, service: KserveService, manager: ModelManager): void {
  app.register(async (v2) => {
    v2.setErrorHandler((err, request, reply) => {
      const { status, body } = toErrorResponse(err, request);
      void reply
        .status(status)
        .send({ error: body.message, code: body.code, requestId: body.requestId, details: body.details });
    });
    const tags = ['kserve-v2'];
    v2.get('/v2/health/live', { schema: { tags, response: { 200: V2LiveSchema } } }, async () => ({ live: true }));
    v2.get('/v2/health/ready', { schema: { tags } }, async (request, reply) => {
      if (manager.ready) return { ready: true };
      return reply.status(503).send({
        ready: false,
        error: 'no model loaded',
        code: 'AQUAOPS_E_MODEL_NOT_READY',
        requestId: String(request.id),
      });
    });
    v2.get<{ Params: { m: string } }>(
      '/v2/models/:m',
      { schema: { tags, params: NameParams, response: { 200: V2ModelMetadataSchema } } },
      async (request) => service.metadata(request.params.m),
    );
    v2.get<{ Params: { m: string } }>(
      '/v2/models/:m/ready',
      { schema: { tags, params: NameParams } },
      async (request, reply) => {
        const m = request.params.m;
        if (service.ready(m)) return { name: m, ready: true };
        const known = m === manager.name;
        return reply.status(known ? 503 : 404).send({
          name: m,
          ready: false,
          error: known ? 'model not ready' : `unknown model "${m.slice(0, 100)}"`,
          code: known ? 'AQUAOPS_E_MODEL_NOT_READY' : 'AQUAOPS_E_NOT_FOUND',
          requestId: String(request.id),
        });
      },
    );
    v2.post<{ Params: { m: string }; Body: V2InferRequest }>(
      '/v2/models/:m/infer',
      { schema: { tags, params: NameParams, body: V2InferRequestSchema, response: { 200: V2InferResponseSchema } } },
      async (request) => service.infer(request.params.m, request.body, String(request.id)),
    );
  });
}
