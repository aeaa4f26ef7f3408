/**
 * Synthetic rows for ANY dataset schema: every feature drawn uniformly inside its physical
 * bounds (capped to a 40-unit band so bounds like 0–100000 still give useful spreads), ids,
 * sites and timestamps filled in, and a label that depends on the first two features plus
 * noise — a learnable signal. It exists so tests and demos can exercise a schema that has no
 * real data, proving nothing downstream depends on one particular set of columns.
 */
import { Rng } from '@aquaops/ml';
import type { DatasetSchema } from '../schema/types.js';
import { featureColumns } from '../schema/types.js';

export interface SchemaSampleOptions {
  readonly rows: number;
  readonly seed: number;
  /** Reverse the column order in the file (column order must not matter). */
  readonly shuffleColumns?: boolean;
}

/** CSV text (header + rows, LF) of synthetic data for `schema`. */
export function sampleCsvForSchema(schema: DatasetSchema, opts: SchemaSampleOptions): string {
  const rng = new Rng(opts.seed);
  const features = featureColumns(schema);
  const [a, b] = features;
  const cols = schema.columns.map((c) => c.name);
  if (opts.shuffleColumns === true) cols.reverse();
  const negative =
    schema.label.negative ?? (String(schema.label.positive) === '1' ? '0' : `not-${schema.label.positive}`);
  const lines = [cols.join(',')];
  const band = (lo: number, hi: number): [number, number] => [lo, Math.min(hi, lo + 40)];
  for (let i = 0; i < opts.rows; i++) {
    const row: Record<string, string> = {};
    for (const c of schema.columns) {
      if (c.role === 'feature') {
        const [lo, hi] = band(c.min ?? 0, c.max ?? 100);
        row[c.name] =
          c.type === 'integer'
            ? String(Math.floor(lo + rng.next() * Math.min(5, hi - lo + 1)))
            : (lo + rng.next() * (hi - lo)).toFixed(3);
      } else if (c.role === 'id') row[c.name] = `S${i}`;
      else if (c.role === 'site') row[c.name] = `site-${i % 5}`;
      else if (c.role === 'timestamp') row[c.name] = new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString();
      else row[c.name] = '';
    }
    const scaled = (c: typeof a): number => {
      if (c === undefined) return 0;
      const [lo, hi] = band(c.min ?? 0, c.max ?? 100);
      return (Number(row[c.name]) - lo) / Math.max(1e-9, hi - lo);
    };
    const risk = scaled(a) + scaled(b) + 0.3 * rng.normal();
    row[schema.label.column] = risk < 1 ? String(schema.label.positive) : String(negative);
    lines.push(cols.map((c) => row[c] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}
