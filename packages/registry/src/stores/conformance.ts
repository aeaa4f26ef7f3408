/**
 * The one conformance suite every registry store must pass (memory, SQLite, PostgreSQL): the
 * same inputs must give the same results and the same errors, including under races. Each
 * backend's test file calls `runStoreConformance` with a factory for fresh stores.
 */
import { AquaopsError } from '@aquaops/contracts';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NewModelVersion, RoutingChange } from '../features/models/store.js';
import type { PredictionRecord } from '../features/predictions/store.js';
import type { NewRun, TrialRecord } from '../features/runs/store.js';
import type { RegistryStore } from './store.js';

export interface StoreFactory {
  /** A fresh, empty store. */
  create(): Promise<RegistryStore>;
  /** Another connection to the same database as `store` (the same object for memory). */
  connect(store: RegistryStore): Promise<RegistryStore>;
  /** Called once after all tests (drop schemas, remove files). */
  cleanup?(): Promise<void>;
  /**
   * Overwrites the stored routing text of `model` behind the store's back, as a hand edit of the
   * database would (SQL stores only; the memory store cannot hold a malformed row).
   */
  writeRawRouting?(store: RegistryStore, model: string, text: string): Promise<void>;
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

export function newRun(id: string, i = 0): NewRun {
  return {
    id,
    name: `train-${i}`,
    createdAt: iso(i * 1000),
    params: { family: 'rf', trees: 100 + i, nested: { a: [1, 2, null] } },
    data: { version: 'md5-abc', schemaName: 'water', schemaVersion: '1' },
    codeVersion: 'deadbeef',
    seed: 4_000_000_000 + i,
    environment: { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2 },
  };
}

export function newVersion(model: string, over: Partial<NewModelVersion> = {}): NewModelVersion {
  return {
    model,
    runId: null,
    kind: 'classifier',
    family: 'random_forest',
    metrics: { test_roc_auc: 0.7, cv_roc_auc: 0.68 },
    threshold: 0.5,
    tags: { team: 'water' },
    dataVersion: 'md5-abc',
    testSetHash: 'tsh-1',
    signature: { features: ['ph', 'Hardness'] },
    artifacts: { model: { sha256: 'a'.repeat(64), size: 10, contentType: 'application/json' } },
    createdAt: iso(0),
    createdBy: 'tester',
    ...over,
  };
}

function trial(index: number, mean: number): TrialRecord {
  return {
    index,
    family: 'rf',
    params: { depth: index },
    foldMetrics: [{ fold: 0, metrics: { auc: mean } }],
    mean: { auc: mean },
    std: { auc: 0.01 },
    durationMs: 12.5,
    status: 'ok',
  };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof AquaopsError ? err.code : `not an AquaopsError: ${String(err)}`;
  }
}

function prediction(i: number, over: Partial<PredictionRecord> = {}): PredictionRecord {
  const label = i % 3 === 0 ? 1 : 0;
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    ts: iso(i * 60_000),
    model: 'water',
    version: 1 + (i % 2),
    route: i % 5 === 0 ? 'shadow' : 'champion',
    inputs: { ph: 7 + i / 100 },
    outputs: { probability: label === 1 ? 0.8 : 0.2, verdict: label === 1 ? 'potable' : 'not_potable', label },
    latencyMs: 1.5,
    requestId: `req-${i}`,
    ...over,
  };
}

export function runStoreConformance(name: string, factory: StoreFactory): void {
  describe(`registry store conformance: ${name}`, () => {
    const open: RegistryStore[] = [];
    const fresh = async (): Promise<RegistryStore> => {
      const s = await factory.create();
      open.push(s);
      return s;
    };
    const second = async (s: RegistryStore): Promise<RegistryStore> => {
      const c = await factory.connect(s);
      if (c !== s) open.push(c);
      return c;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    afterAll(async () => {
      await factory.cleanup?.();
    });

    it('creates, updates and lists runs with trials', async () => {
      const s = await fresh();
      const r = await s.createRun(newRun('r1', 1));
      expect(r.status).toBe('running');
      expect(r.seed).toBe(4_000_000_001);
      expect(r.params).toEqual({ family: 'rf', trees: 101, nested: { a: [1, 2, null] } });
      await s.createRun(newRun('r2', 2));
      await s.addTrials('r1', [trial(0, 0.6), trial(1, 0.65)]);
      await s.addTrials('r1', [trial(1, 0.7)]);
      const u = await s.updateRun('r1', {
        status: 'finished',
        finishedAt: iso(5000),
        foldMetrics: [{ fold: 0, metrics: { auc: 0.7 } }],
        testMetrics: { auc: { value: 0.71, lower: 0.66, upper: 0.75, level: 0.95 } },
        durations: { fit: 120 },
        summary: { rule: 'one standard error', chosen: { family: 'gbm', trial: 3 } },
      });
      expect(u.status).toBe('finished');
      expect(r.summary).toEqual({});
      expect(u.summary).toEqual({ rule: 'one standard error', chosen: { family: 'gbm', trial: 3 } });
      expect(u.testMetrics.auc?.upper).toBe(0.75);
      expect(u.trials.map((t) => [t.index, t.mean.auc])).toEqual([
        [0, 0.6],
        [1, 0.7],
      ]);
      expect(u.data).toEqual({ version: 'md5-abc', schemaName: 'water', schemaVersion: '1' });
      const all = await s.listRuns();
      expect(all.map((x) => [x.id, x.trialCount])).toEqual([
        ['r2', 0],
        ['r1', 2],
      ]);
      expect((await s.listRuns({ status: 'finished' })).map((x) => x.id)).toEqual(['r1']);
      expect((await s.listRuns({ limit: 1 })).map((x) => x.id)).toEqual(['r2']);
      expect(await s.getRun('nope')).toBeUndefined();
      expect(await codeOf(s.updateRun('nope', { status: 'failed' }))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.addTrials('nope', [trial(0, 1)]))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.createRun(newRun('r1', 3)))).toBe('AQUAOPS_E_REGISTRY_CONFLICT');
      expect(await codeOf(s.createRun({ ...newRun('r9'), params: { x: Number.NaN } }))).toBe(
        'AQUAOPS_E_REGISTRY_INVALID',
      );
    });

    it('allocates versions 1, 2, 3 and round-trips every field', async () => {
      const s = await fresh();
      await s.createRun(newRun('run-a'));
      const v1 = await s.createVersion(newVersion('water', { runId: 'run-a', description: 'potability' }));
      const v2 = await s.createVersion(newVersion('water', { tags: { team: 'water', stage: 'dev' } }));
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1).toEqual({
        model: 'water',
        version: 1,
        runId: 'run-a',
        kind: 'classifier',
        family: 'random_forest',
        metrics: { test_roc_auc: 0.7, cv_roc_auc: 0.68 },
        threshold: 0.5,
        status: 'active',
        tags: { team: 'water' },
        dataVersion: 'md5-abc',
        testSetHash: 'tsh-1',
        signature: { features: ['ph', 'Hardness'] },
        artifacts: { model: { sha256: 'a'.repeat(64), size: 10, contentType: 'application/json' } },
        createdAt: iso(0),
        createdBy: 'tester',
      });
      expect(await s.getVersion('water', 2)).toEqual(v2);
      expect(await s.getModel('water')).toEqual({
        name: 'water',
        description: 'potability',
        createdAt: iso(0),
        latestVersion: 2,
      });
      expect(await s.ensureModel('water', 'other', iso(9))).toMatchObject({
        description: 'potability',
        latestVersion: 2,
      });
      expect(await s.ensureModel('lake', 'lake model', iso(9))).toMatchObject({ latestVersion: 0 });
      expect((await s.listModels()).map((m) => m.name)).toEqual(['lake', 'water']);
      expect(await s.getVersion('water', 3)).toBeUndefined();
    });

    it('a failed registration allocates nothing (one transaction)', async () => {
      const s = await fresh();
      expect(await codeOf(s.createVersion(newVersion('water', { runId: 'missing-run' })))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.createVersion(newVersion('water', { metrics: { auc: Number.POSITIVE_INFINITY } })))).toBe(
        'AQUAOPS_E_REGISTRY_INVALID',
      );
      expect(await codeOf(s.createVersion(newVersion('bad name!')))).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect(
        await codeOf(
          s.createVersion(newVersion('water', { artifacts: { m: { sha256: 'xyz', size: 1, contentType: 'x' } } })),
        ),
      ).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect(await s.searchVersions({ model: 'water' })).toEqual([]);
      expect((await s.createVersion(newVersion('water'))).version).toBe(1);
      expect(await s.referencedArtifacts()).toEqual(new Set(['a'.repeat(64)]));
    });

    it('concurrent registrations on two connections get distinct consecutive versions', async () => {
      const s = await fresh();
      const t = await second(s);
      const made = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? s : t).createVersion(newVersion('water', { threshold: i / 20 })),
        ),
      );
      expect(made.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect((await t.getModel('water'))?.latestVersion).toBe(12);
    });

    it('searches versions by tag, data version, status and metric order', async () => {
      const s = await fresh();
      await s.createVersion(newVersion('water', { metrics: { auc: 0.6 }, tags: { stage: 'dev' }, createdAt: iso(1) }));
      await s.createVersion(
        newVersion('water', { metrics: { auc: 0.8 }, tags: { stage: 'prod', team: 'water' }, createdAt: iso(2) }),
      );
      await s.createVersion(newVersion('water', { metrics: {}, dataVersion: 'md5-new', createdAt: iso(3) }));
      await s.createVersion(newVersion('lake', { metrics: { auc: 0.7 }, tags: { stage: 'prod' }, createdAt: iso(4) }));
      const ids = (vs: { model: string; version: number }[]): string[] => vs.map((v) => `${v.model}@${v.version}`);
      expect(ids(await s.searchVersions({ model: 'water' }))).toEqual(['water@3', 'water@2', 'water@1']);
      expect(ids(await s.searchVersions({ tags: { stage: 'prod' } }))).toEqual(['lake@1', 'water@2']);
      expect(ids(await s.searchVersions({ tags: { stage: 'prod', team: 'water' } }))).toEqual(['water@2']);
      expect(ids(await s.searchVersions({ tags: { stage: 'none' } }))).toEqual([]);
      expect(ids(await s.searchVersions({ dataVersion: 'md5-new' }))).toEqual(['water@3']);
      expect(ids(await s.searchVersions({ orderBy: { metric: 'auc', direction: 'desc' } }))).toEqual([
        'water@2',
        'lake@1',
        'water@1',
        'water@3',
      ]);
      expect(ids(await s.searchVersions({ orderBy: { metric: 'auc', direction: 'asc' }, limit: 2 }))).toEqual([
        'water@1',
        'lake@1',
      ]);
      await s.setVersionStatus('water', 1, 'archived');
      expect(ids(await s.searchVersions({ model: 'water', status: 'active' }))).toEqual(['water@3', 'water@2']);
      const tagged = await s.setTags('water', 2, { stage: null, owner: 'ana' });
      expect(tagged.tags).toEqual({ team: 'water', owner: 'ana' });
      expect(await codeOf(s.setTags('water', 99, { a: 'b' }))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.setVersionStatus('water', 99, 'archived'))).toBe('AQUAOPS_E_NOT_FOUND');
    });

    it('moves aliases by compare-and-swap with an audit trail', async () => {
      const s = await fresh();
      await s.createVersion(newVersion('water'));
      await s.createVersion(newVersion('water'));
      const base = {
        model: 'water',
        alias: 'champion',
        actor: 'ana',
        reason: 'first',
        metrics: { auc: 0.7 },
        at: iso(10),
      };
      const e1 = await s.moveAlias({ ...base, version: 1, expected: null });
      expect(e1).toMatchObject({ fromVersion: null, toVersion: 1, actor: 'ana', metrics: { auc: 0.7 } });
      expect(await s.getAlias('water', 'champion')).toEqual({
        model: 'water',
        alias: 'champion',
        version: 1,
        updatedAt: iso(10),
      });
      // stale expectations lose
      let err: unknown;
      try {
        await s.moveAlias({ ...base, version: 2, expected: null });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AquaopsError);
      expect((err as AquaopsError).code).toBe('AQUAOPS_E_REGISTRY_CONFLICT');
      expect((err as AquaopsError).status).toBe(409);
      expect((err as AquaopsError).message).toMatch(/water@champion is version 1, expected unset/);
      expect(await codeOf(s.moveAlias({ ...base, version: 2, expected: 2 }))).toBe('AQUAOPS_E_REGISTRY_CONFLICT');
      expect(await codeOf(s.moveAlias({ ...base, version: 7, expected: 1 }))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.moveAlias({ ...base, alias: '42', version: 1, expected: null }))).toBe(
        'AQUAOPS_E_REGISTRY_INVALID',
      );
      const e2 = await s.moveAlias({ ...base, version: 2, expected: 1, reason: 'better', at: iso(20) });
      expect(e2.id).toBeGreaterThan(e1.id);
      await s.moveAlias({ ...base, alias: 'challenger', version: 1, expected: null, at: iso(30) });
      expect((await s.listAliases('water')).map((a) => [a.alias, a.version])).toEqual([
        ['challenger', 1],
        ['champion', 2],
      ]);
      await s.moveAlias({ ...base, alias: 'challenger', version: null, expected: 1, reason: 'drop', at: iso(40) });
      expect(await s.getAlias('water', 'challenger')).toBeUndefined();
      const h = await s.aliasHistory('water', 'champion');
      expect(h.map((e) => [e.fromVersion, e.toVersion, e.reason])).toEqual([
        [null, 1, 'first'],
        [1, 2, 'better'],
      ]);
      expect((await s.aliasHistory('water')).map((e) => [e.alias, e.toVersion])).toEqual([
        ['champion', 1],
        ['champion', 2],
        ['challenger', 1],
        ['challenger', null],
      ]);
    });

    it('racing promotions on the same alias: exactly one wins, across connections too', async () => {
      const s = await fresh();
      const t = await second(s);
      for (let i = 0; i < 4; i++) await s.createVersion(newVersion('water'));
      await s.moveAlias({
        model: 'water',
        alias: 'champion',
        version: 1,
        expected: null,
        actor: 'a',
        reason: 'r',
        metrics: {},
        at: iso(0),
      });
      for (let round = 0; round < 5; round++) {
        const cur = (await s.getAlias('water', 'champion'))!.version;
        const targets = [((cur + round) % 4) + 1, ((cur + round + 1) % 4) + 1].map((v) =>
          v === cur ? (v % 4) + 1 : v,
        );
        const results = await Promise.allSettled(
          [s, t].map((db, k) =>
            db.moveAlias({
              model: 'water',
              alias: 'champion',
              version: targets[k]!,
              expected: cur,
              actor: `p${k}`,
              reason: 'race',
              metrics: {},
              at: iso(round),
            }),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0]!.reason as AquaopsError).code).toBe('AQUAOPS_E_REGISTRY_CONFLICT');
        const winner = (won[0] as PromiseFulfilledResult<{ toVersion: number }>).value.toVersion;
        expect((await t.getAlias('water', 'champion'))!.version).toBe(winner);
      }
      expect((await s.aliasHistory('water', 'champion')).length).toBe(6);
    });

    const routingChange = (over: Partial<RoutingChange> = {}): RoutingChange => ({
      model: 'water',
      config: { variants: [] },
      actor: 'ana',
      reason: 'test',
      at: iso(10),
      ...over,
    });

    it('stores routing per model, replaces and clears it, with an audit trail', async () => {
      const s = await fresh();
      for (let i = 0; i < 3; i++) await s.createVersion(newVersion('water'));
      await s.createVersion(newVersion('lake'));
      expect(await s.getRouting('water')).toBeUndefined();
      const ab = {
        variants: [
          { version: 1, weight: 3 },
          { version: 2, weight: 1.5 },
        ],
        stickyKey: 'siteId',
        shadowVersion: 3,
      };
      const e1 = await s.setRouting(routingChange({ config: ab, reason: 'start the A/B test' }));
      expect(e1).toMatchObject({ model: 'water', from: null, to: ab, actor: 'ana', reason: 'start the A/B test' });
      expect(await s.getRouting('water')).toEqual({
        model: 'water',
        config: ab,
        updatedAt: iso(10),
        actor: 'ana',
        reason: 'start the A/B test',
      });
      // per model: the other model is untouched, and gets its own table
      expect(await s.getRouting('lake')).toBeUndefined();
      const shadowOnly = { variants: [], shadowVersion: 1 };
      await s.setRouting(routingChange({ model: 'lake', config: shadowOnly }));
      expect((await s.getRouting('lake'))?.config).toEqual(shadowOnly);
      // a null shadow and a missing sticky key round-trip as sent
      const next = { variants: [{ version: 2, weight: 1 }], shadowVersion: null };
      const e2 = await s.setRouting(routingChange({ config: next, actor: 'bo', at: iso(20) }));
      expect(e2.id).toBeGreaterThan(e1.id);
      expect(e2).toMatchObject({ from: ab, to: next, actor: 'bo', at: iso(20) });
      expect(await s.getRouting('water')).toMatchObject({ config: next, actor: 'bo', updatedAt: iso(20) });
      // clearing is a stored change too, so every reader sees it
      await s.setRouting(routingChange({ config: { variants: [] }, reason: 'stop', at: iso(30) }));
      const t = await second(s);
      expect(await t.getRouting('water')).toEqual({
        model: 'water',
        config: { variants: [] },
        updatedAt: iso(30),
        actor: 'ana',
        reason: 'stop',
      });
      const h = await t.routingHistory('water');
      expect(h.map((e) => [e.from, e.to, e.reason])).toEqual([
        [null, ab, 'start the A/B test'],
        [ab, next, 'test'],
        [next, { variants: [] }, 'stop'],
      ]);
      expect((await t.routingHistory('lake')).map((e) => e.to)).toEqual([shadowOnly]);
      expect(await t.routingHistory('none')).toEqual([]);
    });

    it('refuses malformed routing and unknown models or versions, changing nothing', async () => {
      const s = await fresh();
      await s.createVersion(newVersion('water'));
      await s.createVersion(newVersion('water'));
      const good = { variants: [{ version: 1, weight: 1 }] };
      await s.setRouting(routingChange({ config: good }));
      const bad = (config: unknown) => s.setRouting(routingChange({ config: config as RoutingChange['config'] }));
      expect(await codeOf(bad({ variants: [{ version: 3, weight: 1 }] }))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(bad({ variants: [], shadowVersion: 9 }))).toBe('AQUAOPS_E_NOT_FOUND');
      expect(await codeOf(s.setRouting(routingChange({ model: 'lake' })))).toBe('AQUAOPS_E_NOT_FOUND');
      const malformed: unknown[] = [
        null,
        { variants: 'all' },
        { variants: [{ version: 1, weight: -1 }] },
        { variants: [{ version: 1, weight: 1001 }] },
        { variants: [{ version: 1, weight: Number.NaN }] },
        { variants: [{ version: 0, weight: 1 }] },
        { variants: [{ version: 1.5, weight: 1 }] },
        { variants: [{ version: 1, weight: 1, extra: true }] },
        { variants: Array.from({ length: 9 }, () => ({ version: 1, weight: 1 })) },
        { variants: [], stickyKey: '' },
        { variants: [], stickyKey: 'k'.repeat(65) },
        { variants: [], shadowVersion: 1.5 },
        { variants: [], shadow: 2 },
      ];
      for (const m of malformed) expect(await codeOf(bad(m)), JSON.stringify(m)).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect(await codeOf(s.setRouting(routingChange({ model: 'bad name!' })))).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect(await codeOf(s.setRouting(routingChange({ at: 'yesterday' })))).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect(await codeOf(s.setRouting(routingChange({ actor: '' })))).toBe('AQUAOPS_E_REGISTRY_INVALID');
      expect((await s.getRouting('water'))?.config).toEqual(good);
      expect(await s.routingHistory('water')).toHaveLength(1);
      expect(await s.getRouting('lake')).toBeUndefined();
    });

    it('concurrent routing changes on two connections all land, each event following the previous one', async () => {
      const s = await fresh();
      const t = await second(s);
      for (let i = 0; i < 4; i++) await s.createVersion(newVersion('water'));
      const configs = Array.from({ length: 12 }, (_, i) => ({
        variants: [
          { version: (i % 4) + 1, weight: i + 1 },
          { version: ((i + 1) % 4) + 1, weight: 1 },
        ],
      }));
      await Promise.all(
        configs.map((config, i) => (i % 2 === 0 ? s : t).setRouting(routingChange({ config, reason: `r${i}` }))),
      );
      const h = await s.routingHistory('water');
      expect(h.map((e) => e.reason).sort()).toEqual(configs.map((_, i) => `r${i}`).sort());
      expect(h[0]!.from).toBeNull();
      for (let i = 1; i < h.length; i++) expect(h[i]!.from, `event ${i}`).toEqual(h[i - 1]!.to);
      expect((await t.getRouting('water'))?.config).toEqual(h[h.length - 1]!.to);
    });

    const writeRaw = factory.writeRawRouting;
    if (writeRaw !== undefined) {
      it('a hand-edited routing row is a clear error on read, and setting routing again repairs it', async () => {
        const s = await fresh();
        await s.createVersion(newVersion('water'));
        const good = { variants: [{ version: 1, weight: 1 }] };
        await s.setRouting(routingChange({ config: good }));
        for (const [text, why] of [
          ['{"variants":[{"version":1,"weight":-5}]}', /variants\[0\]\.weight: invalid weight/],
          ['{"variants":[{"version":1,"weight":1}],"shadow":2}', /config\.shadow: unknown field/],
          ['not json', /not JSON/],
          ['[]', /not an object/],
        ] as const) {
          await writeRaw(s, 'water', text);
          let err: unknown;
          try {
            await s.getRouting('water');
          } catch (e) {
            err = e;
          }
          expect(err, text).toBeInstanceOf(AquaopsError);
          expect((err as AquaopsError).code).toBe('AQUAOPS_E_REGISTRY_INVALID');
          expect((err as AquaopsError).message).toMatch(/the routing stored for model water in .* is malformed/);
          expect((err as AquaopsError).message).toMatch(why);
        }
        const e = await s.setRouting(routingChange({ config: good, reason: 'repair', at: iso(50) }));
        expect(e.from).toBeNull();
        expect((await s.getRouting('water'))?.config).toEqual(good);
        expect((await s.routingHistory('water')).map((x) => x.reason)).toEqual(['test', 'repair']);
      });
    }

    it('logs predictions and feedback; counts and realised accuracy', async () => {
      const s = await fresh();
      const preds = Array.from({ length: 30 }, (_, i) => prediction(i));
      await s.appendPredictions(preds.slice(0, 20));
      await s.appendPredictions(preds.slice(20));
      // a batch with a duplicate id is refused as a whole
      expect(await codeOf(s.appendPredictions([prediction(100), prediction(0)]))).toBe('AQUAOPS_E_REGISTRY_CONFLICT');
      expect(await s.recentPredictions({ limit: 1000 })).toHaveLength(30);
      expect(await codeOf(s.appendPredictions([prediction(101, { route: 'nope' as 'shadow' })]))).toBe(
        'AQUAOPS_E_REGISTRY_INVALID',
      );

      // truth: every 4th prediction is actually potable
      const truth = (i: number): 0 | 1 => (i % 4 === 0 ? 1 : 0);
      for (let i = 0; i < 30; i += 2) {
        const r = await s.recordFeedback({
          predictionId: preds[i]!.id,
          label: truth(i),
          ts: iso(i * 60_000 + 1),
          source: 'lab',
        });
        expect(r.created).toBe(true);
      }
      const again = await s.recordFeedback({ predictionId: preds[0]!.id, label: 0, ts: iso(999), source: 'other' });
      expect(again).toEqual({
        created: false,
        feedback: { predictionId: preds[0]!.id, label: 1, ts: iso(1), source: 'lab' },
      });
      expect(await codeOf(s.recordFeedback({ predictionId: 'unknown', label: 1, ts: iso(0), source: 'lab' }))).toBe(
        'AQUAOPS_E_NOT_FOUND',
      );

      const recent = await s.recentPredictions({ model: 'water', limit: 3 });
      expect(recent.map((p) => p.id)).toEqual([preds[29]!.id, preds[28]!.id, preds[27]!.id]);
      expect(recent[1]!.feedback).toEqual({
        predictionId: preds[28]!.id,
        label: 1,
        ts: iso(28 * 60_000 + 1),
        source: 'lab',
      });
      expect(recent[0]!.feedback).toBeNull();
      expect(recent[0]!.outputs).toEqual(preds[29]!.outputs);
      const windowed = await s.recentPredictions({ since: iso(10 * 60_000), until: iso(12 * 60_000), limit: 10 });
      expect(windowed.map((p) => p.id)).toEqual([preds[11]!.id, preds[10]!.id]);

      // expected figures computed straight from the generated records
      const counts = await s.predictionCounts({ bucketMs: 10 * 60_000 });
      const expectCounts = new Map<string, number>();
      for (const [i, p] of preds.entries()) {
        const k = `${iso(Math.floor(i / 10) * 600_000)}|${p.version}|${p.route}|${p.outputs.verdict}`;
        expectCounts.set(k, (expectCounts.get(k) ?? 0) + 1);
      }
      expect(new Map(counts.map((c) => [`${c.bucket}|${c.version}|${c.route}|${c.verdict}`, c.count]))).toEqual(
        expectCounts,
      );
      const total = await s.predictionCounts({ version: 1 });
      expect(total.every((c) => c.bucket === null && c.version === 1)).toBe(true);
      expect(total.reduce((a, c) => a + c.count, 0)).toBe(15);

      const acc = await s.realisedAccuracy({ model: 'water' });
      const exp = new Map<string, { tp: number; fp: number; tn: number; fn: number }>();
      for (let i = 0; i < 30; i += 2) {
        const p = preds[i]!;
        const k = `${p.version}|${p.route}`;
        const e = exp.get(k) ?? { tp: 0, fp: 0, tn: 0, fn: 0 };
        const y = i === 0 ? 1 : truth(i);
        if (p.outputs.label === 1) y === 1 ? e.tp++ : e.fp++;
        else y === 0 ? e.tn++ : e.fn++;
        exp.set(k, e);
      }
      expect(acc).toHaveLength(exp.size);
      for (const a of acc) {
        const e = exp.get(`${a.version}|${a.route}`)!;
        expect({ tp: a.tp, fp: a.fp, tn: a.tn, fn: a.fn }).toEqual(e);
        expect(a.n).toBe(e.tp + e.fp + e.tn + e.fn);
        expect(a.accuracy).toBeCloseTo((e.tp + e.tn) / a.n, 12);
      }
      expect(await s.realisedAccuracy({ model: 'none' })).toEqual([]);
    });
  });
}
