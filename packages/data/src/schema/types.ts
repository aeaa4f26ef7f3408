/**
 * The in-memory form of a dataset schema: which columns a CSV has, how each is typed and what
 * role it plays (feature, label, id, sampling site, timestamp, ignored), with units, physical
 * bounds (outside = invalid) and drinking-water guideline values. Ingest, quality reports and
 * model signatures are all driven by it, so nothing downstream hard-codes a column list.
 */
import type { Guideline } from '@aquaops/contracts';

export type ColumnType = 'number' | 'integer' | 'string' | 'boolean' | 'timestamp';
export type ColumnRole = 'feature' | 'label' | 'id' | 'site' | 'timestamp' | 'ignore';

export const COLUMN_TYPES: readonly ColumnType[] = ['number', 'integer', 'string', 'boolean', 'timestamp'];
export const COLUMN_ROLES: readonly ColumnRole[] = ['feature', 'label', 'id', 'site', 'timestamp', 'ignore'];

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly role: ColumnRole;
  readonly unit?: string;
  readonly description?: string;
  /** Physical bounds: a value outside is invalid (the row is rejected), not merely unusual. */
  readonly min?: number;
  readonly max?: number;
  readonly guidelines?: readonly Guideline[];
  /** Whether the CSV header must contain this column (default true). */
  readonly required: boolean;
}

export interface LabelSpec {
  readonly column: string;
  /** The value (as written in the CSV) that means the positive class, e.g. `1` or `yes`. */
  readonly positive: string | number;
  /** The negative value; when absent, the first other value seen is taken and a third is an error. */
  readonly negative?: string | number;
}

export interface DatasetSchema {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly columns: readonly ColumnSchema[];
  readonly label: LabelSpec;
  readonly verdicts: { readonly positive: string; readonly negative: string };
  /** Where it was loaded from (a path, or `builtin:NAME`). */
  readonly source: string;
}

/** The feature columns in schema order — the model's column order. */
export function featureColumns(schema: DatasetSchema): readonly ColumnSchema[] {
  return schema.columns.filter((c) => c.role === 'feature');
}

/** The single column with the given role, if any (label, id, site, timestamp). */
export function roleColumn(schema: DatasetSchema, role: ColumnRole): ColumnSchema | undefined {
  return schema.columns.find((c) => c.role === role);
}
