/**
 * Sorting and filtering of the batch results table, kept pure so the behaviour (stable order,
 * errors last, missing values last, case-insensitive filter) is unit-tested.
 */
import type { BatchRow } from '../api/types.js';

export type SortKey = 'line' | 'verdict' | 'probability';
export type SortDir = 'asc' | 'desc';
export type VerdictFilter = 'all' | 'errors' | string;

export function sortRows(rows: readonly BatchRow[], key: SortKey, dir: SortDir): BatchRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      if (key !== 'line' && a.r.ok !== b.r.ok) return a.r.ok ? -1 : 1;
      let c = 0;
      if (key === 'line') c = a.r.line - b.r.line;
      else if (a.r.ok && b.r.ok) {
        c = key === 'probability' ? a.r.probability - b.r.probability : a.r.verdict.localeCompare(b.r.verdict);
      }
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/** `verdict`: 'all', 'errors' or a verdict word; `text` is a line number, or words in verdicts and errors. */
export function filterRows(rows: readonly BatchRow[], verdict: VerdictFilter, text: string): BatchRow[] {
  const q = text.trim().toLowerCase();
  return rows.filter((r) => {
    if (verdict === 'errors' && r.ok) return false;
    if (verdict !== 'all' && verdict !== 'errors' && (!r.ok || r.verdict !== verdict)) return false;
    if (q === '') return true;
    // A bare number is a line number (error texts contain numbers too).
    if (/^\d+$/.test(q)) return String(r.line) === q;
    const hay = r.ok
      ? `${r.verdict} ${r.verdict.replace(/_/g, ' ')}`
      : r.errors.map((e) => `${e.path} ${e.message}`).join(' ');
    return hay.toLowerCase().includes(q);
  });
}
