/**
 * Versioned schema migrations of the SQL stores. Applied versions are recorded in
 * `registry_migrations`; startup applies only the missing ones, under a lock, so opening the
 * same database from several processes at once is safe and repeated opens are no-ops. A
 * database whose schema is newer than this code refuses to open instead of being misread.
 */
import { AquaopsError } from '@aquaops/contracts';

export type SqlDialectName = 'sqlite' | 'postgres';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: (dialect: SqlDialectName) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs, models, versions, aliases, predictions',
    statements: (d) => [
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
        finished_at TEXT, params TEXT NOT NULL, fold_metrics TEXT NOT NULL, test_metrics TEXT NOT NULL,
        data_version TEXT, schema_name TEXT, schema_version TEXT, code_version TEXT, seed BIGINT,
        durations TEXT NOT NULL, environment TEXT NOT NULL, error TEXT)`,
      'CREATE INDEX runs_created ON runs (created_at)',
      `CREATE TABLE run_trials (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, idx INTEGER NOT NULL, family TEXT NOT NULL,
        params TEXT NOT NULL, fold_metrics TEXT NOT NULL, mean TEXT NOT NULL, std TEXT NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL, status TEXT NOT NULL, error TEXT, PRIMARY KEY (run_id, idx))`,
      `CREATE TABLE models (
        name TEXT PRIMARY KEY, description TEXT NOT NULL, created_at TEXT NOT NULL, latest_version INTEGER NOT NULL)`,
      `CREATE TABLE model_versions (
        model TEXT NOT NULL REFERENCES models (name), version INTEGER NOT NULL, run_id TEXT REFERENCES runs (id),
        kind TEXT NOT NULL, family TEXT NOT NULL, metrics TEXT NOT NULL, threshold DOUBLE PRECISION NOT NULL,
        status TEXT NOT NULL, data_version TEXT, test_set_hash TEXT, signature TEXT NOT NULL,
        created_at TEXT NOT NULL, created_by TEXT NOT NULL, PRIMARY KEY (model, version))`,
      'CREATE INDEX model_versions_data ON model_versions (data_version)',
      `CREATE TABLE version_tags (
        model TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (model, version, key), FOREIGN KEY (model, version) REFERENCES model_versions (model, version))`,
      'CREATE INDEX version_tags_kv ON version_tags (key, value)',
      `CREATE TABLE version_artifacts (
        model TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, size BIGINT NOT NULL,
        content_type TEXT NOT NULL, PRIMARY KEY (model, version, name),
        FOREIGN KEY (model, version) REFERENCES model_versions (model, version))`,
      'CREATE INDEX version_artifacts_sha ON version_artifacts (sha256)',
      `CREATE TABLE aliases (
        model TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (model, alias), FOREIGN KEY (model, version) REFERENCES model_versions (model, version))`,
      `CREATE TABLE alias_events (
        id ${d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'},
        model TEXT NOT NULL, alias TEXT NOT NULL, from_version INTEGER, to_version INTEGER,
        actor TEXT NOT NULL, reason TEXT NOT NULL, metrics TEXT NOT NULL, at TEXT NOT NULL)`,
      'CREATE INDEX alias_events_model ON alias_events (model, alias, id)',
      `CREATE TABLE predictions (
        id TEXT PRIMARY KEY, ts TEXT NOT NULL, ts_ms BIGINT NOT NULL, model TEXT NOT NULL, version INTEGER NOT NULL,
        route TEXT NOT NULL, verdict TEXT NOT NULL, label INTEGER NOT NULL, probability DOUBLE PRECISION NOT NULL,
        inputs TEXT NOT NULL, outputs TEXT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, request_id TEXT NOT NULL)`,
      'CREATE INDEX predictions_model_ts ON predictions (model, ts_ms)',
      'CREATE INDEX predictions_ts ON predictions (ts_ms)',
      `CREATE TABLE feedback (
        prediction_id TEXT PRIMARY KEY REFERENCES predictions (id), label INTEGER NOT NULL, ts TEXT NOT NULL,
        source TEXT NOT NULL)`,
    ],
  },
  {
    version: 2,
    name: 'runs.summary: the selection rule and outcome of a training run',
    statements: () => ["ALTER TABLE runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}'"],
  },
  {
    version: 3,
    name: 'routing: A/B + shadow routing per model, with its audit trail',
    // IF NOT EXISTS on top of the version bookkeeping: a half-applied run by hand cannot wedge it
    statements: (d) => [
      `CREATE TABLE IF NOT EXISTS routing (
        model TEXT PRIMARY KEY REFERENCES models (name), config TEXT NOT NULL, updated_at TEXT NOT NULL,
        actor TEXT NOT NULL, reason TEXT NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS routing_events (
        id ${d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'},
        model TEXT NOT NULL, from_config TEXT, to_config TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL,
        at TEXT NOT NULL)`,
      'CREATE INDEX IF NOT EXISTS routing_events_model ON routing_events (model, id)',
    ],
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

export const MIGRATIONS_TABLE_SQL =
  'CREATE TABLE IF NOT EXISTS registry_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/** Migrations still to apply given the highest applied version; throws when the DB is ahead of the code. */
export function pendingMigrations(applied: number, where: string): Migration[] {
  if (applied > LATEST_SCHEMA_VERSION) {
    throw new AquaopsError(
      'AQUAOPS_E_REGISTRY_SCHEMA',
      `registry database ${where} has schema version ${applied}, newer than this aquaops knows (${LATEST_SCHEMA_VERSION})`,
      {
        hint: 'upgrade aquaops to the version that last wrote this database, or point --store at another database',
        details: [{ path: where, expected: `<= ${LATEST_SCHEMA_VERSION}`, found: String(applied) }],
      },
    );
  }
  return MIGRATIONS.filter((m) => m.version > applied).sort((a, b) => a.version - b.version);
}
