/** Tests of schema parsing, built-in schemas and signature derivation. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { describe, expect, it } from 'vitest';
import { builtinSchemas, loadSchema, signatureFromSchema } from './load.js';
import { editDistance, parseSchema } from './parse.js';
import { featureColumns } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-schema-'));

async function schemaError(fn: () => unknown): Promise<AquaopsError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AquaopsError);
    return e as AquaopsError;
  }
  throw new Error('expected an error');
}

describe('built-in schemas', () => {
  it('lists water-potability and river-monitoring', () => {
    expect(builtinSchemas()).toEqual(expect.arrayContaining(['water-potability', 'river-monitoring']));
  });

  it('water-potability has the 9 features in file order, label Potability=1 and WHO/EPA guidelines', async () => {
    const s = await loadSchema('water-potability');
    expect(featureColumns(s).map((c) => c.name)).toEqual([
      'ph',
      'Hardness',
      'Solids',
      'Chloramines',
      'Sulfate',
      'Conductivity',
      'Organic_carbon',
      'Trihalomethanes',
      'Turbidity',
    ]);
    expect(s.label).toEqual({ column: 'Potability', positive: 1, negative: 0 });
    const ph = s.columns.find((c) => c.name === 'ph');
    expect(ph?.min).toBe(0);
    expect(ph?.max).toBe(14);
    expect(ph?.guidelines?.map((g) => g.source)).toEqual(['WHO GDWQ 4th ed.', 'US EPA']);
    const thm = s.columns.find((c) => c.name === 'Trihalomethanes');
    expect(thm?.guidelines?.[0]).toMatchObject({ source: 'US EPA', max: 80, healthBased: true });
  });

  it('river-monitoring has >= 15 features, a yes/no label and site/timestamp/id columns', async () => {
    const s = await loadSchema('river-monitoring');
    expect(featureColumns(s).length).toBeGreaterThanOrEqual(15);
    expect(s.label).toEqual({ column: 'safe', positive: 'yes', negative: 'no' });
    expect(s.columns.map((c) => c.role)).toEqual(expect.arrayContaining(['id', 'site', 'timestamp', 'ignore']));
  });

  it('unknown built-in name suggests the nearest', async () => {
    const e = await schemaError(() => loadSchema('water-potabilty'));
    expect(e.code).toBe('AQUAOPS_E_DATA_SCHEMA_NOT_FOUND');
    expect(e.hint).toContain('Did you mean "water-potability"?');
  });

  it('missing schema file is NOT_FOUND with the path', async () => {
    const e = await schemaError(() => loadSchema(path.join(dir, 'nope.yaml')));
    expect(e.code).toBe('AQUAOPS_E_DATA_SCHEMA_NOT_FOUND');
    expect(e.message).toContain('nope.yaml');
  });
});

describe('signatureFromSchema', () => {
  it('keeps schema order, units, bounds, guidelines and default verdicts', async () => {
    const s = await loadSchema('water-potability');
    const sig = signatureFromSchema(s);
    expect(sig.schema).toEqual({ name: 'water-potability', version: '1.0.0' });
    expect(sig.features.map((f) => f.name)).toEqual(featureColumns(s).map((c) => c.name));
    expect(sig.features[0]).toMatchObject({ name: 'ph', unit: 'pH', min: 0, max: 14, type: 'number' });
    expect(sig.verdicts).toEqual({ positive: 'potable', negative: 'not_potable' });
    expect(sig.label).toEqual({ name: 'Potability', positive: 1 });
    expect(sig.passthrough).toBeUndefined();
  });

  it('takes verdict words from the schema and lists id/site/timestamp as passthrough', async () => {
    const sig = signatureFromSchema(await loadSchema('river-monitoring'));
    expect(sig.verdicts).toEqual({ positive: 'safe', negative: 'unsafe' });
    expect(sig.passthrough).toEqual(['sample_id', 'site', 'sampled_at']);
    expect(sig.features).toHaveLength(16);
  });
});

describe('parseSchema validation', () => {
  const good = `name: t\nversion: 1\ncolumns:\n  - { name: a, type: number, role: feature }\n  - { name: y, type: integer, role: label, positive: 1 }\n`;

  it('accepts a minimal schema (numeric version, defaults)', () => {
    const s = parseSchema(good, 't.yaml');
    expect(s.version).toBe('1');
    expect(s.verdicts.positive).toBe('potable');
    expect(s.label.negative).toBeUndefined();
  });

  it('accepts JSON', () => {
    const s = parseSchema(
      JSON.stringify({
        name: 'j',
        version: '2',
        columns: [
          { name: 'a', type: 'number', role: 'feature' },
          { name: 'ok', type: 'string', role: 'label', positive: 'y' },
        ],
      }),
      't.json',
    );
    expect(s.label.positive).toBe('y');
  });

  it('reports every problem with line, path, expected and found', async () => {
    const text = [
      'name: bad',
      'version: 1',
      'colums: []',
      'columns:',
      '  - name: a',
      '    type: numbr',
      '    role: feature',
      '    min: 5',
      '    max: 1',
      '  - name: y',
      '    type: integer',
      '    role: label',
      '  - name: g',
      '    type: number',
      '    guidelines:',
      '      - { source: WHO, healthBased: maybe }',
    ].join('\n');
    const e = await schemaError(() => parseSchema(text, 'bad.yaml'));
    expect(e.code).toBe('AQUAOPS_E_DATA_SCHEMA_INVALID');
    const paths = e.details.map((d) => d.path);
    expect(paths).toContain('bad.yaml:3 colums');
    expect(e.details.find((d) => d.path?.endsWith('colums'))?.expected).toContain('did you mean "columns"');
    expect(paths).toContain('bad.yaml:6 columns[0].type');
    expect(paths).toContain('bad.yaml:8 columns[0].min');
    expect(paths.some((p) => p?.includes('columns[1].positive'))).toBe(true);
    expect(paths.some((p) => p?.includes('columns[2].guidelines[0].healthBased'))).toBe(true);
    expect(e.details.find((d) => d.path?.includes('columns[0].type'))?.found).toBe('string "numbr"');
  });

  it('rejects two labels, no feature, duplicate names and non-numeric features', async () => {
    const e = await schemaError(() =>
      parseSchema(
        `name: x\nversion: 1\ncolumns:\n  - { name: s, type: string, role: feature }\n  - { name: S, type: number, role: label, positive: 1 }\n  - { name: l2, type: number, role: label, positive: 1 }\n`,
        'x.yaml',
      ),
    );
    const msg = e.message;
    expect(msg).toContain('number, integer or boolean (read as 0/1) for a feature column');
    expect(msg).toContain('a name not used before');
    expect(msg).toContain('exactly one column with role: label');
  });

  it('reports YAML syntax errors with line and column', async () => {
    const e = await schemaError(() => parseSchema('name: x\ncolumns: [\n', 's.yaml'));
    expect(e.code).toBe('AQUAOPS_E_DATA_SCHEMA_INVALID');
    expect(e.details[0]?.path).toMatch(/^s\.yaml:\d+:\d+$/);
  });

  it('loads a schema file from disk', async () => {
    const f = path.join(dir, 'ok.yaml');
    writeFileSync(f, good);
    expect((await loadSchema(f)).source).toBe(f);
  });
});

describe('editDistance', () => {
  it('is the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Sulfate', 'Sulfate')).toBe(0);
    expect(editDistance('Sulphate', 'Sulfate')).toBe(2);
  });
});
