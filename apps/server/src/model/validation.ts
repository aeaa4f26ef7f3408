/**
 * Request validation built from a model's signature. The sample schema comes from
 * @aquaops/contracts (the same one the OpenAPI document shows) and is compiled by a strict Ajv:
 * no type coercion (so `"7"` is not 7 and `null` is not 0), no removal of unknown fields, NaN and
 * Infinity rejected, all errors reported. Ajv errors become field-level `{path, expected, got}`.
 */
import { sampleSchema, type ErrorDetailBody, type ModelSignature } from '@aquaops/contracts';
import { Ajv, type ErrorObject } from 'ajv';

export type Sample = Readonly<Record<string, number | string | null>>;
export type SampleValidator = (value: unknown, pathPrefix: string) => ErrorDetailBody[];

function newAjv(): Ajv {
  return new Ajv({
    allErrors: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    strictNumbers: true,
    strict: false,
  });
}

/** Short, log-safe description of a JSON value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return 'an object';
}

function at(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Converts Ajv errors into wire details; `prefix` is prepended to paths (e.g. `/3` for row 3). */
export function ajvDetails(errors: readonly ErrorObject[], root: unknown, prefix: string): ErrorDetailBody[] {
  const out: ErrorDetailBody[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const path = `${prefix}${e.instancePath}`;
    const p = e.params as Record<string, unknown>;
    let d: ErrorDetailBody;
    switch (e.keyword) {
      case 'additionalProperties':
        d = {
          path: `${path}/${String(p.additionalProperty)}`,
          expected: 'no such field (see the model signature: GET /api/v1/models)',
          got: 'an unknown field',
        };
        break;
      case 'required':
        d = {
          path: `${path}/${String(p.missingProperty)}`,
          expected: 'a value (use null for a missing measurement)',
          got: 'nothing',
        };
        break;
      case 'type':
        d = {
          path,
          expected: `${String(p.type).split(',').join(' or ')}`,
          got: describeValue(at(root, e.instancePath)),
        };
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        d = {
          path,
          expected: `a number ${String(p.comparison)} ${String(p.limit)}`,
          got: describeValue(at(root, e.instancePath)),
        };
        break;
      default:
        d = { path, expected: e.message ?? e.keyword, got: describeValue(at(root, e.instancePath)) };
    }
    const key = `${d.path}|${d.expected}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

/** Compiles the per-sample validator for a signature (done once per loaded model). */
export function compileSampleValidator(signature: ModelSignature): SampleValidator {
  const validate = newAjv().compile(sampleSchema(signature));
  return (value, prefix) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return [
        { path: prefix === '' ? '/' : prefix, expected: 'an object of feature values', got: describeValue(value) },
      ];
    }
    if (validate(value)) return [];
    return ajvDetails(validate.errors ?? [], value, prefix);
  };
}
