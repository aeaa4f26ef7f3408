/**
 * Error codes of the data layer (dataset schemas, CSV ingest, quality reports, sample data).
 * Every one of them is the caller's to fix — a bad file, a bad schema, a bad argument — so they
 * map to 4xx statuses; messages name the file, line, column and what was found.
 */
import type { Catalogue } from './catalogue.js';

export const dataErrors = {
  AQUAOPS_E_DATA_SCHEMA_INVALID: {
    status: 422,
    title: 'A dataset schema file is malformed or inconsistent.',
  },
  AQUAOPS_E_DATA_SCHEMA_NOT_FOUND: {
    status: 404,
    title: 'No dataset schema file or built-in schema has that name.',
  },
  AQUAOPS_E_DATA_UNREADABLE: { status: 422, title: 'A data file cannot be opened, read or written.' },
  AQUAOPS_E_DATA_EMPTY: { status: 422, title: 'A data file has no header or no data rows.' },
  AQUAOPS_E_DATA_BINARY: {
    status: 422,
    title: 'A data file is not UTF-8 text (NUL bytes or invalid UTF-8 found).',
  },
  AQUAOPS_E_DATA_DELIMITER: {
    status: 422,
    title: 'A CSV file uses a different field delimiter than expected.',
  },
  AQUAOPS_E_DATA_HEADER: {
    status: 422,
    title: 'The CSV header does not match the dataset schema (missing, unknown or repeated columns).',
  },
  AQUAOPS_E_DATA_TRUNCATED: { status: 422, title: 'A data file ends in the middle of a row or quoted field.' },
  AQUAOPS_E_DATA_LABEL: { status: 422, title: 'The label column is not binary or has no usable values.' },
  AQUAOPS_E_DATA_QUALITY_FAILED: {
    status: 422,
    title: 'A dataset failed its quality rules; the quality report lists which and why.',
  },
} as const satisfies Catalogue;
