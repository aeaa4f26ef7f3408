/**
 * Turns CSV records into typed rows under a dataset schema: maps the header to schema columns by
 * name (any order; extra columns reported, or rejected in strict mode; missing ones reported with
 * did-you-mean suggestions), then parses every cell. Missing tokens (empty, NA, NaN, null, …)
 * become NaN; anything else that is not a valid value is a cell issue naming the line, the
 * column and the value found, and the row is rejected. The label is mapped to 0/1.
 */
import { AquaopsError } from '@aquaops/contracts';
import { didYouMean } from '../schema/parse.js';
import { featureColumns } from '../schema/types.js';
import type { ColumnSchema, DatasetSchema } from '../schema/types.js';

/** Why a row was rejected. */
export type IssueKind =
  | 'field-count'
  | 'truncated'
  | 'not-a-number'
  | 'not-an-integer'
  | 'out-of-bounds'
  | 'bad-boolean'
  | 'bad-timestamp'
  | 'missing-label'
  | 'label-value'
  | 'missing-id';

export interface CellIssue {
  readonly kind: IssueKind;
  readonly line: number;
  /** Column name (or `(row)` for whole-row problems). */
  readonly column: string;
  readonly found: string;
  readonly message: string;
}

export interface ParsedRow {
  readonly line: number;
  /** Feature values in schema feature order; NaN = missing. */
  readonly features: Float64Array;
  /** 1 = positive, 0 = negative. */
  readonly label: 0 | 1;
  /** The label as written (trimmed). */
  readonly labelRaw: string;
  readonly id: string | undefined;
  readonly site: string | undefined;
  /** Epoch milliseconds. */
  readonly timestamp: number | undefined;
}

export interface HeaderInfo {
  /** Header as found in the file. */
  readonly found: readonly string[];
  /** Schema columns that were matched, with their index in the file. */
  readonly mapped: readonly { readonly column: string; readonly index: number }[];
  /** Columns in the file that the schema does not know (ignored unless strict). */
  readonly extra: readonly string[];
  /** Optional schema columns absent from the file. */
  readonly absentOptional: readonly string[];
  /** Headers matched only case-insensitively or after trimming. */
  readonly renamed: readonly { readonly found: string; readonly column: string }[];
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-nan']);
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1', 't']);
const FALSE = new Set(['false', 'no', 'n', '0', 'f']);
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function isMissingToken(s: string): boolean {
  return s.length === 0 || (s.length <= 4 && MISSING.has(s.toLowerCase()));
}

function fixFor(kind: IssueKind, col: ColumnSchema | undefined): string {
  switch (kind) {
    case 'not-a-number':
      return 'write a plain number with "." as decimal point (no thousands separators, units or formulas), or leave the cell empty if missing';
    case 'not-an-integer':
      return 'write a whole number';
    case 'out-of-bounds':
      return `values must lie within the physical range ${col?.min ?? '-inf'}..${col?.max ?? '+inf'}${col?.unit ? ` ${col.unit}` : ''}; check units and typos`;
    case 'bad-boolean':
      return 'write true/false, yes/no or 1/0';
    case 'bad-timestamp':
      return 'write an ISO 8601 timestamp such as 2024-05-01T08:30:00Z';
    case 'missing-label':
      return 'every training row needs a label value';
    case 'label-value':
      return 'the label must be binary; fix or remove rows with other values, or declare positive/negative in the schema';
    case 'missing-id':
      return 'give every row an id';
    case 'field-count':
      return 'every row needs one field per header column; check for unquoted delimiters inside values';
    case 'truncated':
      return 'the file looks cut off at the end; re-copy the complete file';
  }
}

/** A compiled header mapping plus a row parser for one file. */
export class RowParser {
  readonly header: HeaderInfo;
  readonly featureNames: readonly string[];
  private readonly featureIdx: Int32Array;
  private readonly featureCols: readonly ColumnSchema[];
  private readonly labelIdx: number;
  private readonly idIdx: number;
  private readonly siteIdx: number;
  private readonly tsIdx: number;
  private readonly nFields: number;
  private readonly positive: string;
  private negative: string | undefined;
  private readonly negativeDeclared: boolean;
  /** Distinct label values seen (bounded), with counts and first line. */
  readonly labelValues = new Map<string, { count: number; firstLine: number }>();

  constructor(
    readonly file: string,
    readonly schema: DatasetSchema,
    headerFields: readonly string[],
    headerLine: number,
    strict: boolean,
  ) {
    const found = headerFields.map((h) => h.trim());
    const byExact = new Map<string, number>();
    const byLower = new Map<string, number>();
    const dupes: string[] = [];
    found.forEach((h, i) => {
      if (byExact.has(h)) dupes.push(h);
      byExact.set(h, i);
      if (!byLower.has(h.toLowerCase())) byLower.set(h.toLowerCase(), i);
    });
    const used = new Set<number>();
    const mapped: { column: string; index: number }[] = [];
    const renamed: { found: string; column: string }[] = [];
    const missing: ColumnSchema[] = [];
    const absentOptional: string[] = [];
    const index = new Map<string, number>();
    for (const col of schema.columns) {
      let i = byExact.get(col.name);
      if (i === undefined) {
        i = byLower.get(col.name.toLowerCase());
        if (i !== undefined) renamed.push({ found: headerFields[i] as string, column: col.name });
      } else if (headerFields[i] !== col.name) renamed.push({ found: headerFields[i] as string, column: col.name });
      if (i === undefined || used.has(i)) {
        if (col.required) missing.push(col);
        else absentOptional.push(col.name);
        continue;
      }
      used.add(i);
      index.set(col.name, i);
      mapped.push({ column: col.name, index: i });
    }
    const extra = found.filter((_, i) => !used.has(i));
    const where = `${file}:${headerLine}`;
    if (dupes.length > 0) {
      throw new AquaopsError('AQUAOPS_E_DATA_HEADER', `${where}: the header repeats column(s) ${dupes.join(', ')}.`, {
        hint: 'Give every column a unique name.',
        details: dupes.map((d) => ({
          path: `${where} ${d}`,
          expected: 'a unique column name',
          found: `${d} (repeated)`,
        })),
      });
    }
    if (missing.length > 0 || (strict && extra.length > 0)) {
      const details = [
        ...missing.map((m) => {
          const near = didYouMean(m.name, extra);
          return {
            path: `${where} ${m.name}`,
            expected: `column "${m.name}" (${m.role})`,
            found: near ? `not present; did you mean "${near}"?` : 'not present',
          };
        }),
        ...(strict
          ? extra.map((e) => {
              const near = didYouMean(
                e,
                missing.map((m) => m.name),
              );
              return {
                path: `${where} ${e}`,
                expected: 'only schema columns (strict mode)',
                found: `unknown column "${e}"${near ? `; did you mean "${near}"?` : ''}`,
              };
            })
          : []),
      ];
      const parts = [
        missing.length > 0
          ? `missing ${missing
              .map((m) => {
                const near = didYouMean(m.name, extra);
                return near ? `"${m.name}" (did you mean "${near}"?)` : `"${m.name}"`;
              })
              .join(', ')}`
          : '',
        strict && extra.length > 0 ? `unknown ${extra.map((e) => `"${e}"`).join(', ')} (strict mode)` : '',
      ].filter((p) => p !== '');
      throw new AquaopsError(
        'AQUAOPS_E_DATA_HEADER',
        `${where}: header does not match schema ${schema.name}: ${parts.join('; ')}. Expected columns: ${schema.columns
          .filter((c) => c.required)
          .map((c) => c.name)
          .join(', ')}; found: ${found.join(', ')}.`,
        {
          hint: strict
            ? 'Rename or remove the columns named above, or run without strict mode to ignore unknown columns.'
            : 'Rename the header columns to the schema names (order does not matter), or use a schema that matches this file.',
          details,
        },
      );
    }
    this.header = { found, mapped, extra, absentOptional, renamed };
    this.featureCols = featureColumns(schema);
    this.featureNames = this.featureCols.map((c) => c.name);
    this.featureIdx = Int32Array.from(this.featureCols, (c) => index.get(c.name) as number);
    const idx = (role: string): number => {
      const c = schema.columns.find((x) => x.role === role);
      return c === undefined ? -1 : (index.get(c.name) ?? -1);
    };
    this.labelIdx = idx('label');
    this.idIdx = idx('id');
    this.siteIdx = idx('site');
    this.tsIdx = idx('timestamp');
    this.nFields = found.length;
    this.positive = String(schema.label.positive);
    this.negativeDeclared = schema.label.negative !== undefined;
    this.negative = schema.label.negative === undefined ? undefined : String(schema.label.negative);
  }

  private issue(kind: IssueKind, line: number, col: ColumnSchema | undefined, name: string, found: string): CellIssue {
    const shown = found.length > 80 ? `${found.slice(0, 77)}...` : found;
    return {
      kind,
      line,
      column: name,
      found: shown,
      message: `${this.file}:${line} column ${name}: ${kind.replace(/-/g, ' ')} (found "${shown}"); fix: ${fixFor(kind, col)}`,
    };
  }

  /**
   * Parses one record. Returns the row, or the list of issues (non-empty) that reject it.
   * `last` marks the final record of the file, where too few fields means a truncated file.
   */
  parse(
    fields: readonly string[],
    line: number,
    last: boolean,
    issues: CellIssue[],
    features: Float64Array = new Float64Array(this.featureIdx.length),
  ): ParsedRow | undefined {
    if (fields.length !== this.nFields) {
      const trunc = last && fields.length < this.nFields;
      issues.push(
        this.issue(
          trunc ? 'truncated' : 'field-count',
          line,
          undefined,
          '(row)',
          `${fields.length} fields, expected ${this.nFields}`,
        ),
      );
      return undefined;
    }
    const cols = this.featureCols;
    const idx = this.featureIdx;
    const nf = cols.length;
    for (let j = 0; j < nf; j++) {
      const raw = fields[idx[j] as number] as string;
      let v = raw.length > 0 && raw.length < 24 && NUMBER_RE.test(raw) ? Number(raw) : Number.NaN;
      if (v !== v) {
        const s = raw.trim();
        if (isMissingToken(s)) {
          features[j] = Number.NaN;
          continue;
        }
        const c = cols[j] as ColumnSchema;
        if (c.type === 'boolean' && (TRUE.has(s.toLowerCase()) || FALSE.has(s.toLowerCase()))) {
          features[j] = TRUE.has(s.toLowerCase()) ? 1 : 0;
          continue;
        }
        if (!NUMBER_RE.test(s)) {
          issues.push(this.issue(c.type === 'boolean' ? 'bad-boolean' : 'not-a-number', line, c, c.name, raw));
          continue;
        }
        v = Number(s);
      }
      const c = cols[j] as ColumnSchema;
      if (c.type === 'boolean' && v !== 0 && v !== 1) {
        issues.push(this.issue('bad-boolean', line, c, c.name, raw));
        continue;
      }
      if (c.type === 'integer' && !Number.isInteger(v)) {
        issues.push(this.issue('not-an-integer', line, c, c.name, raw));
        continue;
      }
      if ((c.min !== undefined && v < c.min) || (c.max !== undefined && v > c.max) || !Number.isFinite(v)) {
        issues.push(this.issue('out-of-bounds', line, c, c.name, raw.trim()));
        continue;
      }
      features[j] = v;
    }
    const labelRaw = ((fields[this.labelIdx] as string | undefined) ?? '').trim();
    let label: 0 | 1 = 0;
    if (isMissingToken(labelRaw)) {
      issues.push(this.issue('missing-label', line, undefined, this.schema.label.column, labelRaw));
    } else {
      const cls = this.classify(labelRaw, line);
      if (cls === -1) issues.push(this.issue('label-value', line, undefined, this.schema.label.column, labelRaw));
      else label = cls;
    }
    let id: string | undefined;
    if (this.idIdx >= 0) {
      id = (fields[this.idIdx] as string).trim();
      if (id === '') issues.push(this.issue('missing-id', line, undefined, this.schemaColumnAt(this.idIdx), id));
    }
    const site = this.siteIdx >= 0 ? (fields[this.siteIdx] as string).trim() : undefined;
    let timestamp: number | undefined;
    if (this.tsIdx >= 0) {
      const t = (fields[this.tsIdx] as string).trim();
      if (!isMissingToken(t)) {
        const ms = ISO_RE.test(t) ? Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t.replace(' ', 'T')) : Number.NaN;
        if (Number.isNaN(ms))
          issues.push(this.issue('bad-timestamp', line, undefined, this.schemaColumnAt(this.tsIdx), t));
        else timestamp = ms;
      }
    }
    if (issues.length > 0) return undefined;
    return { line, features, label, labelRaw, id, site: site === '' ? undefined : site, timestamp };
  }

  /** Raw label spelling -> canonical key and class (1, 0, or -1 = a value beyond two); bounded. */
  private readonly labelCache = new Map<string, { key: string; cls: 0 | 1 | -1 }>();

  private classify(labelRaw: string, line: number): 0 | 1 | -1 {
    let entry = this.labelCache.get(labelRaw);
    if (entry === undefined) {
      const key = canonicalLabel(labelRaw);
      let cls: 0 | 1 | -1;
      if (key === canonicalLabel(this.positive)) cls = 1;
      else if (this.negative === undefined && !this.negativeDeclared) {
        this.negative = key;
        cls = 0;
      } else cls = key === canonicalLabel(this.negative ?? '') ? 0 : -1;
      entry = { key, cls };
      if (this.labelCache.size < 64) this.labelCache.set(labelRaw, entry);
    }
    const seen = this.labelValues.get(entry.key);
    if (seen) seen.count++;
    else if (this.labelValues.size < 64) this.labelValues.set(entry.key, { count: 1, firstLine: line });
    return entry.cls;
  }

  private schemaColumnAt(fileIndex: number): string {
    return this.header.mapped.find((m) => m.index === fileIndex)?.column ?? `#${fileIndex}`;
  }

  /** The negative label value in use (declared, or the first non-positive value seen). */
  negativeLabel(): string | undefined {
    return this.negative;
  }
}

/** Numeric label spellings compare by value (`1`, `1.0`); text labels case-insensitively. */
function canonicalLabel(s: string): string {
  if (NUMBER_RE.test(s)) return String(Number(s));
  return s.toLowerCase();
}
