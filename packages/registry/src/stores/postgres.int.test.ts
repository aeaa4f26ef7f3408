/**
 * Runs the store conformance suite against PostgreSQL on 127.0.0.1:5432 (database `test`), each
 * store in its own throw-away schema so parallel runs never clash. Skips, with a visible
 * message, only when nothing listens there. Also checks the unreachable-server error.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runStoreConformance } from './conformance.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { openStore } from './open.js';
import { openPostgresStore } from './postgres.js';
import type { RegistryStore } from './store.js';

const BASE = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: 5432 });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

const up = await reachable();
if (!up) console.warn('SKIPPED postgres registry tests: nothing listens on 127.0.0.1:5432');

const prefix = `aq_reg_${process.pid}_${randomBytes(3).toString('hex')}`;
const schemas: string[] = [];
const urls = new Map<object, string>();

async function dropSchemas(): Promise<void> {
  const c = new pg.Client({ connectionString: BASE });
  await c.connect();
  try {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await c.end();
  }
}

describe.skipIf(!up)('postgres store', () => {
  runStoreConformance('postgres', {
    create: async () => {
      const schema = `${prefix}_${schemas.length}`;
      schemas.push(schema);
      const url = `${BASE}?schema=${schema}`;
      const s = await openStore(url);
      urls.set(s, url);
      return s;
    },
    connect: async (s: RegistryStore) => openStore(urls.get(s)!),
    cleanup: dropSchemas,
    writeRawRouting: async (s, model, text) => {
      const schema = new URL(urls.get(s)!).searchParams.get('schema');
      const c = new pg.Client({ connectionString: BASE });
      await c.connect();
      try {
        await c.query(`UPDATE ${schema}.routing SET config = $1 WHERE model = $2`, [text, model]);
      } finally {
        await c.end();
      }
    },
  });

  it('migrations are idempotent and concurrent opens apply them once; a newer schema is refused', async () => {
    const schema = `${prefix}_mig`;
    schemas.push(schema);
    const url = `${BASE}?schema=${schema}`;
    const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url), openPostgresStore(url)]);
    for (const s of stores) await s.close();
    const c = new pg.Client({ connectionString: BASE });
    await c.connect();
    try {
      const r = await c.query(`SELECT version FROM ${schema}.registry_migrations ORDER BY version`);
      expect(r.rows.map((x: { version: number }) => x.version)).toEqual(
        Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
      );
      await c.query(`INSERT INTO ${schema}.registry_migrations VALUES ($1, 'future', 'x')`, [
        LATEST_SCHEMA_VERSION + 1,
      ]);
    } finally {
      await c.end();
    }
    await expect(openPostgresStore(url)).rejects.toMatchObject({ code: 'AQUAOPS_E_REGISTRY_SCHEMA' });
    await dropSchemas();
  });
});

describe('postgres store: unreachable server', () => {
  it('reports a clear error naming the URL with the password masked', async () => {
    const url = 'postgres://alice:s3cret@127.0.0.1:1/registry';
    let err: unknown;
    try {
      await openStore(url);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'AQUAOPS_E_REGISTRY_UNAVAILABLE', name: 'AquaopsError' });
    const msg = (err as Error).message;
    expect(msg).toContain('postgres://alice:***@127.0.0.1:1/registry');
    expect(msg).not.toContain('s3cret');
    expect(JSON.stringify((err as { details: unknown }).details)).not.toContain('s3cret');
  });
});
