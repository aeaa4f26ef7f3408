/** API wire schemas (TypeBox): one schema each for validation, TypeScript types and OpenAPI. */
export { ErrorBodySchema, ErrorDetailSchema } from './errors.js';
export type { ErrorBody, ErrorDetailBody } from './errors.js';
export { FeedbackRequestSchema, FeedbackResponseSchema } from './feedback.js';
export type { FeedbackRequest, FeedbackResponse } from './feedback.js';
export {
  V2ErrorSchema,
  V2InferRequestSchema,
  V2InferResponseSchema,
  V2LiveSchema,
  V2ModelMetadataSchema,
  V2ReadySchema,
  V2TensorSchema,
} from './kserve.js';
export type { V2InferRequest, V2InferResponse, V2ModelMetadata } from './kserve.js';
export {
  AliasParamsSchema,
  AliasRequestSchema,
  AliasResponseSchema,
  ModelListSchema,
  ModelPathParamsSchema,
  ModelVersionDetailSchema,
  ModelVersionSummarySchema,
  RoutingSchema,
} from './models.js';
export type { AliasRequest, Routing } from './models.js';
export {
  ExplanationSchema,
  GuidelineFlagSchema,
  PredictionSchema,
  PredictResponseSchema,
  predictRequestSchema,
  sampleSchema,
} from './predict.js';
export type { GuidelineFlag, Prediction, PredictResponse } from './predict.js';
export {
  AliasHistorySchema,
  ArtifactParamsSchema,
  OpsPredictionsQuerySchema,
  OpsPredictionsSchema,
  OpsSummaryQuerySchema,
  OpsSummarySchema,
} from './ops.js';
export type { AliasHistory, OpsPredictions, OpsSummary } from './ops.js';
