/**
 * Serving does not depend on the nine potability columns: a river-monitoring model (16
 * features, label `safe` yes/no, verdicts safe/unsafe, its own WHO guidelines) is trained,
 * registered and served through the registry adapters; validation, verdict words, explanation
 * and guideline flags all follow its signature.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { featureColumns, loadSchema, sampleCsvForSchema } from '@aquaops/data';
import { defaultCatalog } from '@aquaops/ml';
import { FsArtifactStore, MemoryStore, ModelRegistry } from '@aquaops/registry';
import { runTrainingJob } from '@aquaops/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryFeedbackStore, RegistryModelSource, RegistryPredictionSink } from './adapters/registry.js';
import { buildApp, type ServerApp } from './app.js';
import { testConfig } from './testing/fixtures.js';

let dir = '';
let srv: ServerApp;
let sample: Record<string, number | null>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aquaops-river-serve-'));
  const schema = await loadSchema('river-monitoring');
  const file = join(dir, 'river.csv');
  await writeFile(file, sampleCsvForSchema(schema, { rows: 500, seed: 4 }));
  const store = new MemoryStore();
  const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
  await runTrainingJob(defaultCatalog(), {
    dataFile: file,
    schema: 'river-monitoring',
    store,
    artifacts,
    families: ['gbm'],
    trialsPerFamily: 1,
    folds: 3,
    threads: 1,
    bootstrap: 50,
  });
  const registry = new ModelRegistry(store, artifacts);
  srv = await buildApp(
    {
      source: new RegistryModelSource(registry),
      sink: new RegistryPredictionSink(store),
      feedback: new RegistryFeedbackStore(store),
      processMetrics: false,
    },
    testConfig({ modelName: 'river-monitoring' }),
  );
  sample = Object.fromEntries(featureColumns(schema).map((c) => [c.name, (c.min ?? 0) + 1]));
  sample.nitrate = 75; // above the WHO guideline of 50 mg/L
}, 60_000);

afterAll(async () => {
  await srv?.app.close();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('serving a model of another schema', () => {
  it('predicts with the schema’s verdict words, explanation and guideline flags', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: sample });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const p = Array.isArray(body.predictions) ? body.predictions[0] : body;
    expect(['safe', 'unsafe']).toContain(p.verdict);
    expect(p.model.name).toBe('river-monitoring');
    const text = JSON.stringify(p);
    expect(text).toContain('nitrate');
    expect(text).toMatch(/WHO/);
    expect(text).toContain('exceeds');
  });

  it('validates against the river signature: a potability-only field (Hardness) is unknown, a missing river field is reported', async () => {
    const bad = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: { ...sample, Hardness: 200 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('AQUAOPS_E_VALIDATION');
    expect(JSON.stringify(bad.json())).toContain('Hardness');
    const { nitrate: _dropped, ...rest } = sample;
    const missing = await srv.app.inject({ method: 'POST', url: '/api/v1/predict', payload: rest });
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json())).toContain('nitrate');
  });
});
