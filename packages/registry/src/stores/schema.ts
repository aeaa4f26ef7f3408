/**
 * Kysely table types of the SQL stores (see migrations.ts for the DDL). JSON fields are TEXT so
 * SQLite and PostgreSQL store them identically; BIGINT columns come back as strings from `pg`,
 * hence the `number | string` reads that the store normalises.
 */
import type { Generated } from 'kysely';

type Big = number | string;

export interface RunsTable {
  id: string;
  name: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  params: string;
  fold_metrics: string;
  test_metrics: string;
  data_version: string | null;
  schema_name: string | null;
  schema_version: string | null;
  code_version: string | null;
  seed: Big | null;
  durations: string;
  environment: string;
  error: string | null;
  summary: string;
}

export interface RunTrialsTable {
  run_id: string;
  idx: number;
  family: string;
  params: string;
  fold_metrics: string;
  mean: string;
  std: string;
  duration_ms: number;
  status: string;
  error: string | null;
}

export interface ModelsTable {
  name: string;
  description: string;
  created_at: string;
  latest_version: number;
}

export interface ModelVersionsTable {
  model: string;
  version: number;
  run_id: string | null;
  kind: string;
  family: string;
  metrics: string;
  threshold: number;
  status: string;
  data_version: string | null;
  test_set_hash: string | null;
  signature: string;
  created_at: string;
  created_by: string;
}

export interface VersionTagsTable {
  model: string;
  version: number;
  key: string;
  value: string;
}

export interface VersionArtifactsTable {
  model: string;
  version: number;
  name: string;
  sha256: string;
  size: Big;
  content_type: string;
}

export interface AliasesTable {
  model: string;
  alias: string;
  version: number;
  updated_at: string;
}

export interface AliasEventsTable {
  id: Generated<Big>;
  model: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string;
  metrics: string;
  at: string;
}

export interface RoutingTable {
  model: string;
  /** JSON of a contracts `Routing`. */
  config: string;
  updated_at: string;
  actor: string;
  reason: string;
}

export interface RoutingEventsTable {
  id: Generated<Big>;
  model: string;
  from_config: string | null;
  to_config: string;
  actor: string;
  reason: string;
  at: string;
}

export interface PredictionsTable {
  id: string;
  ts: string;
  ts_ms: Big;
  model: string;
  version: number;
  route: string;
  verdict: string;
  label: number;
  probability: number;
  inputs: string;
  outputs: string;
  latency_ms: number;
  request_id: string;
}

export interface FeedbackTable {
  prediction_id: string;
  label: number;
  ts: string;
  source: string;
}

export interface RegistryDb {
  runs: RunsTable;
  run_trials: RunTrialsTable;
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  version_tags: VersionTagsTable;
  version_artifacts: VersionArtifactsTable;
  aliases: AliasesTable;
  alias_events: AliasEventsTable;
  routing: RoutingTable;
  routing_events: RoutingEventsTable;
  predictions: PredictionsTable;
  feedback: FeedbackTable;
}
