/**
 * Error codes of the REST API (apps/server): request validation, transport limits, auth, rate
 * limiting, feedback conflicts and model-serving state. Each maps to the HTTP status the API
 * answers with, so clients can branch on `code` and never need to parse messages.
 */
import type { Catalogue } from './catalogue.js';

export const serverErrors = {
  AQUAOPS_E_VALIDATION: { status: 400, title: 'The request body or parameters do not match the schema.' },
  AQUAOPS_E_BAD_JSON: { status: 400, title: 'The request body is not valid JSON.' },
  AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request content type is not application/json.' },
  AQUAOPS_E_PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is larger than the configured limit.' },
  AQUAOPS_E_TOO_MANY_ROWS: { status: 413, title: 'The request has more rows than the configured maximum.' },
  AQUAOPS_E_UNAUTHORIZED: { status: 401, title: 'An API key is required (Authorization: Bearer <key>).' },
  AQUAOPS_E_FORBIDDEN: { status: 403, title: 'The API key is not valid for this operation.' },
  AQUAOPS_E_RATE_LIMITED: { status: 429, title: 'Too many requests from this client; retry later.' },
  AQUAOPS_E_FEEDBACK_CONFLICT: {
    status: 409,
    title: 'Feedback for this prediction was already recorded with a different label.',
  },
  AQUAOPS_E_MODEL_NOT_READY: { status: 503, title: 'No verified model is loaded yet.' },
  AQUAOPS_E_MODEL_REJECTED: {
    status: 422,
    title: 'A model version failed verification (checksum, signature or smoke prediction).',
  },
  AQUAOPS_E_METHOD_NOT_ALLOWED: { status: 405, title: 'The route exists but not with this HTTP method.' },
  AQUAOPS_E_METRICS_UNAVAILABLE: {
    status: 503,
    title: 'The metrics of all worker processes could not be collected in time; retry the scrape.',
  },
} as const satisfies Catalogue;
