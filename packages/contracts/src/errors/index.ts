/**
 * The merged error catalogue and the error class that carries a catalogue code. Library code
 * throws `AquaopsError`; the API maps `code` to `status`, the CLI prints one line from it.
 */
import type { ErrorEntry } from './catalogue.js';
import { dvcErrors } from './dvc.js';
import { dataErrors } from './data.js';
import { generalErrors } from './general.js';
import { registryErrors } from './registry.js';
import { serverErrors } from './server.js';
import { trainingErrors } from './training.js';

export const errorCatalogue = {
  ...generalErrors,
  ...dataErrors,
  ...serverErrors,
  ...dvcErrors,
  ...registryErrors,
  ...trainingErrors,
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ErrorDetail {
  /** Where: a field path, `file:line:column`, an argument name. */
  readonly path?: string;
  readonly expected?: string;
  readonly found?: string;
}

export class AquaopsError extends Error {
  readonly code: ErrorCode;
  /** How to fix it, in words. */
  readonly hint: string | undefined;
  readonly details: readonly ErrorDetail[];
  constructor(
    code: ErrorCode,
    message: string,
    options?: { hint?: string; details?: readonly ErrorDetail[]; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AquaopsError';
    this.code = code;
    this.hint = options?.hint;
    this.details = options?.details ?? [];
  }
  get status(): number {
    return errorCatalogue[this.code].status;
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCatalogue, code);
}

/** Any error with a catalogue code (AquaopsError, or MlError from the engine, which carries the same codes). */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const c = (err as { code: unknown }).code;
    if (typeof c === 'string' && isErrorCode(c)) return c;
  }
  return undefined;
}
