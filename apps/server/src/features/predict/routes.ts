/**
 * `POST /api/v1/predict`. The body schema shown in OpenAPI is built from the serving model's
 * signature; validation itself runs in the service against the model actually serving at request
 * time (which can change with a hot swap), so Fastify's own validator is switched off here.
 */
import { AquaopsError, PredictResponseSchema, type predictRequestSchema } from '@aquaops/contracts';
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
        description:
          'Every prediction carries its explanation unless the query says `explain=false` (the explanation is most of the cost of a prediction; leave it out when only verdicts are needed).',
        querystring: {
          type: 'object',
          properties: {
            explain: {
              type: 'string',
              enum: ['true', 'false'],
              default: 'true',
              description: 'Include the explanation.',
            },
          },
        },
        tags: ['predict'],
        body: docSchema ?? { type: ['object', 'array'], description: 'One sample or an array of samples.' },
        response: { 200: PredictResponseSchema, '4xx': { $ref: 'ErrorBody#' }, '5xx': { $ref: 'ErrorBody#' } },
      },
      validatorCompiler: () => () => true,
    },
    async (request) => {
      const started = process.hrtime.bigint();
      const explain = explainParam((request.query as Record<string, unknown> | undefined)?.explain);
      return { predictions: service.predict(request.body, String(request.id), started, { explain }) };
    },
  );
}

/** `?explain=`: absent or `true` → explained; `false` → not; anything else is a 400 naming the value. */
function explainParam(v: unknown): boolean {
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new AquaopsError('AQUAOPS_E_VALIDATION', 'the query parameter explain must be true or false', {
    hint: 'Leave it out (explanations are included) or send ?explain=false.',
    details: [{ path: '/querystring/explain', expected: '"true" or "false"', found: JSON.stringify(v) }],
  });
}
