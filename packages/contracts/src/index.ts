/** @aquaops/contracts — wire schemas and the error catalogue shared by API, CLI and docs. */
export { AquaopsError, errorCatalogue, errorCodeOf, isErrorCode } from './errors/index.js';
export type { ErrorCode, ErrorDetail } from './errors/index.js';
export type { ErrorEntry } from './errors/catalogue.js';
export type { FeatureSpec, Guideline, ModelSignature } from './signature.js';
export {
  AliasParamsSchema,
  AliasRequestSchema,
  AliasResponseSchema,
  ErrorBodySchema,
  ErrorDetailSchema,
  ExplanationSchema,
  FeedbackRequestSchema,
  FeedbackResponseSchema,
  GuidelineFlagSchema,
  ModelListSchema,
  ModelPathParamsSchema,
  ModelVersionDetailSchema,
  ModelVersionSummarySchema,
  PredictionSchema,
  PredictResponseSchema,
  predictRequestSchema,
  RoutingSchema,
  sampleSchema,
  V2ErrorSchema,
  V2InferRequestSchema,
  V2InferResponseSchema,
  V2LiveSchema,
  V2ModelMetadataSchema,
  V2ReadySchema,
  V2TensorSchema,
} from './api/index.js';
export {
  AliasHistorySchema,
  ArtifactParamsSchema,
  OpsPredictionsQuerySchema,
  OpsPredictionsSchema,
  OpsSummaryQuerySchema,
  OpsSummarySchema,
} from './api/index.js';
export type { AliasHistory, OpsPredictions, OpsSummary } from './api/index.js';
export type {
  AliasRequest,
  ErrorBody,
  ErrorDetailBody,
  FeedbackRequest,
  FeedbackResponse,
  GuidelineFlag,
  Prediction,
  PredictResponse,
  Routing,
  V2InferRequest,
  V2InferResponse,
  V2ModelMetadata,
} from './api/index.js';
