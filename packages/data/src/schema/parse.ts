/**
 * Reads a dataset schema document (YAML or JSON — JSON is parsed as YAML 1.2) and checks it
 * completely before anything uses it: every problem is collected with the file, the line, the
 * path inside the document (`columns[3].min`), what was expected, what was found and how to fix
 * it, and reported together in one AquaopsError so a schema author fixes everything in one pass.
 */
import { AquaopsError } from '@aquaops/contracts';
import type { ErrorDetail, Guideline } from '@aquaops/contracts';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { COLUMN_ROLES, COLUMN_TYPES } from './types.js';
import type { ColumnRole, ColumnSchema, ColumnType, DatasetSchema, LabelSpec } from './types.js';

type Path = readonly (string | number)[];

interface Issue {
  readonly path: Path;
  readonly expected: string;
  readonly found: string;
}

const TOP_KEYS = ['name', 'version', 'description', 'columns', 'verdicts'];
const COLUMN_KEYS = [
  'name',
  'type',
  'role',
  'unit',
  'description',
  'min',
  'max',
  'guidelines',
  'required',
  'positive',
  'negative',
];
const GUIDELINE_KEYS = ['source', 'min', 'max', 'healthBased', 'note'];

function pathText(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? '(document)' : s;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the key is missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a plain-object schema document; `issues` collects every problem found. */
class Checker {
  readonly issues: Issue[] = [];

  add(path: Path, expected: string, found: unknown): void {
    this.issues.push({ path, expected, found: describe(found) });
  }

  unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], path: Path): void {
    for (const k of Object.keys(obj)) {
      if (!allowed.includes(k)) {
        const near = closest(k, allowed);
        this.add([...path, k], `one of the keys ${allowed.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`, k);
      }
    }
  }

  str(obj: Record<string, unknown>, key: string, path: Path, required: boolean): string | undefined {
    const v = obj[key];
    if (v === undefined && !required) return undefined;
    if (typeof v === 'number' && key === 'version') return String(v);
    if (typeof v !== 'string' || v.trim() === '') {
      this.add([...path, key], 'a non-empty string', v);
      return undefined;
    }
    return v.trim();
  }

  num(obj: Record<string, unknown>, key: string, path: Path): number | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add([...path, key], 'a finite number', v);
      return undefined;
    }
    return v;
  }
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance (two-row dynamic programme). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length] as number;
}

/** Suggests the nearest of `options` to `word` by edit distance, or undefined when none is close. */
export function didYouMean(word: string, options: readonly string[]): string | undefined {
  return closest(word, options);
}

function checkGuidelines(c: Checker, v: unknown, path: Path): Guideline[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    c.add(path, 'a list of {source, min?, max?, healthBased, note}', v);
    return undefined;
  }
  const out: Guideline[] = [];
  v.forEach((g, i) => {
    const p = [...path, i];
    if (!isRecord(g)) {
      c.add(p, 'a mapping {source, min?, max?, healthBased, note}', g);
      return;
    }
    c.unknownKeys(g, GUIDELINE_KEYS, p);
    const source = c.str(g, 'source', p, true);
    const min = c.num(g, 'min', p);
    const max = c.num(g, 'max', p);
    const note = c.str(g, 'note', p, false) ?? '';
    if (typeof g.healthBased !== 'boolean') c.add([...p, 'healthBased'], 'true or false', g.healthBased);
    if (min === undefined && max === undefined && g.min === undefined && g.max === undefined) {
      c.add(p, 'at least one of min or max (a guideline without a limit flags nothing)', g);
    }
    if (min !== undefined && max !== undefined && min > max) c.add([...p, 'min'], `a value <= max (${max})`, min);
    if (source === undefined || typeof g.healthBased !== 'boolean') return;
    out.push({
      source,
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
      healthBased: g.healthBased,
      note,
    });
  });
  return out;
}

interface LabelValues {
  positive?: string | number;
  negative?: string | number;
}

function checkColumn(c: Checker, v: unknown, i: number, labels: LabelValues): ColumnSchema | undefined {
  const p: Path = ['columns', i];
  if (!isRecord(v)) {
    c.add(p, 'a mapping {name, type, role, ...}', v);
    return undefined;
  }
  c.unknownKeys(v, COLUMN_KEYS, p);
  const name = c.str(v, 'name', p, true);
  const type = v.type;
  if (!COLUMN_TYPES.includes(type as ColumnType)) c.add([...p, 'type'], `one of ${COLUMN_TYPES.join(', ')}`, type);
  const role = v.role ?? 'feature';
  if (!COLUMN_ROLES.includes(role as ColumnRole)) c.add([...p, 'role'], `one of ${COLUMN_ROLES.join(', ')}`, role);
  const unit = c.str(v, 'unit', p, false);
  const description = c.str(v, 'description', p, false);
  const min = c.num(v, 'min', p);
  const max = c.num(v, 'max', p);
  if (min !== undefined && max !== undefined && min > max) c.add([...p, 'min'], `a value <= max (${max})`, min);
  const guidelines = checkGuidelines(c, v.guidelines, [...p, 'guidelines']);
  let required = true;
  if (v.required !== undefined) {
    if (typeof v.required !== 'boolean') c.add([...p, 'required'], 'true or false', v.required);
    else required = v.required;
  }
  if (role === 'feature' && (type === 'string' || type === 'timestamp')) {
    c.add([...p, 'type'], 'number, integer or boolean (read as 0/1) for a feature column (models take numbers)', type);
  }
  if (role === 'timestamp' && type !== 'timestamp' && COLUMN_TYPES.includes(type as ColumnType)) {
    c.add([...p, 'type'], 'timestamp for the timestamp-role column', type);
  }
  if (role !== 'feature' && (v.min !== undefined || v.max !== undefined || v.guidelines !== undefined)) {
    c.add(p, 'min, max and guidelines only on feature columns', `role ${String(role)} with bounds`);
  }
  if (role === 'label') {
    const pos = v.positive;
    if (typeof pos !== 'string' && typeof pos !== 'number') {
      c.add([...p, 'positive'], 'the label value meaning the positive class, e.g. 1 or "yes"', pos);
    } else labels.positive = pos;
    const neg = v.negative;
    if (neg !== undefined) {
      if (typeof neg !== 'string' && typeof neg !== 'number') c.add([...p, 'negative'], 'a string or number', neg);
      else if (String(neg) === String(pos)) c.add([...p, 'negative'], 'a value different from positive', neg);
      else labels.negative = neg;
    }
  } else if (v.positive !== undefined || v.negative !== undefined) {
    c.add(p, 'positive/negative only on the label column (role: label)', `role ${String(role)}`);
  }
  if (name === undefined || !COLUMN_TYPES.includes(type as ColumnType) || !COLUMN_ROLES.includes(role as ColumnRole)) {
    return undefined;
  }
  return {
    name,
    type: type as ColumnType,
    role: role as ColumnRole,
    required: role === 'label' || role === 'feature' ? true : required,
    ...(unit === undefined ? {} : { unit }),
    ...(description === undefined ? {} : { description }),
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
    ...(guidelines === undefined || guidelines.length === 0 ? {} : { guidelines }),
  };
}

/** Validates a parsed schema document; returns the schema or the full list of issues. */
function checkDocument(doc: unknown, source: string): { schema?: DatasetSchema; issues: Issue[] } {
  const c = new Checker();
  if (!isRecord(doc)) {
    c.add([], 'a mapping with name, version, description, columns', doc);
    return { issues: c.issues };
  }
  c.unknownKeys(doc, TOP_KEYS, []);
  const name = c.str(doc, 'name', [], true);
  if (name !== undefined && !/^[a-z0-9][a-z0-9._-]*$/i.test(name)) {
    c.add(['name'], 'letters, digits, ".", "_" or "-" (it is used in file names)', name);
  }
  const version = c.str(doc, 'version', [], true);
  const description = c.str(doc, 'description', [], false) ?? '';
  let verdicts = { positive: 'potable', negative: 'not_potable' };
  if (doc.verdicts !== undefined) {
    if (!isRecord(doc.verdicts)) c.add(['verdicts'], 'a mapping {positive, negative}', doc.verdicts);
    else {
      c.unknownKeys(doc.verdicts, ['positive', 'negative'], ['verdicts']);
      const pos = c.str(doc.verdicts, 'positive', ['verdicts'], true);
      const neg = c.str(doc.verdicts, 'negative', ['verdicts'], true);
      if (pos !== undefined && neg !== undefined) {
        if (pos === neg) c.add(['verdicts', 'negative'], 'a word different from the positive verdict', neg);
        verdicts = { positive: pos, negative: neg };
      }
    }
  }
  const columns: ColumnSchema[] = [];
  const labels: LabelValues = {};
  if (!Array.isArray(doc.columns) || doc.columns.length === 0) {
    c.add(['columns'], 'a non-empty list of columns', doc.columns);
  } else {
    const seen = new Map<string, number>();
    doc.columns.forEach((col, i) => {
      const parsed = checkColumn(c, col, i, labels);
      if (parsed === undefined) return;
      const prev = seen.get(parsed.name.toLowerCase());
      if (prev !== undefined) {
        c.add(
          ['columns', i, 'name'],
          `a name not used before (columns[${prev}] has it; names are case-insensitive)`,
          parsed.name,
        );
      }
      seen.set(parsed.name.toLowerCase(), i);
      columns.push(parsed);
    });
    const count = (r: ColumnRole): number => columns.filter((x) => x.role === r).length;
    if (count('feature') === 0) c.add(['columns'], 'at least one column with role: feature', 'none');
    if (count('label') !== 1) c.add(['columns'], 'exactly one column with role: label', `${count('label')}`);
    for (const r of ['id', 'site', 'timestamp'] as const) {
      if (count(r) > 1) c.add(['columns'], `at most one column with role: ${r}`, `${count(r)}`);
    }
  }
  const labelCol = columns.find((x) => x.role === 'label');
  if (c.issues.length > 0 || name === undefined || version === undefined || labelCol === undefined) {
    return { issues: c.issues };
  }
  const label: LabelSpec = {
    column: labelCol.name,
    positive: labels.positive as string | number,
    ...(labels.negative === undefined ? {} : { negative: labels.negative }),
  };
  return { schema: { name, version, description, columns, label, verdicts, source }, issues: [] };
}

function lineOf(doc: Document, lc: LineCounter, path: Path): number | undefined {
  for (let k = path.length; k >= 0; k--) {
    const node = k === 0 ? doc.contents : doc.getIn(path.slice(0, k), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parses and validates schema text. `source` names the file in messages. Throws
 * AQUAOPS_E_DATA_SCHEMA_INVALID listing every problem (line, path, expected, found).
 */
export function parseSchema(text: string, source: string): DatasetSchema {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const details: ErrorDetail[] = doc.errors.map((e) => ({
      path: `${source}:${lc.linePos(e.pos[0]).line}:${lc.linePos(e.pos[0]).col}`,
      expected: 'valid YAML or JSON',
      found: e.message.split('\n')[0] ?? e.message,
    }));
    const first = details[0] as ErrorDetail;
    throw new AquaopsError(
      'AQUAOPS_E_DATA_SCHEMA_INVALID',
      `Schema ${source} is not valid YAML/JSON: ${first.path}: ${first.found}`,
      { hint: 'Fix the syntax at the line shown (indentation, quotes, colons).', details },
    );
  }
  const { schema, issues } = checkDocument(doc.toJS(), source);
  if (schema !== undefined) return schema;
  const details: ErrorDetail[] = issues.map((is) => {
    const line = lineOf(doc, lc, is.path);
    return {
      path: `${source}${line === undefined ? '' : `:${line}`} ${pathText(is.path)}`,
      expected: is.expected,
      found: is.found,
    };
  });
  const list = details.map((d) => `${d.path}: expected ${d.expected}, found ${d.found}`).join('; ');
  throw new AquaopsError(
    'AQUAOPS_E_DATA_SCHEMA_INVALID',
    `Schema ${source} has ${details.length} problem${details.length === 1 ? '' : 's'}: ${list}`,
    { hint: 'Edit the schema file at the lines and keys named above.', details },
  );
}
