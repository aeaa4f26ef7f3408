/**
 * Opens the SQLite store: better-sqlite3 under Kysely, WAL journal, a busy timeout for other
 * processes, foreign keys on. Transactions start with BEGIN IMMEDIATE so a writer takes the
 * write lock up front (no lock-upgrade deadlocks), and a per-file mutex serialises transactions
 * of several connections inside one process — better-sqlite3 waits synchronously on a lock,
 * so two connections of the same process must never wait on each other.
 */
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import Database from 'better-sqlite3';
import type { DatabaseConnection, Driver } from 'kysely';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver } from 'kysely';
import { MIGRATIONS_TABLE_SQL, pendingMigrations } from './migrations.js';
import type { RegistryDb } from './schema.js';
import { type PredictionRow, SqlStore } from './sql.js';

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => {
      release = r;
    });
    const prev = this.#tail;
    this.#tail = prev.then(() => next);
    await prev;
    return release;
  }
}

const fileLocks = new Map<string, Mutex>();

class ImmediateSqliteDriver extends SqliteDriver {
  readonly #mutex: Mutex;
  #release: (() => void) | undefined;
  constructor(config: ConstructorParameters<typeof SqliteDriver>[0], mutex: Mutex) {
    super(config);
    this.#mutex = mutex;
  }
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const release = await this.#mutex.lock();
    try {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    } catch (err) {
      release();
      throw err;
    }
    this.#release = release;
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('commit'));
    } finally {
      this.#unlock();
    }
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.#unlock();
    }
  }
  #unlock(): void {
    const r = this.#release;
    this.#release = undefined;
    r?.();
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  readonly #mutex: Mutex;
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0], mutex: Mutex) {
    super(config);
    this.#config = config;
    this.#mutex = mutex;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#mutex);
  }
}

export interface SqliteOptions {
  /** How long to wait for another process's write lock, ms. */
  readonly busyTimeoutMs?: number;
}

export function openSqliteStore(file: string, options: SqliteOptions = {}): SqlStore {
  const abs = path.resolve(file);
  let raw: Database.Database;
  try {
    raw = new Database(abs);
    raw.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
  } catch (err) {
    throw new AquaopsError(
      'AQUAOPS_E_REGISTRY_UNAVAILABLE',
      `cannot open SQLite registry ${abs}: ${(err as Error).message}`,
      {
        hint: 'check that the directory exists and is writable and the file is an SQLite database',
        details: [{ path: abs }],
        cause: err,
      },
    );
  }
  migrateSqlite(raw, abs);
  let mutex = fileLocks.get(abs);
  if (mutex === undefined) {
    mutex = new Mutex();
    fileLocks.set(abs, mutex);
  }
  const db = new Kysely<RegistryDb>({ dialect: new ImmediateSqliteDialect({ database: raw }, mutex) });
  const insert = raw.prepare(
    'INSERT INTO predictions (id, ts, ts_ms, model, version, route, verdict, label, probability, inputs, outputs, latency_ms, request_id) ' +
      'VALUES (@id, @ts, @ts_ms, @model, @version, @route, @verdict, @label, @probability, @inputs, @outputs, @latency_ms, @request_id)',
  );
  const insertAll = raw.transaction((rows: readonly PredictionRow[]) => {
    for (const r of rows) insert.run(r);
  });
  // Under the same per-file mutex as Kysely's transactions: the insert runs synchronously, so
  // holding the mutex is enough to never land inside another transaction of this connection.
  const insertPredictions = async (rows: readonly PredictionRow[]): Promise<void> => {
    const release = await mutex.lock();
    try {
      insertAll.immediate(rows);
    } finally {
      release();
    }
  };
  return new SqlStore(
    db,
    'sqlite',
    `sqlite:${abs}`,
    async () => {
      await db.destroy();
      if (raw.open) raw.close();
    },
    insertPredictions,
  );
}

function migrateSqlite(raw: Database.Database, where: string): void {
  try {
    raw
      .transaction(() => {
        raw.exec(MIGRATIONS_TABLE_SQL);
        const row = raw.prepare('SELECT MAX(version) AS v FROM registry_migrations').get() as { v: number | null };
        for (const m of pendingMigrations(row.v ?? 0, `sqlite:${where}`)) {
          for (const s of m.statements('sqlite')) raw.exec(s);
          raw
            .prepare('INSERT INTO registry_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, new Date().toISOString());
        }
      })
      .immediate();
  } catch (err) {
    raw.close();
    if (err instanceof AquaopsError) throw err;
    throw new AquaopsError(
      'AQUAOPS_E_REGISTRY_SCHEMA',
      `migrating SQLite registry ${where} failed: ${(err as Error).message}`,
      {
        hint: 'the file may not be an aquaops registry; point --store at another path',
        details: [{ path: where }],
        cause: err,
      },
    );
  }
}
