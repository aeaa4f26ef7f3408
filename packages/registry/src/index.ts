/**
 * @aquaops/registry — experiment tracking and the model registry. Stores (memory, SQLite,
 * PostgreSQL) share one interface and are picked by URL with `openStore`; the services on top
 * record runs, register versions atomically with verified artifacts, move aliases by
 * compare-and-swap with an audit trail, and hold each model's A/B + shadow routing table.
 */
export type { Json, JsonObject } from './json.js';
export type {
  DataVersionRef,
  FoldMetrics,
  MetricMap,
  MetricWithCi,
  NewRun,
  RunEnvironment,
  RunQuery,
  RunRecord,
  RunStatus,
  RunStore,
  RunSummary,
  RunUpdate,
  TrialRecord,
  TrialStatus,
} from './features/runs/store.js';
export { RUN_STATUSES, TRIAL_STATUSES } from './features/runs/store.js';
export type { RunComparison, StartRun } from './features/runs/service.js';
export { RunTracker, captureEnvironment, compareRuns, detectGitCommit } from './features/runs/service.js';
export type {
  AliasEvent,
  AliasMove,
  AliasRecord,
  ArtifactRef,
  ModelStore,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
  RoutingChange,
  RoutingEvent,
  RoutingRecord,
  VersionQuery,
  VersionStatus,
} from './features/models/store.js';
export { VERSION_STATUSES } from './features/models/store.js';
export type { PromotionDecision, PromotionPolicy } from './features/models/policy.js';
export { checkPolicy, decidePromotion } from './features/models/policy.js';
export type {
  GcResult,
  RegisterHooks,
  RegisterInput,
  RegisterProgress,
  VersionDiff,
  VersionRef,
} from './features/models/service.js';
export { ModelRegistry, parseVersionRef } from './features/models/service.js';
export type {
  Feedback,
  PredictionCount,
  PredictionOutputs,
  PredictionRecord,
  PredictionStore,
  PredictionWindow,
  PredictionWithFeedback,
  RealisedAccuracy,
  Route,
} from './features/predictions/store.js';
export { ROUTES } from './features/predictions/store.js';
export type {
  ArtifactContext,
  ArtifactSource,
  ArtifactStore,
  BlobInfo,
  PutResult,
} from './features/artifacts/store.js';
export { FsArtifactStore } from './features/artifacts/fs.js';
export type { RegistryStore } from './stores/store.js';
export { MemoryStore } from './stores/memory.js';
export type { StoreLocation } from './stores/open.js';
export { openStore, parseStoreUrl } from './stores/open.js';
export { openSqliteStore } from './stores/sqlite.js';
export type { SqliteOptions } from './stores/sqlite.js';
export { maskUrl, openPostgresStore } from './stores/postgres.js';
export type { PostgresOptions } from './stores/postgres.js';
export { LATEST_SCHEMA_VERSION } from './stores/migrations.js';
