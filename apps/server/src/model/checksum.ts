/**
 * Checksums of fitted models. A model's identity is its serialised state, so the checksum is the
 * sha256 of a canonical JSON rendering of `toState()` (object keys sorted, typed arrays as plain
 * arrays): the same model always hashes the same, whatever order its fields were built in.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function stateChecksum(state: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(state)).digest('hex')}`;
}
