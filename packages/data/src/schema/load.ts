/**
 * Finds and loads dataset schemas: a path to a YAML/JSON file, or the name of a built-in schema
 * shipped in packages/data/schemas/. Also turns a schema into the `ModelSignature` stored with
 * each trained model, so the API, the web form and guideline flags follow the data's schema.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AquaopsError } from '@aquaops/contracts';
import type { FeatureSpec, ModelSignature } from '@aquaops/contracts';
import { didYouMean, parseSchema } from './parse.js';
import { featureColumns, roleColumn } from './types.js';
import type { DatasetSchema } from './types.js';

const BUILTIN_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
const SCHEMA_EXT = /\.(ya?ml|json)$/i;

/** Names of the built-in schemas (file names in packages/data/schemas without extension). */
export function builtinSchemas(): readonly string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => SCHEMA_EXT.test(f))
    .map((f) => f.replace(SCHEMA_EXT, ''))
    .sort();
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || SCHEMA_EXT.test(s);
}

/** Loads a schema from a file path or a built-in name (e.g. `water-potability`). */
export async function loadSchema(pathOrBuiltinName: string): Promise<DatasetSchema> {
  if (!looksLikePath(pathOrBuiltinName)) {
    const names = builtinSchemas();
    const file = readdirSync(BUILTIN_DIR).find((f) => f.replace(SCHEMA_EXT, '') === pathOrBuiltinName);
    if (file === undefined) {
      const near = didYouMean(pathOrBuiltinName, names);
      throw new AquaopsError('AQUAOPS_E_DATA_SCHEMA_NOT_FOUND', `No built-in schema named "${pathOrBuiltinName}".`, {
        hint: `${near ? `Did you mean "${near}"? ` : ''}Built-in schemas: ${names.join(', ')}; or pass a path to a .yaml/.json schema file.`,
        details: [{ path: 'schema', expected: names.join(' | '), found: pathOrBuiltinName }],
      });
    }
    const text = readFileSync(path.join(BUILTIN_DIR, file), 'utf8');
    return { ...parseSchema(text, `builtin:${pathOrBuiltinName}`), source: `builtin:${pathOrBuiltinName}` };
  }
  let text: string;
  try {
    text = await readFile(pathOrBuiltinName, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new AquaopsError(
      code === 'ENOENT' ? 'AQUAOPS_E_DATA_SCHEMA_NOT_FOUND' : 'AQUAOPS_E_DATA_UNREADABLE',
      `Cannot read schema file ${pathOrBuiltinName}: ${code ?? String(err)}.`,
      {
        hint:
          code === 'ENOENT'
            ? `Check the path, or use a built-in schema name (${builtinSchemas().join(', ')}).`
            : 'Check the file permissions.',
        cause: err,
      },
    );
  }
  return parseSchema(text, pathOrBuiltinName);
}

/** The model input signature for a schema: features in schema order with units, bounds, guidelines. */
export function signatureFromSchema(schema: DatasetSchema): ModelSignature {
  const features: FeatureSpec[] = featureColumns(schema).map((c) => ({
    name: c.name,
    type: 'number',
    ...(c.unit === undefined ? {} : { unit: c.unit }),
    ...(c.description === undefined ? {} : { description: c.description }),
    ...(c.min === undefined ? {} : { min: c.min }),
    ...(c.max === undefined ? {} : { max: c.max }),
    ...(c.guidelines === undefined ? {} : { guidelines: c.guidelines }),
  }));
  const passthrough = (['id', 'site', 'timestamp'] as const)
    .map((r) => roleColumn(schema, r)?.name)
    .filter((n): n is string => n !== undefined);
  return {
    schema: { name: schema.name, version: schema.version },
    label: { name: schema.label.column, positive: schema.label.positive },
    verdicts: { ...schema.verdicts },
    features,
    ...(passthrough.length === 0 ? {} : { passthrough }),
  };
}
