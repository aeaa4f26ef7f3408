/**
 * `POST /api/v1/predict`. The body schema shown in OpenAPI is built from the serving model's
 * signature; validation itself runs in the service against the model actually serving at request
 * time (which can change with a hot swap), so Fastify's own validator is switched off here.
 */
import { PredictResponseSchema, type predictRequestSchema } from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { PredictService } from './service.js';

export function predictRoutes(
  app: FastifyInstance,
  service: PredictService,
  docSchema: ReturnType<typeof predictRequestSchema> | undefined,
): void {
  app.post(
    '/api/v1/predict',
    {
      schema: {
        summary: 'Predict water-potability for one sample or a batch, with explanation and guideline flags',
        tags: ['predict'],
        body: docSchema ?? { type: ['object', 'array'], description: 'One sample or an array of samples.' },
        response: { 200: PredictResponseSchema, '4xx': { $ref: 'ErrorBody#' }, '5xx': { $ref: 'ErrorBody#' } },
      },
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const started = process.hrtime.bigint();
      return { predictions: service.predict(request.body, String(request.id), started) };
    },
  );
}
