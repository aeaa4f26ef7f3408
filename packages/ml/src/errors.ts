/**
 * Typed errors of the ML engine. Every error names the argument that was wrong, what was
 * found and how to fix it, and carries a stable code from the aquaops error catalogue
 * (`AQUAOPS_E_*`; the catalogue itself lives in @aquaops/contracts, which maps codes to HTTP
 * statuses — this package imports nothing of ours, so it only knows the code strings).
 */

export type MlErrorCode =
  | 'AQUAOPS_E_ML_INVALID_ARGUMENT'
  | 'AQUAOPS_E_ML_SHAPE_MISMATCH'
  | 'AQUAOPS_E_ML_EMPTY_DATA'
  | 'AQUAOPS_E_ML_ONE_CLASS'
  | 'AQUAOPS_E_ML_NON_FINITE_LABEL'
  | 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED'
  | 'AQUAOPS_E_ML_NOT_FITTED'
  | 'AQUAOPS_E_MODEL_FORMAT'
  | 'AQUAOPS_E_MODEL_CHECKSUM';

export interface MlErrorDetails {
  /** Name of the argument or field that was wrong, e.g. `X`, `y`, `params.numLeaves`. */
  readonly argument: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** What was found, in words. */
  readonly found: string;
  /** How to fix it. */
  readonly fix: string;
}

export class MlError extends Error {
  readonly code: MlErrorCode;
  readonly details: MlErrorDetails;
  constructor(code: MlErrorCode, details: MlErrorDetails) {
    super(`${details.argument}: expected ${details.expected}, found ${details.found}. ${details.fix}`);
    this.name = 'MlError';
    this.code = code;
    this.details = details;
  }
}

/** Shorthand for the most common case: an invalid argument value. */
export function invalidArgument(argument: string, expected: string, found: string, fix: string): MlError {
  return new MlError('AQUAOPS_E_ML_INVALID_ARGUMENT', { argument, expected, found, fix });
}
