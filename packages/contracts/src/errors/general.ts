/** General and ML-engine error codes. The ML codes mirror `MlErrorCode` in @aquaops/ml. */
import type { Catalogue } from './catalogue.js';

export const generalErrors = {
  AQUAOPS_E_INTERNAL: { status: 500, title: 'An unexpected error; the request id identifies it in the logs.' },
  AQUAOPS_E_USAGE: { status: 400, title: 'A command or request was called with wrong arguments.' },
  AQUAOPS_E_CONFIG: { status: 500, title: 'The configuration (environment or file) is invalid.' },
  AQUAOPS_E_NOT_FOUND: { status: 404, title: 'The requested resource does not exist.' },
  AQUAOPS_E_ML_INVALID_ARGUMENT: { status: 400, title: 'A model parameter or input value is invalid.' },
  AQUAOPS_E_ML_SHAPE_MISMATCH: { status: 400, title: 'The input does not have the shape the model expects.' },
  AQUAOPS_E_ML_EMPTY_DATA: { status: 400, title: 'No rows or no features to work with.' },
  AQUAOPS_E_ML_ONE_CLASS: { status: 400, title: 'Training labels contain only one class.' },
  AQUAOPS_E_ML_NON_FINITE_LABEL: { status: 400, title: 'A training label is missing or not a number.' },
  AQUAOPS_E_ML_MISSING_NOT_SUPPORTED: {
    status: 400,
    title: 'The model cannot take missing values without an imputer.',
  },
  AQUAOPS_E_ML_NOT_FITTED: { status: 409, title: 'The model has not been fitted yet.' },
  AQUAOPS_E_MODEL_FORMAT: {
    status: 422,
    title: 'A model file is not a valid aquaops model (unknown version or malformed).',
  },
  AQUAOPS_E_MODEL_CHECKSUM: { status: 422, title: 'A model file does not match its checksum (corrupt or tampered).' },
} as const satisfies Catalogue;
