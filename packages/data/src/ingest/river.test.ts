/**
 * The 16-feature river-monitoring schema end to end: a generated file with a different label
 * (safe: yes/no), sites, timestamps and ids goes through validate, load and signature — proof
 * that nothing depends on the nine potability columns.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, at } from '@aquaops/ml';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderTable } from '../quality/render.js';
import { loadSchema, signatureFromSchema } from '../schema/load.js';
import { featureColumns } from '../schema/types.js';
import type { DatasetSchema } from '../schema/types.js';
import { loadDataset } from './load.js';
import { validateCsv } from './validate.js';

let schema: DatasetSchema;
let file: string;
const N = 600;

beforeAll(async () => {
  schema = await loadSchema('river-monitoring');
  const rng = new Rng(5);
  // File column order deliberately differs from schema order.
  const cols = [...schema.columns.map((c) => c.name)].reverse();
  const lines = [cols.join(',')];
  for (let i = 0; i < N; i++) {
    const vals = cols.map((c) => {
      const col = schema.columns.find((x) => x.name === c);
      if (c === 'sample_id') return `S${i}`;
      if (c === 'site') return `site-${i % 7}`;
      if (c === 'sampled_at') return new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
      if (c === 'operator_note') return i % 50 === 0 ? '"checked, ok"' : '';
      if (c === 'safe') return i % 3 === 0 ? 'no' : 'yes';
      if (c === 'e_coli') return String(rng.int(3));
      if (c === 'nitrate' && i === 10) return '75.5'; // above WHO 50
      if (i % 40 === 1 && c === 'lead') return 'NA';
      const lo = col?.min ?? 0;
      const hi = Math.min(col?.max ?? 100, lo + 40);
      return (lo + rng.next() * (hi - lo)).toFixed(3);
    });
    lines.push(vals.join(','));
  }
  lines.push(lines[1]?.replace('S0,', 'S0,') ?? ''); // exact duplicate row, repeated id
  file = path.join(mkdtempSync(path.join(tmpdir(), 'aquaops-river-')), 'river.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
});

describe('river-monitoring end to end', () => {
  it('validates with its own label, ids, guidelines and no potability assumptions', async () => {
    const r = await validateCsv(file, schema);
    expect(r.rows).toMatchObject({ read: N + 1, accepted: N + 1, rejected: 0 });
    expect(r.columns.map((c) => c.name)).toEqual(featureColumns(schema).map((c) => c.name));
    expect(r.columns).toHaveLength(16);
    expect(r.label).toMatchObject({ column: 'safe', positive: 'yes', negative: 'no' });
    expect(r.label.negatives).toBe(201);
    expect(r.columns.find((c) => c.name === 'lead')?.missing).toBe(15);
    expect(r.columns.find((c) => c.name === 'nitrate')?.guidelines[0]).toMatchObject({ exceed: 1 });
    // e_coli: WHO max 0, so every nonzero count exceeds.
    expect(r.columns.find((c) => c.name === 'e_coli')?.guidelines[0]?.exceed).toBeGreaterThan(300);
    expect(r.duplicates.rows).toBe(1);
    expect(r.duplicates.ids).toBe(1);
    expect(r.status).toBe('warn');
    expect(renderTable(r)).toContain('label safe:');
  });

  it('loads features in schema order with 0/1 labels, ids and sites', async () => {
    const ds = await loadDataset(file, schema);
    expect(ds.X.nCols).toBe(16);
    expect(ds.featureNames[0]).toBe('nitrate');
    expect(at(ds.X, 10, 0)).toBe(75.5);
    expect(ds.y[0]).toBe(0);
    expect(ds.y[1]).toBe(1);
    expect(ds.ids?.[3]).toBe('S3');
    expect(ds.sites?.[8]).toBe('site-1');
  });

  it('derives a signature from the schema', () => {
    const sig = signatureFromSchema(schema);
    expect(sig.label).toEqual({ name: 'safe', positive: 'yes' });
    expect(sig.features.map((f) => f.name)).toEqual(featureColumns(schema).map((c) => c.name));
  });
});
