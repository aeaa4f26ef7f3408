/**
 * Wire schemas of `POST /api/v1/feedback`: the true label for an earlier prediction, given as
 * 0/1 or as the model's verdict word. Recording is idempotent; a different label is a conflict.
 */
import { type Static, Type } from '@sinclair/typebox';

export const FeedbackRequestSchema = Type.Object(
  {
    predictionId: Type.String({ format: 'uuid' }),
    label: Type.Union([Type.Literal(0), Type.Literal(1), Type.String({ minLength: 1, maxLength: 64 })], {
      description: '1/0 or the verdict word (e.g. `potable` / `not_potable`).',
    }),
  },
  { $id: 'FeedbackRequest', additionalProperties: false },
);
export type FeedbackRequest = Static<typeof FeedbackRequestSchema>;

export const FeedbackResponseSchema = Type.Object(
  {
    predictionId: Type.String(),
    label: Type.Union([Type.Literal(0), Type.Literal(1)]),
    recordedAt: Type.String({ format: 'date-time' }),
    created: Type.Boolean({ description: 'false when the same label had already been recorded.' }),
  },
  { $id: 'FeedbackResponse', additionalProperties: false },
);
export type FeedbackResponse = Static<typeof FeedbackResponseSchema>;
