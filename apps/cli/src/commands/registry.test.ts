/** Tests `aquaops runs …` and `aquaops models …` through `main` against a temp SQLite registry. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsArtifactStore, ModelRegistry, RunTracker, openSqliteStore } from '@aquaops/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { Io } from '../output.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-cli-registry-'));
const db = path.join(dir, 'reg.db');
const arts = path.join(dir, 'artifacts');
const common = ['--store', `sqlite:${db}`, '--artifacts', arts];
let runIds: string[] = [];

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  };
  const code = await main(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  const store = openSqliteStore(db);
  const tracker = new RunTracker(store);
  const reg = new ModelRegistry(store, new FsArtifactStore(arts));
  for (const [i, trees] of [100, 300].entries()) {
    const r = await tracker.start({
      name: `search-${i}`,
      params: { trees },
      data: { version: 'md5-1' },
      seed: 7,
      codeVersion: 'abc',
    });
    await tracker.logTrials(r.id, [
      {
        index: 0,
        family: 'rf',
        params: { trees },
        foldMetrics: [],
        mean: { auc: 0.6 + i / 10 },
        std: { auc: 0.01 },
        durationMs: 5,
        status: 'ok',
      },
    ]);
    await tracker.finish(r.id, { testMetrics: { auc: { value: 0.65 + i / 10, lower: 0.6, upper: 0.8, level: 0.95 } } });
    runIds.push(r.id);
    await reg.register({
      model: 'water',
      runId: r.id,
      kind: 'classifier',
      family: i === 0 ? 'random_forest' : 'gradient_boosting',
      metrics: { test_auc: 0.65 + i / 10 },
      threshold: 0.5,
      tags: { stage: i === 0 ? 'dev' : 'prod' },
      dataVersion: 'md5-1',
      testSetHash: 'h',
      artifacts: { model: { data: new TextEncoder().encode(`weights ${i}`), contentType: 'application/json' } },
    });
  }
  runIds = runIds.slice();
  await store.close();
});

afterAll(() => {
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('aquaops runs', () => {
  it('lists, shows and compares runs', async () => {
    const ls = await run('runs', 'ls', ...common);
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/ID\s+NAME\s+STATUS/);
    expect(ls.out).toContain('search-1');
    expect(ls.out).toContain('auc=0.75');
    const json = JSON.parse((await run('runs', 'ls', ...common, '--json', '--limit', '1')).out) as { name: string }[];
    expect(json.map((r) => r.name)).toEqual(['search-1']);
    const show = await run('runs', 'show', runIds[0]!, ...common);
    expect(show.out).toContain('test auc');
    expect(show.out).toContain('[0.6, 0.8]');
    expect(show.out).toMatch(/TRIAL\s+FAMILY/);
    const cmp = await run('runs', 'compare', runIds[0]!, runIds[1]!, ...common, '--only-diff');
    expect(cmp.code).toBe(0);
    expect(cmp.out).toMatch(/params\.trees\s+100\s+300\s+\*/);
    expect(cmp.out).not.toContain('seed');
    const missing = await run('runs', 'show', 'nope', ...common);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error AQUAOPS_E_NOT_FOUND: run nope does not exist');
  });
});

describe('aquaops models', () => {
  it('promotes with CAS, shows, diffs, rolls back and archives', async () => {
    expect(
      (
        await run(
          'models',
          'promote',
          'water',
          '1',
          '--alias',
          'champion',
          '--reason',
          'first',
          '--actor',
          'ana',
          ...common,
        )
      ).out,
    ).toContain('water@champion: - -> 1');
    const conflict = await run(
      'models',
      'promote',
      'water',
      '2',
      '--alias',
      'champion',
      '--reason',
      'x',
      '--expect-version',
      'none',
      ...common,
    );
    expect(conflict.code).toBe(1);
    expect(conflict.err).toContain(
      'error AQUAOPS_E_REGISTRY_CONFLICT: alias water@champion is version 1, expected unset',
    );
    const ok = await run(
      'models',
      'promote',
      'water',
      '2',
      '--alias',
      'champion',
      '--reason',
      'better auc',
      '--expect-version',
      '1',
      ...common,
    );
    expect(ok.out).toContain('water@champion: 1 -> 2 (better auc)');

    const ls = await run('models', 'ls', ...common);
    expect(ls.out).toMatch(/water\s+2\s+champion=2/);
    const champ = await run('models', 'show', 'water@champion', ...common);
    expect(champ.out).toMatch(/model\s+water@2/);
    expect(champ.out).toMatch(/aliases\s+champion/);
    const byTag = JSON.parse((await run('models', 'show', 'water', '--tag', 'stage=dev', '--json', ...common)).out) as {
      versions: { version: number }[];
    };
    expect(byTag.versions.map((v) => v.version)).toEqual([1]);
    const sorted = await run('models', 'show', 'water', '--sort', 'test_auc', ...common);
    expect(sorted.out.indexOf('gradient_boosting')).toBeLessThan(sorted.out.indexOf('random_forest'));

    const diff = await run('models', 'diff', 'water', '1', '2', ...common);
    expect(diff.out).toMatch(/test_auc\s+0\.65\s+0\.75\s+\+0\.1/);
    expect(diff.out).toMatch(/family\s+random_forest\s+gradient_boosting/);

    const rb = await run('models', 'rollback', 'water', '--alias', 'champion', ...common);
    expect(rb.out).toContain('water@champion: 2 -> 1 (rolled back)');
    const hist = await run('models', 'history', 'water', '--alias', 'champion', ...common);
    expect(hist.out.trim().split('\n')).toHaveLength(4);
    expect(hist.out).toContain('better auc');

    const refused = await run('models', 'archive', 'water', '1', ...common);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('AQUAOPS_E_REGISTRY_CONFLICT');
    expect((await run('models', 'archive', 'water', '2', ...common)).out).toContain('water@2 archived');
    expect((await run('models', 'gc', '--dry-run', ...common)).out).toContain('would remove 0 blob(s), kept 2');
  });

  it('shows, sets, clears and audits the routing servers apply', async () => {
    // The test above archived v2; a third, active version takes the B side.
    const store = openSqliteStore(db);
    await new ModelRegistry(store, new FsArtifactStore(arts)).register({
      model: 'water',
      runId: runIds[1] as string,
      kind: 'classifier',
      family: 'gradient_boosting',
      metrics: { test_auc: 0.76 },
      threshold: 0.5,
      tags: {},
      dataVersion: 'md5-1',
      testSetHash: 'h',
      artifacts: { model: { data: new TextEncoder().encode('weights 3'), contentType: 'application/json' } },
    });
    await store.close();
    expect((await run('models', 'routing', 'water', ...common)).out).toContain('no routing set');
    const archived = await run('models', 'routing', 'water', '--variant', '2:10', '--reason', 'r', ...common);
    expect(archived.code).toBe(1);
    expect(archived.err).toContain('AQUAOPS_E_REGISTRY_CONFLICT');
    expect(archived.err).toContain('water@2 is archived');
    const set = await run(
      'models',
      'routing',
      'water',
      '--variant',
      '1:90',
      '--variant',
      '3:10',
      '--sticky-key',
      'site_id',
      '--reason',
      'A/B of v3',
      '--actor',
      'ops',
      ...common,
    );
    expect(set.err).toBe('');
    expect(set.out).toContain('water: none -> v1:90, v3:10, sticky site_id (A/B of v3)');
    const shown = JSON.parse((await run('models', 'routing', 'water', '--json', ...common)).out) as {
      config: unknown;
      actor: string;
    };
    expect(shown.config).toEqual({
      variants: [
        { version: 1, weight: 90 },
        { version: 3, weight: 10 },
      ],
      stickyKey: 'site_id',
    });
    expect(shown.actor).toBe('ops');

    // Refused with nothing stored: an unknown version, a change without a reason, a bad variant.
    const unknown = await run('models', 'routing', 'water', '--variant', '9:1', '--reason', 'r', ...common);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/AQUAOPS_E_/);
    expect((await run('models', 'routing', 'water', '--shadow', '3', ...common)).err).toContain('needs --reason');
    const inUse = await run('models', 'archive', 'water', '3', ...common);
    expect(inUse.code).toBe(1);
    expect(inUse.err).toContain('still in the A/B or shadow routing');
    const badVariant = await run('models', 'routing', 'water', '--variant', '2', '--reason', 'r', ...common);
    expect(badVariant.code).toBe(2);
    expect(badVariant.err).toContain('VERSION:WEIGHT');
    expect((await run('models', 'routing', 'water', '--clear', '--shadow', '1', '--reason', 'r', ...common)).code).toBe(
      2,
    );

    expect((await run('models', 'routing', 'water', '--clear', '--reason', 'A/B over', ...common)).out).toContain(
      'water: v1:90, v3:10, sticky site_id -> none (A/B over)',
    );
    const hist = await run('models', 'routing', 'water', '--history', ...common);
    expect(hist.out.trim().split('\n')).toHaveLength(3);
    expect(hist.out).toContain('A/B of v3');
    expect((await run('models', 'archive', 'water', '3', ...common)).out).toContain('water@3 archived');
  });

  it('reports usage errors and an unreachable PostgreSQL clearly', async () => {
    const bad = await run('models', 'promote', 'water', 'x', '--alias', 'a', '--reason', 'r', ...common);
    expect(bad.code).toBe(2);
    const pgDown = await run('models', 'ls', '--store', 'postgres://u:pw@127.0.0.1:1/db');
    expect(pgDown.code).toBe(1);
    expect(pgDown.err).toContain('AQUAOPS_E_REGISTRY_UNAVAILABLE');
    expect(pgDown.err).toContain('postgres://u:***@127.0.0.1:1/db');
    expect(pgDown.err).not.toContain('pw@');
    expect(pgDown.err.trim().split('\n')).toHaveLength(1);
  });
});
