/** Tests the registry service on the memory store and a temp artifact directory. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../stores/memory.js';
import { FsArtifactStore } from '../artifacts/fs.js';
import { ModelRegistry, parseVersionRef } from './service.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-registry-svc-'));
afterAll(() => {
  for (const f of fs.readdirSync(root, { recursive: true }) as string[]) fs.chmodSync(path.join(root, f), 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

let n = 0;
function setup(): ModelRegistry {
  return new ModelRegistry(new MemoryStore(), new FsArtifactStore(path.join(root, `a${n++}`)));
}
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function register(reg: ModelRegistry, auc: number, over: { testSetHash?: string } = {}) {
  return reg.register({
    model: 'water',
    kind: 'classifier',
    family: 'random_forest',
    metrics: { test_auc: auc },
    threshold: 0.5,
    dataVersion: 'd1',
    testSetHash: over.testSetHash ?? 'h1',
    artifacts: { model: { data: enc(`weights-${auc}`), contentType: 'application/json' } },
  });
}

describe('ModelRegistry', () => {
  it('registers with artifacts and loads them verified; a tampered blob is refused', async () => {
    const reg = setup();
    const phases: string[] = [];
    const v = await reg.register(
      {
        model: 'water',
        kind: 'classifier',
        family: 'rf',
        metrics: { test_auc: 0.7 },
        threshold: 0.4,
        tags: { team: 'a' },
        artifacts: {
          model: { data: enc('weights'), contentType: 'application/json' },
          report: { data: enc('report'), contentType: 'text/plain' },
        },
      },
      { onProgress: (e) => void phases.push(e.phase) },
    );
    expect(phases).toEqual(['artifact-written', 'artifact-written', 'committing', 'committed']);
    expect(v.version).toBe(1);
    expect(v.artifacts.model?.size).toBe(7);
    expect(Buffer.from(await reg.loadArtifact('water', 1, 'model')).toString()).toBe('weights');
    await expect(reg.loadArtifact('water', 1, 'nope')).rejects.toMatchObject({ code: 'AQUAOPS_E_NOT_FOUND' });
    const fsStore = reg.artifacts as FsArtifactStore;
    const file = fsStore.pathOf(v.artifacts.model!.sha256);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, 'weightz');
    await expect(reg.loadArtifact('water', 1, 'model')).rejects.toMatchObject({
      code: 'AQUAOPS_E_ARTIFACT_CORRUPT',
      message: expect.stringMatching(
        new RegExp(`"model" of water@1 .*expected sha256 ${v.artifacts.model!.sha256}, found [0-9a-f]{64}`),
      ),
    });
    await expect(reg.verify('water', 1)).rejects.toMatchObject({ code: 'AQUAOPS_E_ARTIFACT_CORRUPT' });
  });

  it('resolves NAME, NAME@VERSION and NAME@ALIAS', async () => {
    const reg = setup();
    await register(reg, 0.7);
    await register(reg, 0.72);
    await reg.promote({ model: 'water', version: 1, alias: 'champion', reason: 'first', actor: 't' });
    expect((await reg.resolve('water@champion')).version).toBe(1);
    expect((await reg.resolve('water@2')).version).toBe(2);
    expect((await reg.resolve('water')).version).toBe(2);
    await expect(reg.resolve('water@challenger')).rejects.toMatchObject({ code: 'AQUAOPS_E_NOT_FOUND' });
    expect(parseVersionRef('a.b@x')).toEqual({ model: 'a.b', alias: 'x' });
    expect(() => parseVersionRef('a@')).toThrow(/alias/);
  });

  it('promotes with CAS, rolls back from the audit trail, refuses archiving an aliased version', async () => {
    const reg = setup();
    for (const auc of [0.7, 0.72, 0.75]) await register(reg, auc);
    await reg.promote({ model: 'water', version: 1, alias: 'champion', reason: 'first', actor: 'ana' });
    await reg.promote({
      model: 'water',
      version: 3,
      alias: 'champion',
      reason: 'better',
      actor: 'ana',
      expectedVersion: 1,
    });
    await expect(
      reg.promote({ model: 'water', version: 2, alias: 'champion', reason: 'stale', actor: 'bob', expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: 'AQUAOPS_E_REGISTRY_CONFLICT' });
    // Moving an alias to where it already points is refused and leaves no audit entry.
    const before = (await reg.store.aliasHistory('water', 'champion')).length;
    await expect(
      reg.promote({ model: 'water', version: 3, alias: 'champion', reason: 'again', actor: 'bob' }),
    ).rejects.toThrow(/already points at version 3/);
    expect((await reg.store.aliasHistory('water', 'champion')).length).toBe(before);
    const rb = await reg.rollback({ model: 'water', alias: 'champion', actor: 'ana' });
    expect([rb.fromVersion, rb.toVersion]).toEqual([3, 1]);
    expect(rb.metrics).toEqual({ test_auc: 0.7 });
    await expect(reg.archive('water', 1)).rejects.toMatchObject({ code: 'AQUAOPS_E_REGISTRY_CONFLICT' });
    expect((await reg.archive('water', 2)).status).toBe('archived');
    await expect(
      reg.promote({ model: 'water', version: 2, alias: 'x', reason: 'r', actor: 'a' }),
    ).rejects.toMatchObject({
      code: 'AQUAOPS_E_REGISTRY_CONFLICT',
    });
    const fresh = setup();
    await register(fresh, 0.5);
    await fresh.promote({ model: 'water', version: 1, alias: 'champion', reason: 'r', actor: 'a' });
    await expect(fresh.rollback({ model: 'water', alias: 'champion', actor: 'a' })).rejects.toThrow(
      /no previous version/,
    );
  });

  it('auto-promotes by policy: champion only when beating it on the same test set', async () => {
    const reg = setup();
    const policy = { metric: 'test_auc', higherIsBetter: true, minImprovement: 0.01 };
    await register(reg, 0.7);
    expect((await reg.autoPromote('water', 1, policy, 'ci')).decision.alias).toBe('champion');
    await register(reg, 0.705);
    expect((await reg.autoPromote('water', 2, policy, 'ci')).decision.alias).toBe('challenger');
    await register(reg, 0.8, { testSetHash: 'other' });
    expect((await reg.autoPromote('water', 3, policy, 'ci')).decision.alias).toBe('challenger');
    await register(reg, 0.75);
    const r = await reg.autoPromote('water', 4, policy, 'ci');
    expect(r.decision.alias).toBe('champion');
    expect(r.event).toMatchObject({
      fromVersion: 1,
      toVersion: 4,
      actor: 'ci',
      metrics: { test_auc: 0.75, champion_test_auc: 0.7 },
    });
    expect((await reg.store.getAlias('water', 'challenger'))?.version).toBe(3);
  });

  it('diffs two versions', async () => {
    const reg = setup();
    await register(reg, 0.7);
    await register(reg, 0.75, { testSetHash: 'h2' });
    const d = await reg.diff('water', 1, 2);
    expect(d.metrics.test_auc?.delta).toBeCloseTo(0.05, 12);
    expect(Object.keys(d.changed).sort()).toEqual(['artifacts.model', 'testSetHash']);
  });

  it('gc removes only unreferenced blobs older than the grace period', async () => {
    const reg = setup();
    await register(reg, 0.7);
    const orphan = await reg.artifacts.put(enc('orphan from a crashed registration'));
    expect((await reg.gc({ graceMs: 60_000 })).removed).toEqual([]);
    const r = await reg.gc({ graceMs: 0 });
    expect(r.removed).toEqual([orphan.sha256]);
    expect(r.kept).toBe(1);
    expect(Buffer.from(await reg.loadArtifact('water', 1, 'model')).toString()).toBe('weights-0.7');
  });
});
