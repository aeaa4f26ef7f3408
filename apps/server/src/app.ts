/**
 * The one place the HTTP server is wired: security plugins, request ids and logging, error
 * handling, OpenAPI, metrics hooks, and every feature's routes with its service. `buildApp` takes
 * the boundary implementations (`deps`) and a validated config, loads the served model, and
 * returns the Fastify instance together with the parts tests and `main.ts` need to reach.
 */
import { randomUUID } from 'node:crypto';
import {
  AquaopsError,
  ErrorBodySchema,
  ErrorDetailSchema,
  ModelVersionSummarySchema,
  PredictionSchema,
  predictRequestSchema,
} from '@aquaops/contracts';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import helmet from 'helmet';
import type { OpsSource } from './adapters/registry.js';
import type { ServerConfig } from './config.js';
import { errorBody, errorHandler } from './errors.js';
import { adminRoutes } from './features/admin/routes.js';
import { batchRoutes } from './features/batch/routes.js';
import { BatchService } from './features/batch/service.js';
import { AdminService } from './features/admin/service.js';
import { feedbackRoutes } from './features/feedback/routes.js';
import { FeedbackService } from './features/feedback/service.js';
import { healthRoutes } from './features/health/routes.js';
import { kserveRoutes } from './features/kserve/routes.js';
import { KserveService } from './features/kserve/service.js';
import { createMetrics, type ServerMetrics } from './features/metrics/metrics.js';
import { metricsRoutes } from './features/metrics/routes.js';
import { modelsRoutes } from './features/models/routes.js';
import { opsRoutes } from './features/ops/routes.js';
import { OpsService } from './features/ops/service.js';
import { ModelsService } from './features/models/service.js';
import { predictRoutes } from './features/predict/routes.js';
import { webRoutes } from './features/web/routes.js';
import { PredictService } from './features/predict/service.js';
import { type ManagerEvent, ModelManager } from './model/manager.js';
import type { FeedbackStore, ModelAdmin, ModelSource, PredictionSink } from './model/types.js';
import { PredictionLog } from './prediction-log.js';

export const API_VERSION = '0.1.0';

export interface AppDeps {
  readonly source: ModelSource;
  /** Registry writes for the admin API; absent = admin alias changes refused. */
  readonly admin?: ModelAdmin;
  readonly sink: PredictionSink;
  readonly feedback: FeedbackStore;
  /** Prediction aggregates, artifacts and alias audit for the operations routes; absent = those routes 404. */
  readonly ops?: OpsSource;
  /** Where JSON logs go (default stdout); tests pass a stream to inspect them. */
  readonly logStream?: NodeJS.WritableStream;
  /** Default true; tests building many apps may turn process metrics off. */
  readonly processMetrics?: boolean;
}

export interface ServerApp {
  readonly app: FastifyInstance;
  readonly manager: ModelManager;
  readonly predictionLog: PredictionLog;
  readonly metrics: ServerMetrics;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps, config: ServerConfig): Promise<ServerApp> {
  const metrics = createMetrics({ defaultMetrics: deps.processMetrics !== false });
  const loggerOptions: FastifyServerOptions['logger'] = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
      censor: '[redacted]',
    },
    ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
  };
  const app = Fastify({
    logger: loggerOptions,
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });

  const onEvent = (e: ManagerEvent): void => {
    metrics.modelSwaps.inc({ result: e.type });
    if (e.type === 'swapped') {
      const cur = manager.serving?.model;
      metrics.modelInfo.reset();
      if (cur !== undefined)
        metrics.modelInfo.set({ name: cur.name, version: String(cur.version), alias: cur.alias ?? '' }, 1);
      app.log.info({ event: e }, 'model swapped');
    } else if (e.type === 'routing-swapped') app.log.info({ event: e }, 'routing swapped');
    else app.log.warn({ event: e }, e.routing === true ? 'routing not swapped' : 'model not swapped');
  };
  const manager = new ModelManager(deps.source, {
    name: config.modelName,
    ref: config.modelRef,
    pollIntervalMs: config.modelPollIntervalMs,
    onEvent,
  });
  const predictionLog = new PredictionLog(deps.sink, {
    ...config.predictionLog,
    onDrop: (n, reason) => metrics.logDropped.inc({ reason }, n),
    onSinkError: (err) => app.log.warn({ err }, 'prediction sink failed'),
  });
  await manager.start();
  predictionLog.start();

  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(
      errorBody('AQUAOPS_E_NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`, String(request.id), {
        hint: 'See /openapi.json for the routes.',
      }),
    );
  });
  // Hooks on every request are callback-style: an async hook costs a promise and a microtask turn.
  app.addHook('onResponse', (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onClose', async () => {
    manager.stop();
    await predictionLog.close();
  });

  const security = securityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(security);
    reply.header('x-request-id', String(request.id));
    done();
  });
  await app.register(cors, { origin: config.corsOrigins.length === 0 ? false : [...config.corsOrigins] });
  await app.register(rateLimit, {
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    allowList: (req) => ['/livez', '/readyz', '/metrics', '/v2/health/live', '/v2/health/ready'].includes(req.url),
    errorResponseBuilder: (_req, ctx) =>
      new AquaopsError('AQUAOPS_E_RATE_LIMITED', `rate limit of ${ctx.max} requests per ${ctx.after} exceeded`, {
        hint: `Retry after ${ctx.after}.`,
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'aquaops API',
        version: API_VERSION,
        description:
          'Drinking-water water-potability predictions with explanations, feedback, model catalogue and admin.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  for (const s of [ErrorDetailSchema, ErrorBodySchema, PredictionSchema, ModelVersionSummarySchema]) app.addSchema(s);

  const predict = new PredictService({ manager, metrics, log: predictionLog, maxRows: config.maxRows });
  const sig = manager.serving?.model.signature;
  predictRoutes(app, predict, sig === undefined ? undefined : predictRequestSchema(sig, config.maxRows));
  feedbackRoutes(app, new FeedbackService(deps.feedback, manager, metrics));
  modelsRoutes(app, new ModelsService(deps.source, manager));
  adminRoutes(app, new AdminService(deps.source, deps.admin, manager), config.adminKeyHashes);
  healthRoutes(app, manager);
  metricsRoutes(app, metrics);
  kserveRoutes(app, new KserveService(manager, predict), manager);
  await batchRoutes(app, new BatchService({ metrics, log: predictionLog }), manager, config);
  opsRoutes(app, new OpsService(deps.ops, manager, metrics));
  await webRoutes(app, { dir: config.webDir });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return { app, manager, predictionLog, metrics };
}

/**
 * Helmet's default security headers, computed once at start. (The @fastify/helmet plugin
 * rebuilds helmet's middleware on every request — about 5% of a prediction's CPU time.)
 */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]): void {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string): void {
      delete headers[name.toLowerCase()];
    },
    getHeader(name: string): string | undefined {
      return headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet()({} as never, res as never, (err?: unknown) => {
    failed = err;
  });
  if (failed !== undefined) throw new Error(`helmet failed to compute security headers: ${String(failed)}`);
  return headers;
}
