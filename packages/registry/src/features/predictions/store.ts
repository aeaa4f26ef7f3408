/**
 * The prediction log and ground-truth feedback the serving layer writes and monitoring reads:
 * batches of prediction records, feedback that is idempotent per prediction id, and the
 * aggregate queries (recent predictions, counts per version/route/verdict over time buckets,
 * realised accuracy from joined feedback).
 */
import type { Json, JsonObject } from '../../json.js';

export const ROUTES = ['champion', 'variant', 'shadow'] as const;
export type Route = (typeof ROUTES)[number];

export interface PredictionOutputs {
  readonly probability: number;
  readonly verdict: string;
  /** The predicted class (1 = positive) at the version's threshold. */
  readonly label: 0 | 1;
  readonly [extra: string]: Json;
}

export interface PredictionRecord {
  readonly id: string;
  /** ISO-8601 UTC timestamp. */
  readonly ts: string;
  readonly model: string;
  readonly version: number;
  readonly route: Route;
  readonly inputs: JsonObject;
  readonly outputs: PredictionOutputs;
  readonly latencyMs: number;
  readonly requestId: string;
}

export interface Feedback {
  readonly predictionId: string;
  readonly label: 0 | 1;
  readonly ts: string;
  readonly source: string;
}

export interface PredictionWithFeedback extends PredictionRecord {
  readonly feedback: Feedback | null;
}

export interface PredictionWindow {
  readonly model?: string;
  readonly version?: number;
  /** Inclusive ISO timestamp. */
  readonly since?: string;
  /** Exclusive ISO timestamp. */
  readonly until?: string;
}

export interface PredictionCount {
  /** Start of the time bucket (ISO), or null when no bucket size was asked for. */
  readonly bucket: string | null;
  readonly model: string;
  readonly version: number;
  readonly route: Route;
  readonly verdict: string;
  readonly count: number;
}

export interface RealisedAccuracy {
  readonly model: string;
  readonly version: number;
  readonly route: Route;
  /** Predictions with feedback. */
  readonly n: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** (tp + tn) / n, or null when n = 0. */
  readonly accuracy: number | null;
}

export interface PredictionStore {
  /** All records commit together or none do. */
  appendPredictions(records: readonly PredictionRecord[]): Promise<void>;
  /**
   * Records ground truth. A second feedback for the same prediction is ignored (`created: false`,
   * the stored one is returned). Unknown prediction id → AQUAOPS_E_NOT_FOUND.
   */
  recordFeedback(feedback: Feedback): Promise<{ created: boolean; feedback: Feedback }>;
  /** Newest first. */
  recentPredictions(window: PredictionWindow & { readonly limit: number }): Promise<PredictionWithFeedback[]>;
  predictionCounts(window: PredictionWindow & { readonly bucketMs?: number }): Promise<PredictionCount[]>;
  realisedAccuracy(window: PredictionWindow): Promise<RealisedAccuracy[]>;
}
