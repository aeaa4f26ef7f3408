/**
 * Canonical JSON: object keys sorted, no whitespace, numbers printed as JavaScript prints them
 * (shortest text that parses back to the same float64). Two equal values always give the same
 * bytes, so a checksum of the canonical form survives re-parsing and re-printing. Values JSON
 * cannot carry (NaN, ±Infinity, functions, class instances other than typed arrays) are
 * refused with the path where they sit instead of being silently turned into `null`.
 */
import { invalidArgument } from '../errors.js';

function refuse(path: string, found: string, fix: string): never {
  throw invalidArgument(path, 'a plain JSON value', found, fix);
}

function write(v: unknown, path: string, out: string[]): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(v)) {
        refuse(path, String(v), 'Model state must hold finite numbers; encode missing or infinite values explicitly.');
      }
      out.push(JSON.stringify(v));
      return;
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'object':
      break;
    default:
      refuse(path, typeof v, 'Keep only numbers, strings, booleans, null, arrays and plain objects in model state.');
  }
  if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    const arr = v as ArrayLike<unknown>;
    out.push('[');
    for (let i = 0; i < arr.length; i++) {
      if (i > 0) out.push(',');
      const el = arr[i];
      if (el === undefined) out.push('null');
      else write(el, `${path}[${i}]`, out);
    }
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    refuse(
      path,
      `an instance of ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'a class'}`,
      'Convert it to a plain object or array (e.g. Array.from for typed arrays, Object.fromEntries for maps).',
    );
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    write(obj[k], `${path}.${k}`, out);
  });
  out.push('}');
}

/** Canonical JSON text of `value`; `path` names the root in error messages. */
export function canonicalJson(value: unknown, path = 'value'): string {
  const out: string[] = [];
  write(value, path, out);
  return out.join('');
}
