/** `GET /api/v1/models` and `GET /api/v1/models/{name}/versions/{version}`. */
import { ModelListSchema, ModelPathParamsSchema, ModelVersionDetailSchema } from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { ModelsService } from './service.js';

export function modelsRoutes(app: FastifyInstance, service: ModelsService): void {
  app.get(
    '/api/v1/models',
    {
      schema: {
        summary: 'List model versions and the one being served',
        tags: ['models'],
        response: { 200: ModelListSchema },
      },
    },
    async () => service.list(),
  );
  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/models/:name/versions/:version',
    {
      schema: {
        summary: 'One model version: signature, metrics, model card',
        tags: ['models'],
        params: ModelPathParamsSchema,
        response: { 200: ModelVersionDetailSchema, '4xx': { $ref: 'ErrorBody#' } },
      },
    },
    async (request) => service.describe(request.params.name, Number(request.params.version)),
  );
}
