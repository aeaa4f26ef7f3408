/** `POST /api/v1/feedback`: record the true label of a prediction (idempotent; 409 on conflict). */
import { type FeedbackRequest, FeedbackRequestSchema, FeedbackResponseSchema } from '@aquaops/contracts';
import type { FastifyInstance } from 'fastify';
import type { FeedbackService } from './service.js';

export function feedbackRoutes(app: FastifyInstance, service: FeedbackService): void {
  app.post<{ Body: FeedbackRequest }>(
    '/api/v1/feedback',
    {
      schema: {
        summary: 'Record the true label of an earlier prediction',
        tags: ['feedback'],
        body: FeedbackRequestSchema,
        response: { 200: FeedbackResponseSchema, '4xx': { $ref: 'ErrorBody#' }, '5xx': { $ref: 'ErrorBody#' } },
      },
    },
    async (request) => service.record(request.body),
  );
}
