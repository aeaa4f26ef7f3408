/** Tests run tracking (environment, git commit, lifecycle) and run comparison on the memory store. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../stores/memory.js';
import { RunTracker, compareRuns, detectGitCommit } from './service.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-runs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RunTracker', () => {
  it('records a run through its life cycle with environment and seed', async () => {
    let t = Date.parse('2026-01-01T00:00:00.000Z');
    const now = (): Date => {
      t += 1000;
      return new Date(t);
    };
    const tracker = new RunTracker(new MemoryStore(), { now });
    const r = await tracker.start({
      name: 'train',
      params: { trees: 10 },
      seed: 42,
      data: { version: 'md5' },
      codeVersion: null,
    });
    expect(r).toMatchObject({
      status: 'running',
      seed: 42,
      codeVersion: null,
      data: { version: 'md5', schemaName: null },
    });
    expect(r.environment.node).toBe(process.version);
    expect(r.environment.cpus).toBeGreaterThan(0);
    await tracker.logFolds(r.id, [
      { fold: 0, metrics: { auc: 0.6 } },
      { fold: 1, metrics: { auc: 0.7 } },
    ]);
    const done = await tracker.finish(r.id, { testMetrics: { auc: { value: 0.66 } }, durations: { fit: 5 } });
    expect(done).toMatchObject({ status: 'finished', finishedAt: '2026-01-01T00:00:02.000Z', durations: { fit: 5 } });
    const r2 = await tracker.start({ name: 'train', params: { trees: 20 }, seed: 42, codeVersion: 'x' });
    const failed = await tracker.fail(r2.id, new Error('out of memory'));
    expect(failed).toMatchObject({ status: 'failed', error: 'out of memory' });

    const c = compareRuns([done, failed]);
    const row = (k: string) => c.rows.find((x) => x.key === k);
    expect(row('params.trees')).toEqual({ key: 'params.trees', values: [10, 20], differs: true });
    expect(row('seed')?.differs).toBe(false);
    expect(row('cv_mean.auc')?.values[0]).toBeCloseTo(0.65, 12);
    expect(row('cv_mean.auc')?.values[1]).toBeNull();
    expect(row('test.auc')?.values).toEqual([0.66, null]);
  });
});

describe('detectGitCommit', () => {
  it('reads HEAD through a branch ref, packed refs, or a detached head, and returns null outside a repo', () => {
    const repo = path.join(dir, 'repo');
    const sha1 = 'a'.repeat(40);
    const sha2 = 'b'.repeat(40);
    fs.mkdirSync(path.join(repo, '.git', 'refs', 'heads'), { recursive: true });
    fs.mkdirSync(path.join(repo, 'sub', 'deep'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    fs.writeFileSync(path.join(repo, '.git', 'refs', 'heads', 'main'), `${sha1}\n`);
    expect(detectGitCommit(path.join(repo, 'sub', 'deep'))).toBe(sha1);
    fs.rmSync(path.join(repo, '.git', 'refs', 'heads', 'main'));
    fs.writeFileSync(path.join(repo, '.git', 'packed-refs'), `# pack-refs\n${sha2} refs/heads/main\n`);
    expect(detectGitCommit(repo)).toBe(sha2);
    fs.writeFileSync(path.join(repo, '.git', 'HEAD'), `${sha1}\n`);
    expect(detectGitCommit(repo)).toBe(sha1);
    expect(detectGitCommit(path.parse(dir).root)).toBeNull();
  });
});

describe('RunTracker.reapDeadRuns', () => {
  it('marks runs whose process died (e.g. SIGKILL) as interrupted, and leaves live ones alone', async () => {
    const { spawnSync } = await import('node:child_process');
    // A real pid that has exited: a finished child process.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const store = new MemoryStore();
    const tracker = new RunTracker(store);
    const base = {
      createdAt: new Date().toISOString(),
      params: {},
      data: { version: null, schemaName: null, schemaVersion: null },
      codeVersion: null,
      seed: null,
    };
    const env = {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: 2,
      hostname: os.hostname(),
    };
    await store.createRun({ ...base, id: 'dead', name: 'killed', environment: { ...env, pid: dead } });
    await store.createRun({ ...base, id: 'live', name: 'running', environment: { ...env, pid: process.pid } });
    await store.createRun({
      ...base,
      id: 'other-host',
      name: 'elsewhere',
      environment: { ...env, hostname: 'another-host', pid: dead },
    });
    expect(await tracker.reapDeadRuns()).toEqual(['dead']);
    expect((await store.getRun('dead'))?.status).toBe('interrupted');
    expect((await store.getRun('dead'))?.error).toMatch(/ended without finishing/);
    expect((await store.getRun('live'))?.status).toBe('running');
    expect((await store.getRun('other-host'))?.status).toBe('running');
  });
});
