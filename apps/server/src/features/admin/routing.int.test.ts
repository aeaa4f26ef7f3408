/**
 * A/B + shadow routing shared through the registry by several server processes, each played by
 * its own `buildApp` with its own store connection — memory (one shared store), two connections
 * to one SQLite file, and PostgreSQL on 127.0.0.1:5432 (skipped with a message when nothing
 * listens there). Routing set through app A is applied by app B on B's next poll; a table naming
 * a version that fails verification, or a hand-edited malformed row, is refused by B (WARN log,
 * metric) while its previous routing keeps serving; clearing propagates; an app started after
 * the change comes back with the stored routing; GET returns the stored table.
 */
import { Writable } from 'node:stream';
import type { Routing } from '@aquaops/contracts';
import { FsArtifactStore, ModelRegistry, type RegistryStore } from '@aquaops/registry';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryModelAdmin, RegistryModelSource } from '../../adapters/registry.js';
import { buildApp, type ServerApp } from '../../app.js';
import { InMemoryFeedbackStore, InMemoryPredictionSink } from '../../model/memory.js';
import { ADMIN_KEY, GOOD_SAMPLE, testConfig } from '../../testing/fixtures.js';
import { openKit, PG_BASE, pgReachable, registerVersion, type StoreKit } from '../../testing/registry-fixtures.js';

const pgUp = await pgReachable();
if (!pgUp) console.warn('SKIPPED shared routing tests on postgres: nothing listens on 127.0.0.1:5432');

const MODEL = 'water-potability';
const auth = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly event?: { readonly type?: string; readonly version?: number | string; readonly routing?: boolean };
}

interface Proc extends ServerApp {
  readonly logs: LogLine[];
}

/** One "server process": its own registry service and store connection, JSON logs captured. */
async function serverOn(kit: StoreKit, store: RegistryStore): Promise<Proc> {
  const logs: LogLine[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.startsWith('{')) logs.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  const registry = new ModelRegistry(store, new FsArtifactStore(kit.artifactDir));
  const built = await buildApp(
    {
      source: new RegistryModelSource(registry),
      admin: new RegistryModelAdmin(registry),
      sink: new InMemoryPredictionSink(),
      feedback: new InMemoryFeedbackStore(),
      processMetrics: false,
      logStream,
    },
    testConfig({ logLevel: 'info', modelPollIntervalMs: 30 }),
  );
  return { ...built, logs };
}

async function putRouting(p: Proc, body: unknown) {
  return p.app.inject({ method: 'PUT', url: '/api/v1/admin/routing', headers: auth, payload: JSON.stringify(body) });
}

async function swaps(p: Proc, result: string): Promise<number> {
  const text = (await p.app.inject({ method: 'GET', url: '/metrics' })).body;
  const m = new RegExp(`^aquaops_model_swaps_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** Routes and versions of one sticky batch (unit key = siteId). */
async function routes(p: Proc, n = 120): Promise<{ route: string; version: number }[]> {
  const batch = Array.from({ length: n }, (_, i) => ({ ...GOOD_SAMPLE, siteId: `site-${i}` }));
  const res = await p.app.inject({ method: 'POST', url: '/api/v1/predict', headers: auth, payload: batch });
  expect(res.statusCode).toBe(200);
  return res.json().predictions.map((x: { route: string; model: { version: number } }) => ({
    route: x.route,
    version: x.model.version,
  }));
}

/** Overwrites the stored routing text behind the store's back, as a hand edit of the database would. */
async function handEdit(kit: StoreKit, text: string): Promise<void> {
  const url = kit.url!;
  if (kit.kind === 'sqlite') {
    const raw = new Database(url.slice('sqlite:'.length));
    try {
      raw.prepare('UPDATE routing SET config = ? WHERE model = ?').run(text, MODEL);
    } finally {
      raw.close();
    }
    return;
  }
  const schema = new URL(url).searchParams.get('schema');
  const c = new pg.Client({ connectionString: PG_BASE });
  await c.connect();
  try {
    await c.query(`UPDATE ${schema}.routing SET config = $1 WHERE model = $2`, [text, MODEL]);
  } finally {
    await c.end();
  }
}

for (const kind of ['memory', 'sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgUp)(`routing shared through the registry on ${kind}`, () => {
    let kit: StoreKit;
    let a: Proc;
    let b: Proc;
    const started: Proc[] = [];
    let v1: number;
    let v2: number;
    /** Registered with threshold 1, which verification refuses. */
    let bad: number;
    let ab: Routing;

    beforeAll(async () => {
      kit = await openKit(kind);
      v1 = await registerVersion(kit.registry, 1);
      v2 = await registerVersion(kit.registry, 2);
      bad = await registerVersion(kit.registry, 3, { threshold: 1 });
      await kit.registry.promote({ model: MODEL, version: v1, alias: 'champion', reason: 'initial', actor: 'test' });
      ab = {
        variants: [
          { version: v1, weight: 1 },
          { version: v2, weight: 1 },
        ],
        stickyKey: 'siteId',
      };
      a = await serverOn(kit, kit.store);
      b = await serverOn(kit, await kit.reopen());
      started.push(a, b);
    }, 60_000);
    afterAll(async () => {
      for (const p of started) await p.app.close();
      await kit?.dispose();
    });

    it('routing set through app A is applied by app B after a poll; GET reads the stored one', async () => {
      expect(b.manager.routingConfig).toBeUndefined();
      expect((await b.app.inject({ method: 'GET', url: '/api/v1/admin/routing', headers: auth })).json()).toEqual({
        variants: [],
      });
      expect((await b.app.inject({ method: 'GET', url: '/api/v1/admin/routing' })).statusCode).toBe(401);

      const put = await putRouting(a, ab);
      expect(put.statusCode).toBe(200);
      expect(a.manager.routingConfig).toEqual(ab); // the receiving process applies it at once
      await expect.poll(() => b.manager.routingConfig, { timeout: 10_000, interval: 20 }).toEqual(ab);

      const onB = await routes(b);
      expect(new Set(onB.map((r) => r.route))).toEqual(new Set([`ab:${v1}`, `ab:${v2}`]));
      for (const r of onB) expect(r.route).toBe(`ab:${r.version}`);
      // the unit hash is the same in every process: A assigns every site exactly as B does
      expect(await routes(a)).toEqual(onB);

      const got = await b.app.inject({ method: 'GET', url: '/api/v1/admin/routing', headers: auth });
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(ab);
      expect(await swaps(b, 'routing-swapped')).toBe(1);
      expect(b.logs.some((l) => l.level === 30 && l.msg === 'routing swapped')).toBe(true);
      const last = (await kit.store.routingHistory(MODEL)).at(-1);
      expect(last?.to).toEqual(ab);
      expect(last?.actor).toBe('api:127.0.0.1');
      expect(last?.reason).toMatch(/^PUT \/api\/v1\/admin\/routing \(request /);
    });

    it('a stored table naming a version that fails verification is refused; the previous routing keeps serving', async () => {
      // through the API it never reaches the registry
      const refused = await putRouting(a, { variants: [{ version: bad, weight: 1 }] });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().code).toBe('AQUAOPS_E_MODEL_REJECTED');
      expect((await kit.store.getRouting(MODEL))?.config).toEqual(ab);

      // written straight to the registry (a script, an older server), it is refused on the poll
      await kit.store.setRouting({
        model: MODEL,
        config: { variants: [{ version: v1, weight: 1 }], shadowVersion: bad },
        actor: 'script',
        reason: 'bypasses verification',
        at: new Date().toISOString(),
      });
      await expect.poll(() => swaps(b, 'rejected'), { timeout: 10_000, interval: 20 }).toBe(1);
      expect(b.manager.routingConfig).toEqual(ab);
      const warn = b.logs.find((l) => l.msg === 'routing not swapped');
      expect(warn?.level).toBe(40);
      expect(warn?.event).toMatchObject({ type: 'rejected', version: bad, routing: true });
      const onB = await routes(b);
      expect(new Set(onB.map((r) => r.route))).toEqual(new Set([`ab:${v1}`, `ab:${v2}`]));
      // further polls of the same refused table neither retry it loudly nor change anything
      await b.manager.syncRouting();
      await b.manager.syncRouting();
      expect(await swaps(b, 'rejected')).toBe(1);
      expect(b.manager.routingConfig).toEqual(ab);
      expect(b.manager.ready).toBe(true);

      // the refusal does not wedge the poll: good tables set afterwards are applied again
      const only2 = { variants: [{ version: v2, weight: 1 }] };
      expect((await putRouting(a, only2)).statusCode).toBe(200);
      await expect.poll(() => b.manager.routingConfig, { timeout: 10_000, interval: 20 }).toEqual(only2);
      expect((await putRouting(a, ab)).statusCode).toBe(200);
      await expect.poll(() => b.manager.routingConfig, { timeout: 10_000, interval: 20 }).toEqual(ab);
    });

    // (the memory store cannot hold a malformed row)
    if (kind !== 'memory')
      it('a hand-edited malformed row is refused with a clear error, and PUT repairs it', async () => {
        const before = await swaps(b, 'rejected');
        await handEdit(kit, '{"variants":[{"version":1,"weight":-3}]}');
        await b.manager.syncRouting();
        expect(await swaps(b, 'rejected')).toBe(before + 1);
        expect(b.manager.routingConfig).toEqual(ab);
        const warn = b.logs.filter((l) => l.msg === 'routing not swapped').at(-1);
        expect(warn?.event).toMatchObject({ type: 'rejected', version: 'routing', routing: true });
        const got = await b.app.inject({ method: 'GET', url: '/api/v1/admin/routing', headers: auth });
        expect(got.statusCode).toBe(500);
        expect(got.json().code).toBe('AQUAOPS_E_INTERNAL');
        expect(got.json().message).toMatch(
          /the routing stored for model water-potability in .* is malformed: config\.variants\[0\]\.weight: invalid weight/,
        );
        expect((await routes(b)).every((r) => r.route.startsWith('ab:'))).toBe(true);

        const shadowOnly = { variants: [], shadowVersion: v2 };
        expect((await putRouting(a, shadowOnly)).statusCode).toBe(200);
        await expect.poll(() => b.manager.routingConfig, { timeout: 10_000, interval: 20 }).toEqual(shadowOnly);
        expect(b.manager.shadow?.model.version).toBe(v2);
        expect((await b.app.inject({ method: 'GET', url: '/api/v1/admin/routing', headers: auth })).json()).toEqual(
          shadowOnly,
        );
        expect((await putRouting(a, ab)).statusCode).toBe(200);
        await expect.poll(() => b.manager.routingConfig, { timeout: 10_000, interval: 20 }).toEqual(ab);
      });

    it('a process started later comes back with the stored routing; clearing propagates to all', async () => {
      const c = await serverOn(kit, await kit.reopen());
      started.push(c);
      expect(c.manager.routingConfig).toEqual(ab); // read during start-up, before serving
      expect(new Set((await routes(c)).map((r) => r.route))).toEqual(new Set([`ab:${v1}`, `ab:${v2}`]));

      expect((await putRouting(a, { variants: [] })).statusCode).toBe(200);
      expect(a.manager.routingConfig).toBeUndefined();
      for (const p of [b, c]) {
        await expect.poll(() => p.manager.routingConfig, { timeout: 10_000, interval: 20 }).toBeUndefined();
        expect(new Set((await routes(p)).map((r) => r.route))).toEqual(new Set(['default']));
      }
      expect((await kit.store.getRouting(MODEL))?.config).toEqual({ variants: [] });
      const d = await serverOn(kit, await kit.reopen());
      started.push(d);
      expect(d.manager.routingConfig).toBeUndefined();
    });
  });
}
