/**
 * Experiment tracking records and the store interface for them: a run captures everything
 * needed to reproduce and judge one training job (parameters, per-fold and test metrics with
 * confidence intervals, data and code versions, seed, durations, environment) plus every trial
 * of its hyperparameter search. Implemented by the memory, SQLite and PostgreSQL stores.
 */
import type { JsonObject } from '../../json.js';

export const RUN_STATUSES = ['running', 'finished', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type MetricMap = Readonly<Record<string, number>>;

export interface FoldMetrics {
  readonly fold: number;
  readonly metrics: MetricMap;
}

/** A point estimate with an optional confidence interval (e.g. bootstrap 95%). */
export interface MetricWithCi {
  readonly value: number;
  readonly lower?: number;
  readonly upper?: number;
  /** Confidence level of [lower, upper], e.g. 0.95. */
  readonly level?: number;
}

export interface RunEnvironment {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  /** Host and process that ran it: lets a later command tell a crashed run from a running one. */
  readonly hostname?: string;
  readonly pid?: number;
}

export interface DataVersionRef {
  /** DVC md5 of the dataset the run trained on. */
  readonly version: string | null;
  readonly schemaName: string | null;
  readonly schemaVersion: string | null;
}

export const TRIAL_STATUSES = ['ok', 'failed', 'pruned'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

export interface TrialRecord {
  /** Position in the search, unique within the run. */
  readonly index: number;
  readonly family: string;
  readonly params: JsonObject;
  readonly foldMetrics: readonly FoldMetrics[];
  readonly mean: MetricMap;
  readonly std: MetricMap;
  readonly durationMs: number;
  readonly status: TrialStatus;
  readonly error?: string;
}

export interface RunRecord {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly params: JsonObject;
  readonly foldMetrics: readonly FoldMetrics[];
  readonly testMetrics: Readonly<Record<string, MetricWithCi>>;
  readonly data: DataVersionRef;
  readonly codeVersion: string | null;
  readonly seed: number | null;
  /** Wall-clock durations of the run's phases in milliseconds, e.g. `{ search: 8200, fit: 310 }`. */
  readonly durations: MetricMap;
  readonly environment: RunEnvironment;
  readonly error: string | null;
  /** Selection rule and outcome recorded when the run finishes (`{}` until then). */
  readonly summary: JsonObject;
  readonly trials: readonly TrialRecord[];
}

export type RunSummary = Omit<RunRecord, 'trials' | 'foldMetrics'> & { readonly trialCount: number };

export interface NewRun {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly params: JsonObject;
  readonly data: DataVersionRef;
  readonly codeVersion: string | null;
  readonly seed: number | null;
  readonly environment: RunEnvironment;
}

/** Fields a running job fills in as it goes; absent fields are left unchanged. */
export interface RunUpdate {
  readonly status?: RunStatus;
  readonly finishedAt?: string | null;
  readonly foldMetrics?: readonly FoldMetrics[];
  readonly testMetrics?: Readonly<Record<string, MetricWithCi>>;
  readonly durations?: MetricMap;
  readonly error?: string | null;
  /** The outcome in words and numbers: selection rule, chosen trial, threshold, calibration. */
  readonly summary?: JsonObject;
}

export interface RunQuery {
  readonly status?: RunStatus;
  readonly name?: string;
  readonly limit?: number;
}

export interface RunStore {
  createRun(run: NewRun): Promise<RunRecord>;
  /** Throws AQUAOPS_E_NOT_FOUND when the run does not exist. */
  updateRun(id: string, update: RunUpdate): Promise<RunRecord>;
  /** Appends trials; re-sending a trial with the same index replaces it (retries are safe). */
  addTrials(runId: string, trials: readonly TrialRecord[]): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(query?: RunQuery): Promise<RunSummary[]>;
}
