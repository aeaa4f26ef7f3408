/** Runs the store conformance suite against SQLite files in a temp directory, plus SQLite-specific checks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreConformance } from './conformance.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
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
  writeRawRouting: async (s, model, text) => {
    const raw = new Database(files.get(s)!);
    try {
      raw.prepare('UPDATE routing SET config = ? WHERE model = ?').run(text, model);
    } finally {
      raw.close();
    }
  },
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

  it('upgrades a version-2 database in place to routing (v3), keeping its data', async () => {
    const file = path.join(mdir, 'v2.db');
    const raw = new Database(file);
    raw.exec(
      'CREATE TABLE registry_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
      for (const stmt of m.statements('sqlite')) raw.exec(stmt);
      raw.prepare('INSERT INTO registry_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'x');
    }
    raw
      .prepare("INSERT INTO models (name, description, created_at, latest_version) VALUES ('m', '', ?, 1)")
      .run('2026-01-01T00:00:00.000Z');
    raw
      .prepare(
        `INSERT INTO model_versions (model, version, run_id, kind, family, metrics, threshold, status, data_version,
          test_set_hash, signature, created_at, created_by) VALUES ('m', 1, NULL, 'k', 'f', '{}', 0.5, 'active', NULL, NULL,
          'null', '2026-01-01T00:00:00.000Z', 't')`,
      )
      .run();
    raw.close();
    const s = openSqliteStore(file);
    expect((await s.getVersion('m', 1))?.threshold).toBe(0.5);
    expect(await s.getRouting('m')).toBeUndefined();
    await s.setRouting({
      model: 'm',
      config: { variants: [{ version: 1, weight: 1 }] },
      actor: 't',
      reason: 'r',
      at: '2026-01-02T00:00:00.000Z',
    });
    await s.close();
    const again = openSqliteStore(file);
    expect((await again.getRouting('m'))?.config).toEqual({ variants: [{ version: 1, weight: 1 }] });
    await again.close();
    const check = new Database(file);
    const rows = check.prepare('SELECT version FROM registry_migrations ORDER BY version').all() as {
      version: number;
    }[];
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3]);
    check.close();
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
