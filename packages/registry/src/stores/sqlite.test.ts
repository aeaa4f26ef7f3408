/** Runs the store conformance suite against SQLite files in a temp directory, plus SQLite-specific checks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreConformance } from './conformance.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { openSqliteStore } from './sqlite.js';
import type { SqlStore } from './sql.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-registry-sqlite-'));
let n = 0;
const files = new Map<object, string>();

runStoreConformance('sqlite', {
  create: async () => {
    const file = path.join(dir, `t${n++}.db`);
    const s = openSqliteStore(file);
    files.set(s, file);
    return s;
  },
  connect: async (s) => openSqliteStore(files.get(s)!),
  cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
});

describe('sqlite store: migrations', () => {
  const mdir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-registry-mig-'));
  afterAll(() => fs.rmSync(mdir, { recursive: true, force: true }));

  it('is idempotent on reopen and uses WAL', async () => {
    const file = path.join(mdir, 'a.db');
    const a: SqlStore = openSqliteStore(file);
    await a.createVersion({
      model: 'm',
      runId: null,
      kind: 'k',
      family: 'f',
      metrics: {},
      threshold: 0.5,
      tags: {},
      dataVersion: null,
      testSetHash: null,
      signature: null,
      artifacts: {},
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 't',
    });
    await a.close();
    const b = openSqliteStore(file);
    expect((await b.getModel('m'))?.latestVersion).toBe(1);
    await b.close();
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const rows = raw.prepare('SELECT version FROM registry_migrations').all() as { version: number }[];
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
    raw.close();
  });

  it('refuses a database whose schema is newer than the code', () => {
    const file = path.join(mdir, 'newer.db');
    openSqliteStore(file).close();
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO registry_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(LATEST_SCHEMA_VERSION + 1, 'future', 'x');
    raw.close();
    expect(() => openSqliteStore(file)).toThrow(
      new RegExp(
        `schema version ${LATEST_SCHEMA_VERSION + 1}, newer than this aquaops knows \\(${LATEST_SCHEMA_VERSION}\\)`,
      ),
    );
    try {
      openSqliteStore(file);
    } catch (err) {
      expect((err as { code: string }).code).toBe('AQUAOPS_E_REGISTRY_SCHEMA');
    }
  });

  it('names the file when it cannot be opened', () => {
    const file = path.join(mdir, 'no-such-dir', 'x.db');
    expect(() => openSqliteStore(file)).toThrow(
      expect.objectContaining({ code: 'AQUAOPS_E_REGISTRY_UNAVAILABLE', message: expect.stringContaining(file) }),
    );
  });
});
