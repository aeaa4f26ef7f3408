/** @aquaops/contracts — wire schemas and the error catalogue shared by API, CLI and docs. */
export { AquaopsError, errorCatalogue, errorCodeOf, isErrorCode } from './errors/index.js';
export type { ErrorCode, ErrorDetail } from './errors/index.js';
export type { ErrorEntry } from './errors/catalogue.js';
export type { FeatureSpec, Guideline, ModelSignature } from './signature.js';
