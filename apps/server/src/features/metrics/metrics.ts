/**
 * The server's Prometheus metrics, on a per-app Registry (not prom-client's global one) so that
 * several apps can live in one process — as they do in tests. Label sets are bounded: routes are
 * URL templates, versions and verdicts come from the registry and the signature, not from clients.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetrics {
  readonly registry: Registry;
  readonly predictions: Counter<'model_version' | 'verdict' | 'route'>;
  readonly predictionDuration: Histogram<'route'>;
  readonly predictionProbability: Histogram<'model_version'>;
  readonly modelInfo: Gauge<'name' | 'version' | 'alias'>;
  readonly feedback: Counter<'label' | 'result'>;
  readonly logDropped: Counter<'reason'>;
  readonly shadowErrors: Counter;
  readonly modelSwaps: Counter<'result'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m: ServerMetrics = {
    registry,
    predictions: new Counter({
      name: 'aquaops_predictions_total',
      help: 'Predictions served, by model version, verdict and route.',
      labelNames: ['model_version', 'verdict', 'route'],
      registers,
    }),
    predictionDuration: new Histogram({
      name: 'aquaops_prediction_duration_seconds',
      help: 'Time to validate, score and explain one predict request.',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    predictionProbability: new Histogram({
      name: 'aquaops_prediction_probability',
      help: 'Predicted probability of the positive class (potable).',
      labelNames: ['model_version'],
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers,
    }),
    modelInfo: new Gauge({
      name: 'aquaops_model_info',
      help: 'The model being served (value 1).',
      labelNames: ['name', 'version', 'alias'],
      // Across worker processes: 1 per version some worker serves (a sum would count workers).
      aggregator: 'max',
      registers,
    }),
    feedback: new Counter({
      name: 'aquaops_feedback_total',
      help: 'Feedback labels received, by label and result (created, unchanged, conflict).',
      labelNames: ['label', 'result'],
      registers,
    }),
    logDropped: new Counter({
      name: 'aquaops_prediction_log_dropped_total',
      help: 'Prediction log entries dropped (queue full or sink failing).',
      labelNames: ['reason'],
      registers,
    }),
    shadowErrors: new Counter({
      name: 'aquaops_shadow_errors_total',
      help: 'Shadow scorings that failed (never visible to clients).',
      registers,
    }),
    modelSwaps: new Counter({
      name: 'aquaops_model_swaps_total',
      help: 'Model and routing swap attempts, by result (swapped, routing-swapped, rejected, load-failed).',
      labelNames: ['result'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'aquaops_http_requests_total',
      help: 'HTTP requests, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'aquaops_http_request_duration_seconds',
      help: 'HTTP request duration, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
  // Make the dropped counter visible at 0 before the first drop, so alerts can use rate().
  m.logDropped.inc({ reason: 'queue-full' }, 0);
  m.logDropped.inc({ reason: 'sink-failed' }, 0);
  return m;
}
