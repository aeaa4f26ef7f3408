/**
 * Opens the PostgreSQL store: a `pg` Pool under Kysely. `?schema=NAME` in the URL puts every
 * table in that schema (created on first open), which is how tests and tenants share one
 * database. Migrations run under a transaction-scoped advisory lock so concurrent starts apply
 * each migration once. Connection failures become one clear error naming the URL with its
 * password masked.
 */
import { AquaopsError } from '@aquaops/contracts';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { MIGRATIONS_TABLE_SQL, pendingMigrations } from './migrations.js';
import type { RegistryDb } from './schema.js';
import { SqlStore } from './sql.js';

/** A fixed key so every aquaops process agrees on the migration lock. */
const MIGRATION_LOCK_KEY = 0x61717561;
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

export interface PostgresOptions {
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
}

export async function openPostgresStore(url: string, options: PostgresOptions = {}): Promise<SqlStore> {
  const shown = maskUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AquaopsError('AQUAOPS_E_CONFIG', `not a valid PostgreSQL URL: ${shown}`, {
      hint: 'use postgres://USER[:PASSWORD]@HOST:PORT/DATABASE[?schema=NAME]',
    });
  }
  const schema = parsed.searchParams.get('schema');
  if (schema !== null && !SCHEMA_RE.test(schema)) {
    throw new AquaopsError('AQUAOPS_E_CONFIG', `invalid schema name "${schema}" in ${shown}`, {
      hint: 'use lowercase letters, digits and "_" (max 63), starting with a letter or "_"',
    });
  }
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.maxConnections ?? 5,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  // an idle client losing its connection must not crash the process; the next query reports it
  pool.on('error', () => {});
  const db = new Kysely<RegistryDb>({ dialect: new PostgresDialect({ pool }) });
  const where = schema === null ? shown : `${shown} (schema ${schema})`;
  try {
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      if (schema !== null) await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${schema}`).execute(trx);
      await sql.raw(MIGRATIONS_TABLE_SQL).execute(trx);
      const r = await sql<{ v: number | null }>`SELECT MAX(version) AS v FROM registry_migrations`.execute(trx);
      for (const m of pendingMigrations(r.rows[0]?.v ?? 0, where)) {
        for (const s of m.statements('postgres')) await sql.raw(s).execute(trx);
        await sql`INSERT INTO registry_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${new Date().toISOString()})`.execute(
          trx,
        );
      }
    });
  } catch (err) {
    await db.destroy().catch(() => {});
    if (err instanceof AquaopsError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new AquaopsError(
      'AQUAOPS_E_REGISTRY_UNAVAILABLE',
      `cannot open PostgreSQL registry ${where}: ${(err as Error).message || String(code ?? 'unknown error')}`,
      {
        hint: 'check that PostgreSQL is running, the host/port/user/database in --store are right, and the user may create tables',
        details: [{ path: shown, ...(typeof code === 'string' ? { found: code } : {}) }],
        cause: err,
      },
    );
  }
  return new SqlStore(db, 'postgres', where, () => db.destroy());
}
