import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSampleCsv } from '@aquaops/data';
import { defaultCatalog, loadModel } from '@aquaops/ml';
import { FsArtifactStore, MemoryStore, ModelRegistry } from '@aquaops/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrainingJob } from './job.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aquaops-job-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runTrainingJob', () => {
  it('trains on sample data, records the run with every trial, registers a champion, then a challenger', async () => {
    const file = join(dir, 'sample.csv');
    await writeSampleCsv(file, { rows: 900, seed: 7 });
    const store = new MemoryStore();
    const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
    const opts = {
      dataFile: file,
      store,
      artifacts,
      families: ['gbm', 'gaussian-nb'],
      trialsPerFamily: 2,
      folds: 3,
      threads: 1,
      bootstrap: 100,
      synthetic: true,
    } as const;
    const first = await runTrainingJob(defaultCatalog(), opts);
    expect(first.version?.version).toBe(1);
    expect(first.promotion?.alias).toBe('champion');
    const run = await store.getRun(first.runId);
    expect(run?.status).toBe('finished');
    expect((run?.summary as { selection?: { rule?: string } } | undefined)?.selection?.rule).toMatch(
      /one standard error/,
    );
    expect(run?.trials.length).toBe(first.result.trials.length);
    expect(run?.data.version).toBe(first.dataVersion);
    expect(run?.testMetrics.roc_auc?.lower).toBeLessThanOrEqual(run?.testMetrics.roc_auc?.value ?? 0);

    // The stored model file loads and predicts exactly like the trained model.
    const registry = new ModelRegistry(store, artifacts);
    const bytes = await registry.loadArtifact('water-potability', 1, 'model.json');
    const loaded = loadModel(new TextDecoder().decode(bytes), defaultCatalog());
    const Xte = first.result.test.proba;
    expect(Xte.length).toBe(first.result.split.testRows.length);
    for (const name of [
      'signature.json',
      'profile.json',
      'evaluation.json',
      'model-card.md',
      'roc.svg',
      'confusion.svg',
    ]) {
      expect((await registry.loadArtifact('water-potability', 1, name)).length).toBeGreaterThan(50);
    }
    expect(loaded.nFeatures).toBe(9);

    // Same data, same seed: same held-out rows, equal score → not strictly better → challenger.
    const second = await runTrainingJob(defaultCatalog(), opts);
    expect(second.version?.version).toBe(2);
    expect(second.promotion?.alias).toBe('challenger');
  });
});

describe('runTrainingJob, interrupted', () => {
  it('an abort during the search keeps finished trials in an interrupted run and registers nothing', async () => {
    const file = join(dir, 'sample-abort.csv');
    await writeSampleCsv(file, { rows: 600, seed: 3 });
    const store = new MemoryStore();
    const controller = new AbortController();
    const r = await runTrainingJob(defaultCatalog(), {
      dataFile: file,
      store,
      artifacts: new FsArtifactStore(join(dir, 'artifacts-abort')),
      families: ['gaussian-nb', 'gbm', 'logistic-regression'],
      trialsPerFamily: 3,
      folds: 3,
      threads: 1,
      bootstrap: 50,
      signal: controller.signal,
      // Stop as soon as the first family has a fully scored trial (what Ctrl-C does in the CLI).
      onProgress: (e) => {
        if (e.best !== undefined) controller.abort();
      },
    });
    expect(r.result.interrupted).toBe(true);
    expect(r.version).toBeUndefined();
    const run = await store.getRun(r.runId);
    expect(run?.status).toBe('interrupted');
    expect((run?.trials.length ?? 0) > 0).toBe(true);
    expect(run?.trials.length).toBeLessThan(9);
    expect(await store.listModels()).toEqual([]);
  });
});
