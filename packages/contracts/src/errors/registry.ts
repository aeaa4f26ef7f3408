/**
 * Error codes of experiment tracking and the model registry: store connection and schema
 * problems, compare-and-swap conflicts on aliases, and artifacts whose bytes no longer match
 * the checksum recorded at registration. Each code names one thing the user can act on.
 */
import type { Catalogue } from './catalogue.js';

export const registryErrors = {
  AQUAOPS_E_REGISTRY_CONFLICT: {
    status: 409,
    title: 'The alias or version changed since it was read (compare-and-swap failed); re-read and retry.',
  },
  AQUAOPS_E_REGISTRY_UNAVAILABLE: { status: 503, title: 'The registry store cannot be reached or opened.' },
  AQUAOPS_E_REGISTRY_SCHEMA: {
    status: 500,
    title: 'The registry database schema is newer than this code or a migration failed.',
  },
  AQUAOPS_E_REGISTRY_INVALID: { status: 400, title: 'A run, model version or prediction record is malformed.' },
  AQUAOPS_E_ARTIFACT_CORRUPT: {
    status: 422,
    title: 'A stored artifact does not match its sha256 checksum (corrupt or tampered).',
  },
  AQUAOPS_E_ARTIFACT_MISSING: { status: 404, title: 'An artifact referenced by a model version is not in the store.' },
} as const satisfies Catalogue;
