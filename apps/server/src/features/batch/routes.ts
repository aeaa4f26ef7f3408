/**
 * `POST /api/v1/predict/batch`. Registered in its own Fastify scope so that its content-type
 * parsers — which hand the raw request stream to the handler instead of buffering it — and its
 * larger body limit apply to this route only. The output format follows the input (CSV → CSV,
 * NDJSON → NDJSON) unless `Accept` asks for the other one.
 */
import { Readable } from 'node:stream';
import { AquaopsError } from '@aquaops/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerConfig } from '../../config.js';
import type { ModelManager } from '../../model/manager.js';
import type { BatchFormat, BatchService } from './service.js';

const CSV = 'text/csv';
const NDJSON = 'application/x-ndjson';

function formatOf(contentType: string | undefined): BatchFormat | undefined {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === CSV) return 'csv';
  if (t === NDJSON || t === 'application/jsonl' || t === 'application/ndjson') return 'ndjson';
  return undefined;
}

function outputOf(request: FastifyRequest, input: BatchFormat): BatchFormat {
  const accept = (request.headers.accept ?? '').toLowerCase();
  if (accept === '' || accept.includes('*/*')) return input;
  const wantsCsv = accept.includes(CSV);
  const wantsNd = accept.includes(NDJSON);
  if (wantsCsv && !wantsNd) return 'csv';
  if (wantsNd && !wantsCsv) return 'ndjson';
  return input;
}

export function batchRoutes(
  app: FastifyInstance,
  service: BatchService,
  manager: ModelManager,
  config: ServerConfig,
): Promise<void> {
  const registered = app.register(async (scope) => {
    scope.addContentTypeParser([CSV, NDJSON, 'application/jsonl', 'application/ndjson'], (_req, payload, done) =>
      done(null, payload),
    );
    scope.addHook('onRequest', async (request) => {
      if (formatOf(request.headers['content-type']) === undefined) {
        throw new AquaopsError(
          'AQUAOPS_E_UNSUPPORTED_MEDIA_TYPE',
          `batch uploads must be ${CSV} or ${NDJSON}, got ${JSON.stringify((request.headers['content-type'] ?? 'none').slice(0, 80))}`,
          {
            hint: `Send a CSV with a header row (Content-Type: ${CSV}) or one JSON sample per line (Content-Type: ${NDJSON}).`,
          },
        );
      }
    });
    scope.post<{ Querystring: { explain?: string } }>(
      '/api/v1/predict/batch',
      {
        bodyLimit: config.batch.bodyLimitBytes,
        schema: {
          summary: 'Score a CSV or NDJSON upload, streamed in and out; bad rows are reported per line',
          description:
            'CSV needs a header naming every feature (any order; extra columns ignored; empty = missing). NDJSON: one ' +
            'sample object per line (null = missing). Output per row: line, verdict, probability, predictionId (logged ' +
            'rows only), contributions with ?explain=true; a bad row gives {line, error:{code, field, expected, got}}. ' +
            'A problem with the upload as a whole after streaming started ends the output with {error:{...}}.',
          tags: ['predict'],
          consumes: [CSV, NDJSON],
          produces: [NDJSON, CSV],
          querystring: {
            type: 'object',
            properties: { explain: { type: 'string', enum: ['true', 'false', '1', '0'] } },
            additionalProperties: false,
          },
          response: {
            200: { description: 'One result per non-empty input row, in input order.', type: 'string' },
            '4xx': { $ref: 'ErrorBody#' },
            '5xx': { $ref: 'ErrorBody#' },
          },
        },
      },
      async (request, reply) => {
        const input = formatOf(request.headers['content-type'])!;
        const serving = manager.serving;
        if (serving === undefined) {
          throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', 'no verified model is loaded yet', {
            hint: 'Retry shortly; GET /readyz says when the server can predict.',
          });
        }
        const explain = request.query.explain === 'true' || request.query.explain === '1';
        const { contentType, chunks } = await service.start(serving, request.body as AsyncIterable<unknown>, {
          input,
          output: outputOf(request, input),
          explain,
          maxRows: config.batch.maxRows,
          bodyLimitBytes: config.batch.bodyLimitBytes,
          logEvery: config.batch.logEvery,
          requestId: String(request.id),
        });
        void reply
          .type(contentType)
          .header('x-aquaops-model-version', String(serving.model.version))
          .header('cache-control', 'no-store');
        return reply.send(Readable.from(chunks, { objectMode: false, highWaterMark: 1 << 16 }));
      },
    );
  });
  return Promise.resolve(registered).then(() => undefined);
}
