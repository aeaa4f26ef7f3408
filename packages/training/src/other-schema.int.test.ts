/**
 * Nothing in training may depend on the nine potability columns: a made-up 16-feature
 * river-monitoring dataset (other label name and values, ids, sites, timestamps, columns in
 * another order) goes through ingest, search, selection, registration and reload.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSignature } from '@aquaops/contracts';
import { featureColumns, loadSchema } from '@aquaops/data';
import { Rng, defaultCatalog, fromRows, loadModel } from '@aquaops/ml';
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
    const cols = schema.columns.map((c) => c.name).reverse();
    const rng = new Rng(9);
    const lines = [cols.join(',')];
    for (let i = 0; i < 700; i++) {
      const row: Record<string, string> = {};
      for (const c of schema.columns) {
        if (c.role !== 'feature') continue;
        const lo = c.min ?? 0;
        const hi = Math.min(c.max ?? 100, lo + 40);
        row[c.name] = c.type === 'integer' ? String(rng.int(5)) : (lo + rng.next() * (hi - lo)).toFixed(3);
      }
      // The label depends on two measurements, with noise: a learnable signal.
      const risk = Number(row.nitrate) / 40 + Number(row.lead) / 40 + 0.3 * rng.normal();
      const values = cols.map((c) => {
        if (c === 'sample_id') return `S${i}`;
        if (c === 'site') return `site-${i % 5}`;
        if (c === 'sampled_at') return new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();
        if (c === schema.label.column) return risk < 1 ? 'yes' : 'no';
        return row[c] ?? '';
      });
      lines.push(values.join(','));
    }
    const file = join(dir, 'river.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
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
    const sig = JSON.parse(new TextDecoder().decode(await reg.loadArtifact('river-monitoring', 1, 'signature.json'))) as ModelSignature;
    expect(sig.label).toEqual({ name: 'safe', positive: 'yes' });
    expect(sig.verdicts).toEqual({ positive: 'safe', negative: 'unsafe' });
    expect(sig.features.map((f) => f.name)).toEqual(features.map((c) => c.name));
    expect(sig.passthrough).toEqual(['sample_id', 'site', 'sampled_at']);
    const model = loadModel(new TextDecoder().decode(await reg.loadArtifact('river-monitoring', 1, 'model.json')), defaultCatalog());
    expect(model.nFeatures).toBe(features.length);
    // Low nitrate and lead → safe is more likely than high nitrate and lead.
    const mid = features.map((c) => ((c.min ?? 0) + Math.min(c.max ?? 100, (c.min ?? 0) + 40)) / 2);
    const low = features.map((c, j) => (c.name === 'nitrate' || c.name === 'lead' ? 2 : (mid[j] as number)));
    const high = features.map((c, j) => (c.name === 'nitrate' || c.name === 'lead' ? 38 : (mid[j] as number)));
    const p = model.predictProba(fromRows([low, high]));
    expect(p[0] as number).toBeGreaterThan(p[1] as number);
  });
});
