/**
 * One error path for the whole API. Whatever goes wrong — our own AquaopsError, an engine MlError,
 * Fastify's body parsing or schema validation, the rate limiter — the client gets the catalogue
 * shape `{code, message, hint?, details[{path, expected, got}], requestId}` with the catalogue's
 * status. Client mistakes are always 4xx; a 5xx carries only the code and the request id (the
 * stack goes to the log, never to the client).
 */
import {
  AquaopsError,
  type ErrorBody,
  type ErrorCode,
  type ErrorDetailBody,
  errorCatalogue,
  errorCodeOf,
} from '@aquaops/contracts';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ajvDetails } from './model/validation.js';

export function errorBody(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: { hint?: string | undefined; details?: readonly ErrorDetailBody[] } = {},
): ErrorBody {
  const body: ErrorBody = { code, message, details: [...(extra.details ?? [])], requestId };
  if (extra.hint !== undefined) body.hint = extra.hint;
  return body;
}

const FASTIFY_CODES: Readonly<Record<string, { code: ErrorCode; hint: string }>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE',
    hint: 'Send the body as JSON with the header Content-Type: application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'AQUAOPS_E_PAYLOAD_TOO_LARGE',
    hint: 'Split the request into smaller batches.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'AQUAOPS_E_VALIDATION', hint: 'Send a JSON body.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'AQUAOPS_E_BAD_JSON', hint: 'Send well-formed JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'AQUAOPS_E_VALIDATION',
    hint: 'Make Content-Length match the body.',
  },
};

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'AQUAOPS_E_VALIDATION',
  401: 'AQUAOPS_E_UNAUTHORIZED',
  403: 'AQUAOPS_E_FORBIDDEN',
  404: 'AQUAOPS_E_NOT_FOUND',
  405: 'AQUAOPS_E_METHOD_NOT_ALLOWED',
  413: 'AQUAOPS_E_PAYLOAD_TOO_LARGE',
  415: 'AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE',
  429: 'AQUAOPS_E_RATE_LIMITED',
};

/** Maps any thrown value to (status, body); logs 5xx with the stack. */
export function toErrorResponse(err: unknown, request: FastifyRequest): { status: number; body: ErrorBody } {
  const rid = String(request.id);
  if (err instanceof AquaopsError) {
    const details = err.details.map((d) => ({ path: d.path ?? '', expected: d.expected ?? '', got: d.found ?? '' }));
    return { status: err.status, body: errorBody(err.code, err.message, rid, { hint: err.hint, details }) };
  }
  const fe = err as Partial<FastifyError> & {
    details?: { argument?: string; expected?: string; found?: string; fix?: string };
  };
  if (Array.isArray(fe.validation)) {
    const where = fe.validationContext ?? 'body';
    const prefix = where === 'body' ? '' : `${where}:`;
    const details = ajvDetails(fe.validation as never, undefined, prefix);
    return {
      status: 400,
      body: errorBody('AQUAOPS_E_VALIDATION', `invalid ${where}: ${fe.message ?? 'schema mismatch'}`, rid, {
        hint: 'Fix the fields listed in details; the OpenAPI document is at /openapi.json.',
        details,
      }),
    };
  }
  const mlCode = errorCodeOf(err);
  if (mlCode !== undefined) {
    const d = fe.details;
    const details =
      d !== undefined && typeof d.argument === 'string'
        ? [{ path: d.argument, expected: d.expected ?? '', got: d.found ?? '' }]
        : [];
    return {
      status: errorCatalogue[mlCode].status,
      body: errorBody(mlCode, fe.message ?? mlCode, rid, { hint: d?.fix, details }),
    };
  }
  if (typeof fe.code === 'string' && FASTIFY_CODES[fe.code] !== undefined) {
    const m = FASTIFY_CODES[fe.code]!;
    return {
      status: errorCatalogue[m.code].status,
      body: errorBody(m.code, fe.message ?? m.code, rid, { hint: m.hint }),
    };
  }
  const sc = fe.statusCode;
  if (typeof sc === 'number' && sc >= 400 && sc < 500) {
    const code = STATUS_CODES[sc] ?? 'AQUAOPS_E_USAGE';
    const body = errorBody(code, fe.message ?? 'bad request', rid);
    return { status: sc, body };
  }
  request.log.error({ err }, 'unhandled error');
  return {
    status: 500,
    body: errorBody('AQUAOPS_E_INTERNAL', 'internal error; quote the request id when reporting it', rid),
  };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(err, request);
  void reply.status(status).type('application/json; charset=utf-8').send(body);
}
