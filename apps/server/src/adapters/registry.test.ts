/**
 * Unit checks of the registry adapters that need no artifacts: alias polling (first read
 * notifies, changes notify once, nothing after unsubscribing, a failing store is retried
 * silently) and the mapping of the server's prediction records onto the store's.
 */
import os from 'node:os';
import { FsArtifactStore, MemoryStore, ModelRegistry } from '@aquaops/registry';
import { describe, expect, it } from 'vitest';
import type { PredictionRecord } from '../model/types.js';
import { RegistryModelSource, storedRoute, toStoredPrediction } from './registry.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function move(store: MemoryStore, version: number, expected: number | null): Promise<void> {
  await store.moveAlias({
    model: 'm',
    alias: 'champion',
    version,
    expected,
    actor: 't',
    reason: 'r',
    metrics: {},
    at: new Date().toISOString(),
  });
}

describe('RegistryModelSource.watch', () => {
  it('notifies on the first read and on each change, and stops when unsubscribed', async () => {
    const store = new MemoryStore();
    await store.ensureModel('m', '', new Date().toISOString());
    for (let i = 0; i < 2; i++) {
      await store.createVersion({
        model: 'm',
        runId: null,
        kind: 'classifier',
        family: 'gbm',
        metrics: {},
        threshold: 0.5,
        tags: {},
        dataVersion: null,
        testSetHash: null,
        signature: null,
        artifacts: {},
        createdAt: new Date().toISOString(),
        createdBy: 't',
      });
    }
    await move(store, 1, null);
    const source = new RegistryModelSource(new ModelRegistry(store, new FsArtifactStore(os.tmpdir())));
    const seen: (number | undefined)[] = [];
    const stop = source.watch('m', 'champion', (v) => seen.push(v), 20);
    await sleep(80);
    expect(seen).toEqual([1]);
    await move(store, 2, 1);
    await sleep(80);
    expect(seen).toEqual([1, 2]);
    stop();
    await move(store, 1, 2);
    await sleep(80);
    expect(seen).toEqual([1, 2]);
  });

  it('retries silently while the store fails', async () => {
    const store = new MemoryStore();
    let calls = 0;
    const failing = new Proxy(store, {
      get(t, p) {
        if (p === 'getAlias')
          return async () => {
            calls++;
            throw new Error('down');
          };
        const v = Reflect.get(t, p) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    const source = new RegistryModelSource(new ModelRegistry(failing, new FsArtifactStore(os.tmpdir())));
    const seen: unknown[] = [];
    const stop = source.watch('m', 'champion', (v) => seen.push(v), 20);
    await sleep(90);
    stop();
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([]);
  });
});

describe('toStoredPrediction', () => {
  const base: PredictionRecord = {
    predictionId: 'p1',
    requestId: 'r1',
    timestamp: '2026-01-01T00:00:00.000Z',
    model: { name: 'm', version: 3, alias: 'champion' },
    route: 'default',
    inputs: { ph: 7, Sulfate: null },
    passthrough: {},
    probability: 0.61,
    verdict: 'potable',
    threshold: 0.6,
    latencyMs: 2,
    shadow: false,
  };
  it('maps routes, the label at the threshold, and keeps alias and passthrough in the outputs', () => {
    expect(storedRoute(base)).toBe('champion');
    expect(storedRoute({ ...base, route: 'ab:2' })).toBe('variant');
    expect(storedRoute({ ...base, shadow: true })).toBe('shadow');
    expect(storedRoute({ ...base, route: 'batch' })).toBe('champion');
    const s = toStoredPrediction({ ...base, passthrough: { siteId: 'S1' } });
    expect(s).toMatchObject({ id: 'p1', model: 'm', version: 3, route: 'champion', inputs: { ph: 7, Sulfate: null } });
    expect(s.outputs).toEqual({
      probability: 0.61,
      verdict: 'potable',
      label: 1,
      threshold: 0.6,
      servedRoute: 'default',
      alias: 'champion',
      passthrough: { siteId: 'S1' },
    });
    expect(toStoredPrediction({ ...base, probability: 0.59 }).outputs.label).toBe(0);
  });
});
