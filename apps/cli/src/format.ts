/**
 * Shared text formatting and argument parsing for the CLI's commands: aligned tables, compact
 * numbers, and commander argument parsers that reject bad values with a message saying what
 * was expected.
 */
import { InvalidArgumentError } from 'commander';

/** Renders rows as aligned columns (two spaces apart). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** A value for a table cell: `-` for nothing, numbers to 5 significant digits. */
export function fmt(v: unknown): string {
  if (v === undefined || v === null) return '-';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Parser for an option that must be a number >= 0 (e.g. a promotion margin). */
export const nonNegativeNumber =
  (flag: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number >= 0, got "${v}".`);
    return n;
  };
