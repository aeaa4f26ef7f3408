/**
 * The SQL registry store, shared by SQLite and PostgreSQL through Kysely. Only portable SQL is
 * used (upsert, RETURNING, TEXT JSON); every write runs in one transaction, alias moves are
 * compare-and-swap UPDATE/INSERT/DELETE statements whose affected-row count decides the winner,
 * and version numbers come from an atomic counter on the model row, so racing writers on one
 * or many connections get distinct versions and exactly one alias move wins. Routing changes
 * take the same model-row lock, so their audit events chain one after the other.
 */
import { AquaopsError, type Routing } from '@aquaops/contracts';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import { sql } from 'kysely';
import { fromJsonText, toJsonText } from '../json.js';
import type {
  AliasEvent,
  AliasMove,
  AliasRecord,
  ArtifactRef,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
  RoutingChange,
  RoutingEvent,
  RoutingRecord,
  VersionQuery,
  VersionStatus,
} from '../features/models/store.js';
import type {
  Feedback,
  PredictionCount,
  PredictionRecord,
  PredictionWindow,
  PredictionWithFeedback,
  RealisedAccuracy,
  Route,
} from '../features/predictions/store.js';
import type {
  NewRun,
  RunQuery,
  RunRecord,
  RunStatus,
  RunSummary,
  RunUpdate,
  TrialRecord,
  TrialStatus,
} from '../features/runs/store.js';
import { finishAccuracy, sortAccuracy, sortCounts } from './memory.js';
import type { SqlDialectName } from './migrations.js';
import type { ModelVersionsTable, RegistryDb, RunsTable } from './schema.js';
import { filterAndSortVersions } from './sort.js';
import type { RegistryStore } from './store.js';
import {
  casConflict,
  checkAliasMove,
  checkFeedback,
  checkModelName,
  checkNewRun,
  checkNewVersion,
  checkPrediction,
  checkRouting,
  checkRoutingChange,
  checkRunUpdate,
  checkTagKeys,
  checkTrials,
  notFound,
  parseStoredRouting,
  routingVersions,
} from './store.js';

type Db = Kysely<RegistryDb> | Transaction<RegistryDb>;

/** One row of the `predictions` table as written (JSON columns as text). */
export interface PredictionRow {
  readonly id: string;
  readonly ts: string;
  readonly ts_ms: number;
  readonly model: string;
  readonly version: number;
  readonly route: string;
  readonly verdict: string;
  readonly label: number;
  readonly probability: number;
  readonly inputs: string;
  readonly outputs: string;
  readonly latency_ms: number;
  readonly request_id: string;
}
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

export class SqlStore implements RegistryStore {
  readonly description: string;
  readonly dialect: SqlDialectName;
  readonly #db: Kysely<RegistryDb>;
  readonly #onClose: () => Promise<void>;

  readonly #insertPredictions: ((rows: readonly PredictionRow[]) => Promise<void>) | undefined;

  /**
   * `insertPredictions`, when given, writes prediction-log rows in one transaction instead of
   * Kysely's multi-row INSERT: the serving path appends thousands of rows a second, and building
   * and compiling those statements cost more CPU per row than the write itself (SQLite passes a
   * prepared statement).
   */
  constructor(
    db: Kysely<RegistryDb>,
    dialect: SqlDialectName,
    description: string,
    onClose: () => Promise<void>,
    insertPredictions?: (rows: readonly PredictionRow[]) => Promise<void>,
  ) {
    this.#db = db;
    this.dialect = dialect;
    this.description = description;
    this.#onClose = onClose;
    this.#insertPredictions = insertPredictions;
  }

  /** Runs a read, turning driver failures into a registry error that names the store. */
  async #read<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#db);
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  async #tx<T>(fn: (trx: Transaction<RegistryDb>) => Promise<T>): Promise<T> {
    try {
      return await this.#db.transaction().execute(fn);
    } catch (err) {
      throw this.#wrap(err);
    }
  }

  #wrap(err: unknown): unknown {
    if (err instanceof AquaopsError) return err;
    const code = (err as { code?: unknown }).code;
    const msg = err instanceof Error ? err.message : String(err);
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
      return new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `a record with this key already exists in ${this.description}: ${msg}`,
        {
          hint: 'use a fresh id, or re-read and retry',
          cause: err,
        },
      );
    }
    if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return new AquaopsError(
        'AQUAOPS_E_NOT_FOUND',
        `a referenced record does not exist in ${this.description}: ${msg}`,
        {
          hint: 'check the model, version or run id',
          cause: err,
        },
      );
    }
    if (
      typeof code === 'string' &&
      (/^(ECONN|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|EPIPE)/.test(code) ||
        code.startsWith('SQLITE_BUSY') ||
        code.startsWith('57P') ||
        code.startsWith('08'))
    ) {
      return new AquaopsError('AQUAOPS_E_REGISTRY_UNAVAILABLE', `registry store ${this.description} failed: ${msg}`, {
        hint: 'check that the database is running and reachable, then retry',
        cause: err,
      });
    }
    return err;
  }

  // ---- runs ----

  async createRun(run: NewRun): Promise<RunRecord> {
    checkNewRun(run);
    await this.#tx(async (trx) => {
      await trx
        .insertInto('runs')
        .values({
          id: run.id,
          name: run.name,
          status: 'running',
          created_at: run.createdAt,
          finished_at: null,
          params: toJsonText(run.params, 'params'),
          fold_metrics: '[]',
          test_metrics: '{}',
          data_version: run.data.version,
          schema_name: run.data.schemaName,
          schema_version: run.data.schemaVersion,
          code_version: run.codeVersion,
          seed: run.seed,
          durations: '{}',
          summary: '{}',
          environment: toJsonText(run.environment, 'environment'),
          error: null,
        })
        .execute();
    });
    return (await this.getRun(run.id))!;
  }

  async updateRun(id: string, update: RunUpdate): Promise<RunRecord> {
    checkRunUpdate(update);
    const set: Partial<RunsTable> = {};
    if (update.status !== undefined) set.status = update.status;
    if (update.finishedAt !== undefined) set.finished_at = update.finishedAt;
    if (update.foldMetrics !== undefined) set.fold_metrics = toJsonText(update.foldMetrics, 'foldMetrics');
    if (update.testMetrics !== undefined) set.test_metrics = toJsonText(update.testMetrics, 'testMetrics');
    if (update.durations !== undefined) set.durations = toJsonText(update.durations, 'durations');
    if (update.summary !== undefined) set.summary = toJsonText(update.summary, 'summary');
    if (update.error !== undefined) set.error = update.error;
    await this.#tx(async (trx) => {
      const q =
        Object.keys(set).length === 0
          ? trx.updateTable('runs').set({ id }).where('id', '=', id)
          : trx.updateTable('runs').set(set).where('id', '=', id);
      const r = await q.executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw notFound(`run ${id}`, 'list runs with `aquaops runs ls`');
    });
    return (await this.getRun(id))!;
  }

  async addTrials(runId: string, trials: readonly TrialRecord[]): Promise<void> {
    checkTrials(trials);
    if (trials.length === 0) return;
    await this.#tx(async (trx) => {
      const run = await trx.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst();
      if (run === undefined) throw notFound(`run ${runId}`, 'create the run before adding trials');
      for (const t of trials) {
        const row = {
          run_id: runId,
          idx: t.index,
          family: t.family,
          params: toJsonText(t.params, `trials[${t.index}].params`),
          fold_metrics: toJsonText(t.foldMetrics, `trials[${t.index}].foldMetrics`),
          mean: toJsonText(t.mean, `trials[${t.index}].mean`),
          std: toJsonText(t.std, `trials[${t.index}].std`),
          duration_ms: t.durationMs,
          status: t.status,
          error: t.error ?? null,
        };
        await trx
          .insertInto('run_trials')
          .values(row)
          .onConflict((oc) =>
            oc.columns(['run_id', 'idx']).doUpdateSet({
              family: row.family,
              params: row.params,
              fold_metrics: row.fold_metrics,
              mean: row.mean,
              std: row.std,
              duration_ms: row.duration_ms,
              status: row.status,
              error: row.error,
            }),
          )
          .execute();
      }
    });
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    return this.#read(async (db) => {
      const r = await db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
      if (r === undefined) return undefined;
      const trials = await db.selectFrom('run_trials').selectAll().where('run_id', '=', id).orderBy('idx').execute();
      return {
        ...runFromRow(r),
        foldMetrics: fromJsonText(r.fold_metrics),
        trials: trials.map(
          (t): TrialRecord => ({
            index: t.idx,
            family: t.family,
            params: fromJsonText(t.params),
            foldMetrics: fromJsonText(t.fold_metrics),
            mean: fromJsonText(t.mean),
            std: fromJsonText(t.std),
            durationMs: t.duration_ms,
            status: t.status as TrialStatus,
            ...(t.error === null ? {} : { error: t.error }),
          }),
        ),
      };
    });
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    return this.#read(async (db) => {
      let q = db
        .selectFrom('runs')
        .selectAll('runs')
        .select((eb) =>
          eb
            .selectFrom('run_trials')
            .select(eb.fn.countAll<number | string>().as('n'))
            .whereRef('run_trials.run_id', '=', 'runs.id')
            .as('trial_count'),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc');
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.name !== undefined) q = q.where('name', '=', query.name);
      if (query.limit !== undefined) q = q.limit(query.limit);
      const rows = await q.execute();
      return rows.map((r) => ({ ...runFromRow(r), trialCount: num(r.trial_count ?? 0) }));
    });
  }

  // ---- models ----

  async ensureModel(name: string, description: string, createdAt: string): Promise<RegisteredModel> {
    checkModelName(name);
    await this.#tx(async (trx) => {
      await trx
        .insertInto('models')
        .values({ name, description, created_at: createdAt, latest_version: 0 })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
    });
    return (await this.getModel(name))!;
  }

  async getModel(name: string): Promise<RegisteredModel | undefined> {
    return this.#read(async (db) => {
      const r = await db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
      return r === undefined ? undefined : modelFromRow(r);
    });
  }

  async listModels(): Promise<RegisteredModel[]> {
    return this.#read(async (db) =>
      (await db.selectFrom('models').selectAll().orderBy('name').execute()).map(modelFromRow),
    );
  }

  async createVersion(v: NewModelVersion): Promise<ModelVersion> {
    checkNewVersion(v);
    const metrics = toJsonText(v.metrics, 'metrics');
    const signature = toJsonText(v.signature, 'signature');
    const version = await this.#tx(async (trx) => {
      // the counter bump comes first: on PostgreSQL it row-locks the model, on SQLite the
      // transaction is already IMMEDIATE, so racing registrations serialise here
      const m = await trx
        .insertInto('models')
        .values({ name: v.model, description: v.description ?? '', created_at: v.createdAt, latest_version: 1 })
        .onConflict((oc) => oc.column('name').doUpdateSet({ latest_version: sql`models.latest_version + 1` }))
        .returning('latest_version')
        .executeTakeFirstOrThrow();
      const version = m.latest_version;
      if (v.runId !== null) {
        const run = await trx.selectFrom('runs').select('id').where('id', '=', v.runId).executeTakeFirst();
        if (run === undefined) {
          throw notFound(`run ${v.runId}`, 'register the version with the id of an existing run, or none');
        }
      }
      await trx
        .insertInto('model_versions')
        .values({
          model: v.model,
          version,
          run_id: v.runId,
          kind: v.kind,
          family: v.family,
          metrics,
          threshold: v.threshold,
          status: 'active',
          data_version: v.dataVersion,
          test_set_hash: v.testSetHash,
          signature,
          created_at: v.createdAt,
          created_by: v.createdBy,
        })
        .execute();
      const tags = Object.entries(v.tags).map(([key, value]) => ({ model: v.model, version, key, value }));
      if (tags.length > 0) await trx.insertInto('version_tags').values(tags).execute();
      const arts = Object.entries(v.artifacts).map(([name, a]) => ({
        model: v.model,
        version,
        name,
        sha256: a.sha256,
        size: a.size,
        content_type: a.contentType,
      }));
      if (arts.length > 0) await trx.insertInto('version_artifacts').values(arts).execute();
      return version;
    });
    return (await this.getVersion(v.model, version))!;
  }

  async #hydrate(db: Db, rows: readonly ModelVersionsTable[]): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const models = [...new Set(rows.map((r) => r.model))];
    const [tags, arts] = await Promise.all([
      db.selectFrom('version_tags').selectAll().where('model', 'in', models).execute(),
      db.selectFrom('version_artifacts').selectAll().where('model', 'in', models).execute(),
    ]);
    const tagMap = new Map<string, Record<string, string>>();
    for (const t of tags) {
      const k = `${t.model}@${t.version}`;
      const m = tagMap.get(k) ?? {};
      m[t.key] = t.value;
      tagMap.set(k, m);
    }
    const artMap = new Map<string, Record<string, ArtifactRef>>();
    for (const a of arts) {
      const k = `${a.model}@${a.version}`;
      const m = artMap.get(k) ?? {};
      m[a.name] = { sha256: a.sha256, size: num(a.size), contentType: a.content_type };
      artMap.set(k, m);
    }
    return rows.map((r) => ({
      model: r.model,
      version: r.version,
      runId: r.run_id,
      kind: r.kind,
      family: r.family,
      metrics: fromJsonText(r.metrics),
      threshold: r.threshold,
      status: r.status as VersionStatus,
      tags: tagMap.get(`${r.model}@${r.version}`) ?? {},
      dataVersion: r.data_version,
      testSetHash: r.test_set_hash,
      signature: fromJsonText(r.signature),
      artifacts: artMap.get(`${r.model}@${r.version}`) ?? {},
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  }

  async getVersion(model: string, version: number): Promise<ModelVersion | undefined> {
    return this.#read(async (db) => {
      const rows = await db
        .selectFrom('model_versions')
        .selectAll()
        .where('model', '=', model)
        .where('version', '=', version)
        .execute();
      return (await this.#hydrate(db, rows))[0];
    });
  }

  async searchVersions(query: VersionQuery): Promise<ModelVersion[]> {
    return this.#read(async (db) => {
      let q = db.selectFrom('model_versions').selectAll();
      if (query.model !== undefined) q = q.where('model', '=', query.model);
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.dataVersion !== undefined) q = q.where('data_version', '=', query.dataVersion);
      for (const [k, v] of Object.entries(query.tags ?? {})) {
        q = q.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('version_tags as t')
              .select('t.key')
              .whereRef('t.model', '=', 'model_versions.model')
              .whereRef('t.version', '=', 'model_versions.version')
              .where('t.key', '=', k)
              .where('t.value', '=', v),
          ),
        );
      }
      return filterAndSortVersions(await this.#hydrate(db, await q.execute()), query);
    });
  }

  async setVersionStatus(model: string, version: number, status: VersionStatus): Promise<ModelVersion> {
    await this.#tx(async (trx) => {
      const r = await trx
        .updateTable('model_versions')
        .set({ status })
        .where('model', '=', model)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        throw notFound(`model version ${model}@${version}`, `list versions with \`aquaops models show ${model}\``);
      }
    });
    return (await this.getVersion(model, version))!;
  }

  async setTags(model: string, version: number, tags: Readonly<Record<string, string | null>>): Promise<ModelVersion> {
    checkTagKeys(tags);
    await this.#tx(async (trx) => {
      // touching the row first takes the write lock and proves the version exists
      const r = await trx
        .updateTable('model_versions')
        .set({ model })
        .where('model', '=', model)
        .where('version', '=', version)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) {
        throw notFound(`model version ${model}@${version}`, `list versions with \`aquaops models show ${model}\``);
      }
      for (const [key, value] of Object.entries(tags)) {
        if (value === null) {
          await trx
            .deleteFrom('version_tags')
            .where('model', '=', model)
            .where('version', '=', version)
            .where('key', '=', key)
            .execute();
        } else {
          await trx
            .insertInto('version_tags')
            .values({ model, version, key, value })
            .onConflict((oc) => oc.columns(['model', 'version', 'key']).doUpdateSet({ value }))
            .execute();
        }
      }
    });
    return (await this.getVersion(model, version))!;
  }

  async getAlias(model: string, alias: string): Promise<AliasRecord | undefined> {
    return this.#read(async (db) => {
      const r = await db
        .selectFrom('aliases')
        .selectAll()
        .where('model', '=', model)
        .where('alias', '=', alias)
        .executeTakeFirst();
      return r === undefined
        ? undefined
        : { model: r.model, alias: r.alias, version: r.version, updatedAt: r.updated_at };
    });
  }

  async listAliases(model: string): Promise<AliasRecord[]> {
    return this.#read(async (db) => {
      const rows = await db.selectFrom('aliases').selectAll().where('model', '=', model).orderBy('alias').execute();
      return rows.map((r) => ({ model: r.model, alias: r.alias, version: r.version, updatedAt: r.updated_at }));
    });
  }

  async moveAlias(move: AliasMove): Promise<AliasEvent> {
    checkAliasMove(move);
    const metrics = toJsonText(move.metrics, 'metrics');
    return this.#tx(async (trx) => {
      const { model, alias, version, expected } = move;
      if (version !== null) {
        const v = await trx
          .selectFrom('model_versions')
          .select('version')
          .where('model', '=', model)
          .where('version', '=', version)
          .executeTakeFirst();
        if (v === undefined) {
          throw notFound(`model version ${model}@${version}`, `list versions with \`aquaops models show ${model}\``);
        }
      }
      let changed: bigint;
      if (expected === null) {
        const r = await trx
          .insertInto('aliases')
          .values({ model, alias, version: version!, updated_at: move.at })
          .onConflict((oc) => oc.columns(['model', 'alias']).doNothing())
          .executeTakeFirst();
        changed = r.numInsertedOrUpdatedRows ?? 0n;
      } else if (version === null) {
        const r = await trx
          .deleteFrom('aliases')
          .where('model', '=', model)
          .where('alias', '=', alias)
          .where('version', '=', expected)
          .executeTakeFirst();
        changed = r.numDeletedRows;
      } else {
        const r = await trx
          .updateTable('aliases')
          .set({ version, updated_at: move.at })
          .where('model', '=', model)
          .where('alias', '=', alias)
          .where('version', '=', expected)
          .executeTakeFirst();
        changed = r.numUpdatedRows;
      }
      if (Number(changed) !== 1) {
        const cur = await trx
          .selectFrom('aliases')
          .select('version')
          .where('model', '=', model)
          .where('alias', '=', alias)
          .executeTakeFirst();
        throw casConflict(model, alias, expected, cur?.version ?? null);
      }
      const ev = await trx
        .insertInto('alias_events')
        .values({
          model,
          alias,
          from_version: expected,
          to_version: version,
          actor: move.actor,
          reason: move.reason,
          metrics,
          at: move.at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return {
        id: num(ev.id),
        model,
        alias,
        fromVersion: expected,
        toVersion: version,
        actor: move.actor,
        reason: move.reason,
        metrics: move.metrics,
        at: move.at,
      };
    });
  }

  async aliasHistory(model: string, alias?: string): Promise<AliasEvent[]> {
    return this.#read(async (db) => {
      let q = db.selectFrom('alias_events').selectAll().where('model', '=', model).orderBy('id');
      if (alias !== undefined) q = q.where('alias', '=', alias);
      return (await q.execute()).map((e) => ({
        id: num(e.id),
        model: e.model,
        alias: e.alias,
        fromVersion: e.from_version,
        toVersion: e.to_version,
        actor: e.actor,
        reason: e.reason,
        metrics: fromJsonText(e.metrics),
        at: e.at,
      }));
    });
  }

  async getRouting(model: string): Promise<RoutingRecord | undefined> {
    return this.#read(async (db) => {
      const r = await db.selectFrom('routing').selectAll().where('model', '=', model).executeTakeFirst();
      if (r === undefined) return undefined;
      return {
        model: r.model,
        config: parseStoredRouting(r.config, model, this.description),
        updatedAt: r.updated_at,
        actor: r.actor,
        reason: r.reason,
      };
    });
  }

  async setRouting(change: RoutingChange): Promise<RoutingEvent> {
    const config = checkRoutingChange(change);
    const text = toJsonText(config, 'config');
    const { model, actor, reason, at } = change;
    return this.#tx(async (trx) => {
      // touching the model row first proves it exists and, on PostgreSQL, row-locks it, so
      // concurrent changes read each other's result as their `from` (SQLite: BEGIN IMMEDIATE)
      const touched = await trx
        .updateTable('models')
        .set((eb) => ({ description: eb.ref('description') }))
        .where('name', '=', model)
        .executeTakeFirst();
      if (Number(touched.numUpdatedRows) === 0)
        throw notFound(`model ${model}`, 'set routing only for a registered model');
      const wanted = routingVersions(config);
      if (wanted.length > 0) {
        const found = new Set(
          (
            await trx
              .selectFrom('model_versions')
              .select('version')
              .where('model', '=', model)
              .where('version', 'in', wanted)
              .execute()
          ).map((r) => r.version),
        );
        const missing = wanted.find((v) => !found.has(v));
        if (missing !== undefined) {
          throw notFound(`model version ${model}@${missing}`, `list versions with \`aquaops models show ${model}\``);
        }
      }
      const prev = await trx.selectFrom('routing').select('config').where('model', '=', model).executeTakeFirst();
      // a malformed previous row (edited by hand) must not block the change that replaces it
      let from: Routing | null = null;
      if (prev !== undefined) {
        try {
          from = checkRouting(JSON.parse(prev.config) as unknown, 'config');
        } catch {
          from = null;
        }
      }
      await trx
        .insertInto('routing')
        .values({ model, config: text, updated_at: at, actor, reason })
        .onConflict((oc) => oc.column('model').doUpdateSet({ config: text, updated_at: at, actor, reason }))
        .execute();
      const ev = await trx
        .insertInto('routing_events')
        .values({
          model,
          from_config: from === null ? null : toJsonText(from, 'from'),
          to_config: text,
          actor,
          reason,
          at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: num(ev.id), model, from, to: config, actor, reason, at };
    });
  }

  async routingHistory(model: string): Promise<RoutingEvent[]> {
    return this.#read(async (db) => {
      const rows = await db.selectFrom('routing_events').selectAll().where('model', '=', model).orderBy('id').execute();
      return rows.map((e) => ({
        id: num(e.id),
        model: e.model,
        from: e.from_config === null ? null : parseStoredRouting(e.from_config, model, this.description),
        to: parseStoredRouting(e.to_config, model, this.description),
        actor: e.actor,
        reason: e.reason,
        at: e.at,
      }));
    });
  }

  async referencedArtifacts(): Promise<Set<string>> {
    return this.#read(async (db) => {
      const rows = await db.selectFrom('version_artifacts').select('sha256').distinct().execute();
      return new Set(rows.map((r) => r.sha256));
    });
  }

  // ---- predictions ----

  async appendPredictions(records: readonly PredictionRecord[]): Promise<void> {
    records.forEach(checkPrediction);
    if (records.length === 0) return;
    const rows = records.map(
      (p, i): PredictionRow => ({
        id: p.id,
        ts: p.ts,
        ts_ms: Date.parse(p.ts),
        model: p.model,
        version: p.version,
        route: p.route,
        verdict: p.outputs.verdict,
        label: p.outputs.label,
        probability: p.outputs.probability,
        inputs: toJsonText(p.inputs, `predictions[${i}].inputs`),
        outputs: toJsonText(p.outputs, `predictions[${i}].outputs`),
        latency_ms: p.latencyMs,
        request_id: p.requestId,
      }),
    );
    const fast = this.#insertPredictions;
    if (fast !== undefined) {
      try {
        await fast(rows);
      } catch (err) {
        throw this.#wrap(err);
      }
      return;
    }
    await this.#tx(async (trx) => {
      // chunks keep each statement under SQLite's bound-parameter limit
      for (let i = 0; i < rows.length; i += 200)
        await trx
          .insertInto('predictions')
          .values(rows.slice(i, i + 200))
          .execute();
    });
  }

  async recordFeedback(feedback: Feedback): Promise<{ created: boolean; feedback: Feedback }> {
    checkFeedback(feedback);
    return this.#tx(async (trx) => {
      const p = await trx
        .selectFrom('predictions')
        .select('id')
        .where('id', '=', feedback.predictionId)
        .executeTakeFirst();
      if (p === undefined)
        throw notFound(`prediction ${feedback.predictionId}`, 'send feedback only for ids the API returned');
      const r = await trx
        .insertInto('feedback')
        .values({
          prediction_id: feedback.predictionId,
          label: feedback.label,
          ts: feedback.ts,
          source: feedback.source,
        })
        .onConflict((oc) => oc.column('prediction_id').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 1) return { created: true, feedback };
      const f = await trx
        .selectFrom('feedback')
        .selectAll()
        .where('prediction_id', '=', feedback.predictionId)
        .executeTakeFirstOrThrow();
      return { created: false, feedback: feedbackFromRow(f) };
    });
  }

  async recentPredictions(window: PredictionWindow & { readonly limit: number }): Promise<PredictionWithFeedback[]> {
    return this.#read(async (db) => {
      let q = db
        .selectFrom('predictions as p')
        .leftJoin('feedback as f', 'f.prediction_id', 'p.id')
        .select([
          'p.id',
          'p.ts',
          'p.model',
          'p.version',
          'p.route',
          'p.inputs',
          'p.outputs',
          'p.latency_ms',
          'p.request_id',
        ])
        .select(['f.prediction_id', 'f.label', 'f.ts as f_ts', 'f.source'])
        .orderBy('p.ts_ms', 'desc')
        .orderBy('p.id', 'desc')
        .limit(window.limit);
      if (window.model !== undefined) q = q.where('p.model', '=', window.model);
      if (window.version !== undefined) q = q.where('p.version', '=', window.version);
      if (window.since !== undefined) q = q.where('p.ts_ms', '>=', Date.parse(window.since));
      if (window.until !== undefined) q = q.where('p.ts_ms', '<', Date.parse(window.until));
      const rows = await q.execute();
      return rows.map((r) => ({
        id: r.id,
        ts: r.ts,
        model: r.model,
        version: r.version,
        route: r.route as Route,
        inputs: fromJsonText(r.inputs),
        outputs: fromJsonText(r.outputs),
        latencyMs: r.latency_ms,
        requestId: r.request_id,
        feedback:
          r.prediction_id === null || r.label === null || r.f_ts === null || r.source === null
            ? null
            : feedbackFromRow({ prediction_id: r.prediction_id, label: r.label, ts: r.f_ts, source: r.source }),
      }));
    });
  }

  async predictionCounts(window: PredictionWindow & { readonly bucketMs?: number }): Promise<PredictionCount[]> {
    const bucketMs = window.bucketMs;
    if (bucketMs !== undefined && (!Number.isSafeInteger(bucketMs) || bucketMs <= 0)) {
      throw new AquaopsError('AQUAOPS_E_REGISTRY_INVALID', `bucketMs must be a positive integer, got ${bucketMs}`, {
        hint: 'pass a bucket size in whole milliseconds, e.g. 3600000 for hours',
      });
    }
    return this.#read(async (db) => {
      const bucketExpr: RawBuilder<number | string | null> =
        bucketMs === undefined ? sql`NULL` : sql`(ts_ms - (ts_ms % ${sql.lit(bucketMs)}))`;
      let q = db
        .selectFrom('predictions')
        .select([bucketExpr.as('bucket'), 'model', 'version', 'route', 'verdict'])
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .groupBy([sql`1`, 'model', 'version', 'route', 'verdict']);
      if (window.model !== undefined) q = q.where('model', '=', window.model);
      if (window.version !== undefined) q = q.where('version', '=', window.version);
      if (window.since !== undefined) q = q.where('ts_ms', '>=', Date.parse(window.since));
      if (window.until !== undefined) q = q.where('ts_ms', '<', Date.parse(window.until));
      const rows = await q.execute();
      return sortCounts(
        rows.map((r) => ({
          bucket: r.bucket === null ? null : new Date(num(r.bucket)).toISOString(),
          model: r.model,
          version: r.version,
          route: r.route as Route,
          verdict: r.verdict,
          count: num(r.n),
        })),
      );
    });
  }

  async realisedAccuracy(window: PredictionWindow): Promise<RealisedAccuracy[]> {
    return this.#read(async (db) => {
      const sum = (pred: number, truth: number) =>
        sql<
          number | string
        >`SUM(CASE WHEN p.label = ${sql.lit(pred)} AND f.label = ${sql.lit(truth)} THEN 1 ELSE 0 END)`;
      let q = db
        .selectFrom('predictions as p')
        .innerJoin('feedback as f', 'f.prediction_id', 'p.id')
        .select(['p.model', 'p.version', 'p.route'])
        .select([sum(1, 1).as('tp'), sum(1, 0).as('fp'), sum(0, 0).as('tn'), sum(0, 1).as('fn')])
        .groupBy(['p.model', 'p.version', 'p.route']);
      if (window.model !== undefined) q = q.where('p.model', '=', window.model);
      if (window.version !== undefined) q = q.where('p.version', '=', window.version);
      if (window.since !== undefined) q = q.where('p.ts_ms', '>=', Date.parse(window.since));
      if (window.until !== undefined) q = q.where('p.ts_ms', '<', Date.parse(window.until));
      const rows = await q.execute();
      return sortAccuracy(
        rows.map((r) =>
          finishAccuracy({
            model: r.model,
            version: r.version,
            route: r.route as Route,
            tp: num(r.tp),
            fp: num(r.fp),
            tn: num(r.tn),
            fn: num(r.fn),
          }),
        ),
      );
    });
  }

  async close(): Promise<void> {
    await this.#onClose();
  }
}

function runFromRow(r: RunsTable): Omit<RunRecord, 'trials' | 'foldMetrics'> {
  return {
    id: r.id,
    name: r.name,
    status: r.status as RunStatus,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    params: fromJsonText(r.params),
    testMetrics: fromJsonText(r.test_metrics),
    data: { version: r.data_version, schemaName: r.schema_name, schemaVersion: r.schema_version },
    codeVersion: r.code_version,
    seed: r.seed === null ? null : num(r.seed),
    durations: fromJsonText(r.durations),
    environment: fromJsonText(r.environment),
    error: r.error,
    summary: fromJsonText(r.summary),
  };
}

function modelFromRow(r: {
  name: string;
  description: string;
  created_at: string;
  latest_version: number;
}): RegisteredModel {
  return { name: r.name, description: r.description, createdAt: r.created_at, latestVersion: r.latest_version };
}

function feedbackFromRow(f: { prediction_id: string; label: number; ts: string; source: string }): Feedback {
  return { predictionId: f.prediction_id, label: f.label === 1 ? 1 : 0, ts: f.ts, source: f.source };
}
