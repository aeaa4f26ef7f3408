/**
 * Crash safety of registration: writer processes (`npx tsx` of the register-loop fixture) are
 * killed with SIGKILL at random points, two at a time on one SQLite file. Afterwards there must
 * be no half-registered version (every version has its tags and verified artifacts, numbers
 * are gap-free), the alias points at a real version, and list/show/register/gc keep working.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../stores/sqlite.js';
import { FsArtifactStore } from '../artifacts/fs.js';
import { ModelRegistry } from './service.js';

const fixture = fileURLToPath(new URL('../../test-fixtures/register-loop.ts', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-crash-'));
const db = path.join(dir, 'reg.db');
const arts = path.join(dir, 'artifacts');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) killGroup(c.pid);
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** npx and tsx each start a child; the writer is the grandchild, so the whole group is killed. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function startWriter(): {
  child: ChildProcess;
  registered: Promise<void>;
  exited: Promise<void>;
  stderr: () => string;
} {
  const child = spawn('npx', ['tsx', fixture, `sqlite:${db}`, arts, 'water', '1000'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../..'),
  });
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const registered = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('registered ')) resolve();
    });
    child.once('exit', () => reject(new Error(`writer exited before registering: ${err}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, registered, exited, stderr: () => err };
}

describe('registration survives SIGKILL', () => {
  it('leaves no half-registered version and keeps every command working', async () => {
    for (let round = 0; round < 3; round++) {
      const writers = [startWriter(), startWriter()];
      await Promise.all(writers.map((w) => w.registered));
      for (const w of writers) {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
        killGroup(w.child.pid!);
      }
      await Promise.all(writers.map((w) => w.exited));
      for (const w of writers) expect(w.stderr()).not.toMatch(/Error/);
    }

    const store = openSqliteStore(db);
    const reg = new ModelRegistry(store, new FsArtifactStore(arts));
    try {
      const model = (await store.getModel('water'))!;
      const versions = await store.searchVersions({ model: 'water' });
      expect(versions.length).toBeGreaterThanOrEqual(6);
      // version numbers are allocated inside the registering transaction: no gaps, no extras
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: model.latestVersion }, (_, i) => i + 1),
      );
      for (const v of versions) {
        expect(Object.keys(v.artifacts).sort()).toEqual(['meta', 'model']);
        expect(Object.keys(v.tags).sort()).toEqual(['seq', 'writer']);
        await reg.verify('water', v.version);
      }
      const champ = await store.getAlias('water', 'champion');
      expect(champ).toBeDefined();
      expect(await store.getVersion('water', champ!.version)).toBeDefined();
      const history = await store.aliasHistory('water', 'champion');
      expect(history.at(-1)?.toVersion).toBe(champ!.version);

      const gc = await reg.gc({ graceMs: 0 });
      const referenced = await store.referencedArtifacts();
      for (const sha of gc.removed) expect(referenced.has(sha)).toBe(false);
      expect(fs.readdirSync(path.join(arts, 'sha256')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      for (const v of versions) await reg.verify('water', v.version);

      const next = await reg.register({
        model: 'water',
        kind: 'classifier',
        family: 'rf',
        metrics: {},
        threshold: 0.5,
        artifacts: { model: { data: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' } },
      });
      expect(next.version).toBe(model.latestVersion + 1);
      await reg.promote({
        model: 'water',
        version: next.version,
        alias: 'champion',
        reason: 'after crash',
        actor: 'test',
      });
      expect((await store.getAlias('water', 'champion'))?.version).toBe(next.version);
    } finally {
      await store.close();
    }
  });
});
