import { describe, expect, it } from 'vitest';
import type { BatchRow } from '../api/types.js';
import { filterRows, sortRows } from './table.js';

const rows: BatchRow[] = [
  { line: 2, ok: true, verdict: 'potable', probability: 0.7 },
  { line: 3, ok: false, errors: [{ path: 'ph', message: 'expected a number 0–14, got "99"' }] },
  { line: 4, ok: true, verdict: 'not_potable', probability: 0.2 },
  { line: 5, ok: true, verdict: 'potable', probability: 0.7 },
];

describe('sortRows', () => {
  it('sorts by probability with errors last and ties in file order', () => {
    expect(sortRows(rows, 'probability', 'asc').map((r) => r.line)).toEqual([4, 2, 5, 3]);
    expect(sortRows(rows, 'probability', 'desc').map((r) => r.line)).toEqual([2, 5, 4, 3]);
  });
  it('sorts by line in either direction', () => {
    expect(sortRows(rows, 'line', 'desc').map((r) => r.line)).toEqual([5, 4, 3, 2]);
  });
});

describe('filterRows', () => {
  it('filters by verdict, by errors and by text (line number or words)', () => {
    expect(filterRows(rows, 'potable', '').map((r) => r.line)).toEqual([2, 5]);
    expect(filterRows(rows, 'errors', '').map((r) => r.line)).toEqual([3]);
    expect(filterRows(rows, 'all', '4').map((r) => r.line)).toEqual([4]);
    expect(filterRows(rows, 'all', 'NOT POTABLE').map((r) => r.line)).toEqual([4]);
    expect(filterRows(rows, 'all', 'number 0–14').map((r) => r.line)).toEqual([3]);
  });
});
