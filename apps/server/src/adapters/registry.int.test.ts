/**
 * The registry-backed boundaries, through the HTTP API, on every store backend: memory, a
 * temporary SQLite file and PostgreSQL (skipped with a message when 127.0.0.1:5432 is down).
 * Covers loading verified artifacts, the catalogue and model card, audited CAS alias moves and
 * their 409 on a concurrent move, the prediction log and feedback (created / unchanged / 409 /
 * 404), the operations routes, a corrupt artifact being refused, and an alias moved through a
 * second store connection being picked up by polling while a load loop sees no failures.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RegistryStore } from '@aquaops/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ServerApp } from '../app.js';
import { registryBoundaries, startServer } from '../main.js';
import { ADMIN_KEY, GOOD_SAMPLE, testConfig } from '../testing/fixtures.js';
import { openKit, pgReachable, registerVersion, type StoreKit } from '../testing/registry-fixtures.js';
import { RegistryModelAdmin, WorkerPredictionSink } from './registry.js';

const pgUp = await pgReachable();
if (!pgUp) console.warn('SKIPPED server registry tests on postgres: nothing listens on 127.0.0.1:5432');

function depsOf(kit: StoreKit) {
  return { ...registryBoundaries(kit.registry), processMetrics: false };
}

const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const kind of ['memory', 'sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUp)(`registry adapters on ${kind}`, () => {
    let kit: StoreKit;
    let srv: ServerApp;
    let v1: number;
    let v2: number;

    beforeAll(async () => {
      kit = await openKit(kind);
      v1 = await registerVersion(kit.registry, 1, { threshold: 0.4 });
      v2 = await registerVersion(kit.registry, 2);
      await kit.registry.promote({
        model: 'water-potability',
        version: v1,
        alias: 'champion',
        reason: 'initial',
        actor: 'test',
      });
      srv = await buildApp(depsOf(kit), testConfig());
    }, 30_000);
    afterAll(async () => {
      await srv?.app.close();
      await kit?.dispose();
    });

    it('serves the champion loaded from verified artifacts, with the version threshold', async () => {
      expect(srv.manager.serving?.model.version).toBe(v1);
      expect(srv.manager.serving?.model.threshold).toBe(0.4);
      expect(srv.manager.serving?.model.classifier.kind).toBe('gbm');
      const res = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: GOOD_SAMPLE });
      expect(res.statusCode).toBe(200);
      const p = res.json().predictions[0];
      expect(p.model).toEqual({ name: 'water-potability', version: v1, alias: 'champion' });
      expect(p.verdict).toBe(p.probability >= 0.4 ? 'potable' : 'not_potable');
    });

    it('lists versions with aliases and metrics, and describes one with its model card', async () => {
      const list = (await srv.app.inject({ method: 'GET', url: '/api/v1/models' })).json();
      expect(list.models.map((m: { version: number }) => m.version)).toEqual([v1, v2]);
      expect(list.models[0].aliases).toEqual(['champion']);
      expect(list.models[1].metrics.test_roc_auc).toBeCloseTo(0.702, 9);
      const d = (await srv.app.inject({ method: 'GET', url: `/api/v1/models/water-potability/versions/${v2}` })).json();
      expect(d.card.markdown).toContain('seed 2');
      expect(d.card.evaluation).toEqual({ seed: 2, rocAuc: 0.7 });
      expect(d.card.family).toBe('gbm');
      expect(d.signature.features).toHaveLength(9);
      const missing = await srv.app.inject({ method: 'GET', url: '/api/v1/models/water-potability/versions/99' });
      expect(missing.statusCode).toBe(404);
    });

    it('writes predictions to the store and takes feedback: created, unchanged, 409, 404', async () => {
      const res = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: [GOOD_SAMPLE, GOOD_SAMPLE] });
      const ids = res.json().predictions.map((p: { predictionId: string }) => p.predictionId) as string[];
      await waitFor(async () => {
        const recent = await kit.store.recentPredictions({ model: 'water-potability', limit: 50 });
        return ids.every((id) => recent.some((r) => r.id === id));
      });
      const stored = (await kit.store.recentPredictions({ model: 'water-potability', limit: 50 })).find(
        (r) => r.id === ids[0],
      );
      expect(stored?.route).toBe('champion');
      expect(stored?.version).toBe(v1);
      expect(stored?.inputs.ph).toBe(GOOD_SAMPLE.ph);
      const fb = (label: unknown, id = ids[0]) =>
        srv.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: { predictionId: id, label } });
      const first = await fb(1);
      expect(first.statusCode).toBe(200);
      expect(first.json().created).toBe(true);
      const again = await fb('potable');
      expect(again.statusCode).toBe(200);
      expect(again.json().created).toBe(false);
      const conflict = await fb(0);
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().code).toBe('AQUAOPS_E_FEEDBACK_CONFLICT');
      const unknown = await fb(1, '00000000-0000-4000-8000-000000000000');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('AQUAOPS_E_NOT_FOUND');
      expect(unknown.json().details[0].path).toBe('/predictionId');

      const ops = (await srv.app.inject({ method: 'GET', url: '/api/v1/ops/summary?hours=1&bucketMinutes=5' })).json();
      const champ = ops.traffic.find(
        (t: { version: number; route: string }) => t.version === v1 && t.route === 'champion',
      );
      expect(champ.count).toBeGreaterThanOrEqual(2);
      expect(ops.verdicts.reduce((s: number, v: { count: number }) => s + v.count, 0)).toBeGreaterThanOrEqual(3);
      expect(ops.feedback.count).toBe(1);
      expect(ops.latency.predict.count).toBeGreaterThanOrEqual(2);
      expect(ops.latency.predict.p50Ms).toBeGreaterThan(0);
      const recent = (await srv.app.inject({ method: 'GET', url: '/api/v1/ops/predictions?limit=2' })).json();
      expect(recent.predictions).toHaveLength(2);
      expect(recent.predictions.find((p: { id: string }) => p.id === ids[0])?.feedback).toBe(1);
      const badLimit = await srv.app.inject({ method: 'GET', url: '/api/v1/ops/predictions?limit=abc' });
      expect(badLimit.statusCode).toBe(400);
    });

    it('serves artifacts with their content type and 404s unknown ones', async () => {
      const svg = await srv.app.inject({
        method: 'GET',
        url: `/api/v1/models/water-potability/versions/${v1}/artifacts/roc.svg`,
      });
      expect(svg.statusCode).toBe(200);
      expect(svg.headers['content-type']).toContain('image/svg+xml');
      expect(svg.body).toContain('<svg');
      const md = await srv.app.inject({
        method: 'GET',
        url: `/api/v1/models/water-potability/versions/${v1}/artifacts/model-card.md`,
      });
      expect(md.headers['content-type']).toContain('text/markdown');
      const ev = await srv.app.inject({
        method: 'GET',
        url: `/api/v1/models/water-potability/versions/${v1}/artifacts/evaluation.json`,
      });
      expect(ev.json()).toEqual({ seed: 1, rocAuc: 0.7 });
      const none = await srv.app.inject({
        method: 'GET',
        url: `/api/v1/models/water-potability/versions/${v1}/artifacts/nope.txt`,
      });
      expect(none.statusCode).toBe(404);
      expect(none.json().hint).toContain('roc.svg');
    });

    it('moves aliases by audited CAS through the admin API and refuses a concurrent move with 409', async () => {
      const res = await srv.app.inject({
        method: 'POST',
        url: '/api/v1/admin/models/water-potability/aliases/challenger',
        headers: auth,
        payload: { version: v2, reason: 'try v2' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().previous).toBeNull();
      const hist = (
        await srv.app.inject({ method: 'GET', url: '/api/v1/models/water-potability/aliases/challenger/history' })
      ).json();
      expect(hist.events).toHaveLength(1);
      expect(hist.events[0]).toMatchObject({ from: null, to: v2, reason: 'try v2' });
      expect(hist.events[0].actor).toMatch(/^api:/);

      // A store whose getAlias lets another writer move the alias right after it was read.
      let raced = false;
      const racy = new Proxy(kit.store, {
        get(target, prop, receiver) {
          if (prop === 'getAlias') {
            return async (model: string, alias: string) => {
              const seen = await target.getAlias(model, alias);
              if (!raced && alias === 'challenger') {
                raced = true;
                await target.moveAlias({
                  model,
                  alias,
                  version: v1,
                  expected: seen?.version ?? null,
                  actor: 'other',
                  reason: 'concurrent',
                  metrics: {},
                  at: new Date().toISOString(),
                });
              }
              return seen;
            };
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as RegistryStore;
      const { ModelRegistry, FsArtifactStore } = await import('@aquaops/registry');
      const admin = new RegistryModelAdmin(new ModelRegistry(racy, new FsArtifactStore(kit.artifactDir)));
      await expect(
        admin.setAlias('water-potability', 'challenger', v2, { reason: 'x', actor: 't' }),
      ).rejects.toMatchObject({
        code: 'AQUAOPS_E_REGISTRY_CONFLICT',
        status: 409,
      });
      expect((await kit.store.getAlias('water-potability', 'challenger'))?.version).toBe(v1);
    });

    it('refuses a version whose model artifact is corrupt; the old one keeps serving', async () => {
      if (kind !== 'sqlite') return; // one backend is enough: the artifact store is the same
      const v3 = await registerVersion(kit.registry, 3);
      const ref = (await kit.store.getVersion('water-potability', v3))!.artifacts['model.json']!;
      // FsArtifactStore's layout: sha256/<first 2 hex>/<rest>.
      const p = path.join(kit.artifactDir, 'sha256', ref.sha256.slice(0, 2), ref.sha256.slice(2));
      expect(fs.existsSync(p)).toBe(true);
      fs.chmodSync(p, 0o644);
      fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace('"gbm"', '"gbm" '));
      const res = await srv.app.inject({
        method: 'POST',
        url: '/api/v1/admin/models/water-potability/aliases/champion',
        headers: auth,
        payload: { version: v3, reason: 'corrupt' },
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('AQUAOPS_E_ARTIFACT_CORRUPT');
      expect(srv.manager.serving?.model.version).toBe(v1);
    });

    it('picks up an alias moved through another connection while a load loop sees only 2xx', async () => {
      const running = await startServer(
        depsOf(kit),
        testConfig({
          host: '127.0.0.1',
          port: 0,
          modelPollIntervalMs: 100,
          rateLimit: { max: 1_000_000, windowMs: 1000 },
        }),
      );
      try {
        const other = await kit.reopen();
        const statuses = new Map<number, number>();
        const versions = new Set<number>();
        let stop = false;
        const loop = async () => {
          while (!stop) {
            const r = await fetch(`${running.url}/api/v1/predict`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(GOOD_SAMPLE),
            });
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 200)
              versions.add(
                ((await r.json()) as { predictions: { model: { version: number } }[] }).predictions[0]!.model.version,
              );
            else await r.text();
          }
        };
        const loops = [loop(), loop(), loop()];
        await new Promise((r) => setTimeout(r, 200));
        const cur = (await other.getAlias('water-potability', 'champion'))!.version;
        const target = cur === v1 ? v2 : v1;
        await other.moveAlias({
          model: 'water-potability',
          alias: 'champion',
          version: target,
          expected: cur,
          actor: 'second-connection',
          reason: 'hot swap test',
          metrics: {},
          at: new Date().toISOString(),
        });
        await waitFor(() => running.manager.serving?.model.version === target);
        await new Promise((r) => setTimeout(r, 200));
        stop = true;
        await Promise.all(loops);
        expect([...statuses.keys()]).toEqual([200]);
        expect(versions.has(target)).toBe(true);
      } finally {
        await running.stop();
      }
    }, 30_000);
  });
}

describe('WorkerPredictionSink (SQLite written from a worker thread)', () => {
  it('appends through its own connection, reports store errors with their code, and closes', async () => {
    const kit = await openKit('sqlite');
    const sink = new WorkerPredictionSink(kit.url!);
    try {
      const rec = (id: string, version: number) => ({
        predictionId: id,
        requestId: 'r1',
        timestamp: new Date().toISOString(),
        model: { name: 'water-potability', version },
        route: 'ab:2',
        inputs: { ph: 7 },
        passthrough: { siteId: 'S1' },
        probability: 0.7,
        verdict: 'potable',
        threshold: 0.5,
        latencyMs: 1.5,
        shadow: false,
      });
      await sink.append([
        rec('11111111-1111-4111-8111-111111111111', 2),
        rec('22222222-2222-4222-8222-222222222222', 2),
      ]);
      const got = await kit.store.recentPredictions({ model: 'water-potability', limit: 10 });
      expect(got.map((r) => r.id).sort()).toEqual([
        '11111111-1111-4111-8111-111111111111',
        '22222222-2222-4222-8222-222222222222',
      ]);
      expect(got[0]).toMatchObject({
        route: 'variant',
        version: 2,
        outputs: { label: 1, passthrough: { siteId: 'S1' } },
      });
      await expect(sink.append([rec('33333333-3333-4333-8333-333333333333', 0)])).rejects.toMatchObject({
        code: 'AQUAOPS_E_REGISTRY_INVALID',
      });
    } finally {
      await sink.close();
      await kit.dispose();
    }
  }, 30_000);
});
