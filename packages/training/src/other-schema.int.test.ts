/**
 * Nothing in training may depend on the nine potability columns: a made-up 16-feature
 * river-monitoring dataset (other label name and values, ids, sites, timestamps, columns in
 * another order) goes through ingest, search, selection, registration and reload.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSignature } from '@aquaops/contracts';
import { featureColumns, loadSchema, sampleCsvForSchema } from '@aquaops/data';
import { defaultCatalog, fromRows, loadModel } from '@aquaops/ml';
import { FsArtifactStore, MemoryStore, ModelRegistry } from '@aquaops/registry';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrainingJob } from './job.js';

let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('training on another schema', () => {
  it('trains, registers and reloads a river-monitoring model with its own signature', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aquaops-river-train-'));
    const schema = await loadSchema('river-monitoring');
    const features = featureColumns(schema);
    expect(features.length).toBeGreaterThanOrEqual(15);
    const file = join(dir, 'river.csv');
    await writeFile(file, sampleCsvForSchema(schema, { rows: 700, seed: 9, shuffleColumns: true }));
    const store = new MemoryStore();
    const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
    const r = await runTrainingJob(defaultCatalog(), {
      dataFile: file,
      schema: 'river-monitoring',
      store,
      artifacts,
      families: ['gbm', 'logistic-regression'],
      trialsPerFamily: 2,
      folds: 3,
      threads: 1,
      bootstrap: 100,
    });
    expect(r.version?.model).toBe('river-monitoring');
    expect(r.promotion?.alias).toBe('champion');
    expect(r.result.test.report.rocAuc ?? 0).toBeGreaterThan(0.75);
    const reg = new ModelRegistry(store, artifacts);
    const sig = JSON.parse(
      new TextDecoder().decode(await reg.loadArtifact('river-monitoring', 1, 'signature.json')),
    ) as ModelSignature;
    expect(sig.label).toEqual({ name: 'safe', positive: 'yes' });
    expect(sig.verdicts).toEqual({ positive: 'safe', negative: 'unsafe' });
    expect(sig.features.map((f) => f.name)).toEqual(features.map((c) => c.name));
    expect(sig.passthrough).toEqual(['sample_id', 'site', 'sampled_at']);
    const model = loadModel(
      new TextDecoder().decode(await reg.loadArtifact('river-monitoring', 1, 'model.json')),
      defaultCatalog(),
    );
    expect(model.nFeatures).toBe(features.length);
    // The label depends on the first two features: low values → safe more likely than high ones.
    const [f0, f1] = features;
    const mid = features.map((c) => ((c.min ?? 0) + Math.min(c.max ?? 100, (c.min ?? 0) + 40)) / 2);
    const low = features.map((c, j) => (c === f0 || c === f1 ? (c.min ?? 0) + 2 : (mid[j] as number)));
    const high = features.map((c, j) => (c === f0 || c === f1 ? (c.min ?? 0) + 38 : (mid[j] as number)));
    const p = model.predictProba(fromRows([low, high]));
    expect(p[0] as number).toBeGreaterThan(p[1] as number);
  });
});
