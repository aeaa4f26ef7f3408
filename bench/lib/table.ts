/**
 * Plain-text tables for benchmark reports: fixed-width columns sized to their widest cell, numbers
 * right-aligned so digits line up, and a rule under the header. Output is a string; the caller
 * decides where it goes.
 */

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** Display width (code points; the tables use no wide characters). */
const width = (s: string): number => [...s].length;

function pad(s: string, w: number, align: 'left' | 'right'): string {
  const gap = ' '.repeat(Math.max(0, w - width(s)));
  return align === 'right' ? gap + s : s + gap;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, j) => Math.max(width(c.header), ...rows.map((r) => width(r[j] ?? ''))));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, j) => pad(cells[j] ?? '', widths[j] as number, c.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  return `${out.join('\n')}\n`;
}

/** "0.6923 ± 0.0214" (sample std). */
export function fmtMeanStd(mean: number, std: number, digits = 4): string {
  if (!Number.isFinite(mean)) return 'n/a';
  return `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
}
