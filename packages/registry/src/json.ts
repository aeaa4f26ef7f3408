/**
 * The JSON value type used for free-form fields (parameters, inputs, signatures) that the
 * registry stores verbatim, and the guard that checks a value round-trips through JSON.
 */
import { AquaopsError } from '@aquaops/contracts';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** Serialises for storage; rejects values JSON cannot represent faithfully (NaN, Infinity, functions). */
export function toJsonText(value: unknown, where: string): string {
  const bad = findNonJson(value, where);
  if (bad !== undefined) {
    throw new AquaopsError('AQUAOPS_E_REGISTRY_INVALID', `${bad} is not representable as JSON`, {
      hint: 'store finite numbers, strings, booleans, null, arrays and plain objects only',
      details: [{ path: bad }],
    });
  }
  return JSON.stringify(value);
}

function findNonJson(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findNonJson(value[i], `${path}[${i}]`);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const r = findNonJson(v, `${path}.${k}`);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  return path;
}

export function fromJsonText<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}
