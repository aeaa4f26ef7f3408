/**
 * The data-quality report and the streaming accumulator that builds it. The accumulator sees
 * each accepted row and each rejected row once and keeps only aggregates: per-column counts and
 * sketches, row fingerprints for duplicates and train/test leakage, the first N examples of each
 * kind of problem. `finish()` evaluates the quality rules and yields a plain JSON-able report.
 */
import type { Guideline } from '@aquaops/contracts';
import type { CellIssue, HeaderInfo, IssueKind, ParsedRow } from '../ingest/row.js';
import { featureColumns } from '../schema/types.js';
import type { ColumnSchema, DatasetSchema } from '../schema/types.js';
import { FingerprintSet, RowHasher } from './hashset.js';
import { above, below, resolveThresholds, thresholdFor, worst } from './rules.js';
import type { QualityThresholds, RuleLevel, RuleResult, ThresholdOverrides } from './rules.js';
import { ColumnSketch, DEFAULT_RESERVOIR } from './sketch.js';
import type { ColumnStats } from './sketch.js';

export interface GuidelineExceedance extends Guideline {
  /** Non-missing values outside the guideline range. */
  readonly exceed: number;
  readonly rate: number;
}

export interface ColumnQuality {
  readonly name: string;
  readonly unit?: string;
  readonly present: number;
  readonly missing: number;
  readonly missingRate: number;
  /** Cells outside the physical bounds (those rows were rejected). */
  readonly outOfBounds: number;
  /** Cells that were not valid values (rows rejected), by kind. */
  readonly invalid: number;
  readonly constant: boolean;
  readonly stats: ColumnStats | null;
  readonly guidelines: readonly GuidelineExceedance[];
}

export interface SourceExceedance {
  readonly source: string;
  /** Accepted rows where at least one value is outside one of this source's guidelines. */
  readonly rows: number;
  readonly rowRate: number;
  /** Value checks (non-missing value x guideline) that failed, and how many were made. */
  readonly exceedances: number;
  readonly checks: number;
}

export interface DuplicateExample {
  readonly line: number;
  readonly firstLine: number;
}

export interface QualityReport {
  readonly file: string;
  readonly schema: { readonly name: string; readonly version: string; readonly source: string };
  readonly status: RuleLevel;
  readonly rules: readonly RuleResult[];
  readonly format: {
    readonly bytes: number;
    readonly bom: boolean;
    readonly lineEndings: 'lf' | 'crlf' | 'mixed' | 'none';
    readonly delimiter: string;
    readonly commentLines: number;
    readonly blankLines: number;
  };
  readonly header: HeaderInfo;
  readonly rows: {
    readonly read: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly rejectedRate: number;
    readonly byReason: Partial<Record<IssueKind, number>>;
  };
  /** First N issues of each kind (line, column, found, message). */
  readonly examples: Partial<Record<IssueKind, readonly CellIssue[]>>;
  readonly columns: readonly ColumnQuality[];
  readonly guidelineSources: readonly SourceExceedance[];
  readonly label: {
    readonly column: string;
    readonly positive: string;
    readonly negative: string | null;
    readonly positives: number;
    readonly negatives: number;
    readonly positiveRate: number;
    readonly distinct: readonly { readonly value: string; readonly count: number; readonly firstLine: number }[];
  };
  readonly duplicates: {
    readonly rows: number;
    readonly rate: number;
    readonly examples: readonly DuplicateExample[];
    readonly ids: number;
    readonly idExamples: readonly (DuplicateExample & { readonly id: string })[];
    /** False when the fingerprint table filled up and counts are lower bounds. */
    readonly exact: boolean;
  };
  readonly leakage?: {
    readonly against: string;
    readonly rows: number;
    readonly rate: number;
    readonly examples: readonly (DuplicateExample & { readonly trainLine: number })[];
  };
  readonly quantileMethod: string;
  readonly durationMs: number;
}

export interface AccumulatorOptions {
  readonly maxExamples?: number;
  readonly thresholds?: ThresholdOverrides;
  readonly reservoirSize?: number;
  readonly maxFingerprints?: number;
  /** Training-set fingerprints (features only) to check this file against for leakage. */
  readonly leakageAgainst?: { readonly file: string; readonly fingerprints: FingerprintSet };
}

interface SourceAcc {
  rows: number;
  exceedances: number;
  checks: number;
}

export class QualityAccumulator {
  private read = 0;
  private accepted = 0;
  private rejected = 0;
  private readonly byReason: Partial<Record<IssueKind, number>> = {};
  private readonly examples: Partial<Record<IssueKind, CellIssue[]>> = {};
  private readonly cols: readonly ColumnSchema[];
  private readonly missing: Float64Array;
  private readonly oob: Float64Array;
  private readonly invalid: Float64Array;
  private readonly sketches: ColumnSketch[];
  private readonly colIndex = new Map<string, number>();
  /** Per feature, per guideline: exceed counts. */
  private readonly gExceed: Float64Array[];
  private readonly sources = new Map<string, SourceAcc>();
  private readonly sourceOf: number[][];
  /** Per feature: guideline limits (NaN = none) and their source accumulators, for the hot loop. */
  private readonly gMin: Float64Array[];
  private readonly gMax: Float64Array[];
  private readonly gSrc: SourceAcc[][];
  private readonly rowSourceHit: Uint8Array;
  private readonly sourceNames: string[] = [];
  private positives = 0;
  private negatives = 0;
  private readonly rowHashes: FingerprintSet;
  /** Feature-only fingerprints: this file's rows for a later leakage check. */
  readonly featureFingerprints: FingerprintSet;
  private readonly idHashes: FingerprintSet | undefined;
  private dupRows = 0;
  private dupIds = 0;
  private readonly dupExamples: DuplicateExample[] = [];
  private readonly dupIdExamples: (DuplicateExample & { id: string })[] = [];
  private leaked = 0;
  private readonly leakExamples: (DuplicateExample & { trainLine: number })[] = [];
  private readonly hasher = new RowHasher();
  private readonly maxExamples: number;
  private readonly thresholds: QualityThresholds;
  private readonly reservoir: number;
  private readonly started = performance.now();

  constructor(
    readonly schema: DatasetSchema,
    private readonly options: AccumulatorOptions = {},
  ) {
    this.cols = featureColumns(schema);
    const nf = this.cols.length;
    this.cols.forEach((c, j) => {
      this.colIndex.set(c.name, j);
    });
    this.missing = new Float64Array(nf);
    this.oob = new Float64Array(nf);
    this.invalid = new Float64Array(nf);
    this.reservoir = options.reservoirSize ?? DEFAULT_RESERVOIR;
    this.sketches = this.cols.map((_, j) => new ColumnSketch(this.reservoir, 0x5eed + j));
    this.gExceed = this.cols.map((c) => new Float64Array(c.guidelines?.length ?? 0));
    this.sourceOf = this.cols.map((c) =>
      (c.guidelines ?? []).map((g) => {
        let k = this.sourceNames.indexOf(g.source);
        if (k === -1) {
          k = this.sourceNames.length;
          this.sourceNames.push(g.source);
          this.sources.set(g.source, { rows: 0, exceedances: 0, checks: 0 });
        }
        return k;
      }),
    );
    this.rowSourceHit = new Uint8Array(this.sourceNames.length);
    this.gMin = this.cols.map((c) => Float64Array.from(c.guidelines ?? [], (g) => g.min ?? Number.NEGATIVE_INFINITY));
    this.gMax = this.cols.map((c) => Float64Array.from(c.guidelines ?? [], (g) => g.max ?? Number.POSITIVE_INFINITY));
    this.gSrc = this.cols.map((c) => (c.guidelines ?? []).map((g) => this.sources.get(g.source) as SourceAcc));
    this.maxExamples = options.maxExamples ?? 5;
    this.thresholds = resolveThresholds(options.thresholds);
    const maxFp = options.maxFingerprints ?? 2_000_000;
    this.rowHashes = new FingerprintSet(maxFp);
    this.featureFingerprints = new FingerprintSet(maxFp);
    this.idHashes = schema.columns.some((c) => c.role === 'id') ? new FingerprintSet(maxFp) : undefined;
  }

  private example(issue: CellIssue): void {
    const list = this.examples[issue.kind] ?? [];
    if (list.length < this.maxExamples) list.push(issue);
    this.examples[issue.kind] = list;
  }

  reject(issues: readonly CellIssue[]): void {
    this.read++;
    this.rejected++;
    const first = issues[0];
    if (first !== undefined) this.byReason[first.kind] = (this.byReason[first.kind] ?? 0) + 1;
    for (const is of issues) {
      this.example(is);
      const j = this.colIndex.get(is.column);
      if (j === undefined) continue;
      if (is.kind === 'out-of-bounds') inc(this.oob, j);
      else inc(this.invalid, j);
    }
  }

  accept(row: ParsedRow): void {
    this.read++;
    this.accepted++;
    const f = row.features;
    const h = this.hasher.reset();
    this.rowSourceHit.fill(0);
    for (let j = 0; j < f.length; j++) {
      const v = f[j] as number;
      h.number(v);
      if (v !== v) {
        inc(this.missing, j);
        continue;
      }
      (this.sketches[j] as ColumnSketch).add(v);
      const gmin = this.gMin[j] as Float64Array;
      const ng = gmin.length;
      if (ng === 0) continue;
      const gmax = this.gMax[j] as Float64Array;
      const ex = this.gExceed[j] as Float64Array;
      const so = this.sourceOf[j] as number[];
      const src = this.gSrc[j] as SourceAcc[];
      for (let g = 0; g < ng; g++) {
        const acc = src[g] as SourceAcc;
        acc.checks++;
        if (v < (gmin[g] as number) || v > (gmax[g] as number)) {
          inc(ex, g);
          acc.exceedances++;
          this.rowSourceHit[so[g] as number] = 1;
        }
      }
    }
    for (let s = 0; s < this.sourceNames.length; s++) {
      if (this.rowSourceHit[s] === 1) (this.sources.get(this.sourceNames[s] as string) as SourceAcc).rows++;
    }
    const featureHash = h.digest();
    this.featureFingerprints.addOrGet(featureHash, row.line);
    const leak = this.options.leakageAgainst;
    if (leak !== undefined) {
      const trainLine = leak.fingerprints.get(featureHash);
      if (trainLine !== 0) {
        this.leaked++;
        if (this.leakExamples.length < this.maxExamples) {
          this.leakExamples.push({ line: row.line, firstLine: trainLine, trainLine });
        }
      }
    }
    h.number(row.label);
    const firstLine = this.rowHashes.addOrGet(h.digest(), row.line);
    if (firstLine !== 0) {
      this.dupRows++;
      if (this.dupExamples.length < this.maxExamples) this.dupExamples.push({ line: row.line, firstLine });
    }
    if (this.idHashes !== undefined && row.id !== undefined) {
      const idLine = this.idHashes.addOrGet(h.reset().string(row.id).digest(), row.line);
      if (idLine !== 0) {
        this.dupIds++;
        if (this.dupIdExamples.length < this.maxExamples) {
          this.dupIdExamples.push({ line: row.line, firstLine: idLine, id: row.id });
        }
      }
    }
    if (row.label === 1) this.positives++;
    else this.negatives++;
  }

  finish(ctx: {
    file: string;
    header: HeaderInfo;
    format: QualityReport['format'];
    labelValues: ReadonlyMap<string, { count: number; firstLine: number }>;
    negativeLabel: string | undefined;
  }): QualityReport {
    const t = this.thresholds;
    const acc = this.accepted;
    const columns: ColumnQuality[] = this.cols.map((c, j) => {
      const sk = this.sketches[j] as ColumnSketch;
      const present = sk.count;
      const missing = this.missing[j] as number;
      const gl = c.guidelines ?? [];
      return {
        name: c.name,
        ...(c.unit === undefined ? {} : { unit: c.unit }),
        present,
        missing,
        missingRate: acc > 0 ? missing / acc : 0,
        outOfBounds: this.oob[j] as number,
        invalid: this.invalid[j] as number,
        constant: sk.isConstant() || (present === 0 && acc > 0),
        stats: sk.stats(),
        guidelines: gl.map((g, k) => {
          const exceed = (this.gExceed[j] as Float64Array)[k] as number;
          return { ...g, exceed, rate: present > 0 ? exceed / present : 0 };
        }),
      };
    });
    const guidelineSources: SourceExceedance[] = this.sourceNames.map((s) => {
      const a = this.sources.get(s) as SourceAcc;
      return {
        source: s,
        rows: a.rows,
        rowRate: acc > 0 ? a.rows / acc : 0,
        exceedances: a.exceedances,
        checks: a.checks,
      };
    });
    const distinct = [...ctx.labelValues.entries()].map(([value, v]) => ({ value, ...v }));
    const rules: RuleResult[] = [];
    const rule = (id: string, level: RuleLevel, value: number, threshold: number | null, message: string): void => {
      rules.push({ id, level, value, threshold, message });
    };
    const lvRows = below(acc, t.minRows);
    rule('min-rows', lvRows, acc, thresholdFor(lvRows, t.minRows), `${acc} accepted rows`);
    const rejRate = this.read > 0 ? this.rejected / this.read : 0;
    const lvRej = above(rejRate, t.rejectedRate);
    rule(
      'rejected-rows',
      lvRej,
      rejRate,
      thresholdFor(lvRej, t.rejectedRate),
      `${this.rejected} of ${this.read} rows rejected (${pct(rejRate)})`,
    );
    const truncated = this.byReason.truncated ?? 0;
    rule(
      'file-complete',
      truncated > 0 ? 'fail' : 'pass',
      truncated,
      0,
      truncated > 0 ? truncatedMessage(this.examples.truncated?.[0]) : 'the file ends on a complete row',
    );
    for (const c of columns) {
      const lv = above(c.missingRate, t.missingRate);
      rule(
        `missing:${c.name}`,
        lv,
        c.missingRate,
        thresholdFor(lv, t.missingRate),
        `${c.name}: ${c.missing} missing (${pct(c.missingRate)})`,
      );
    }
    const constants = columns.filter((c) => c.constant).map((c) => c.name);
    rule(
      'constant-columns',
      constants.length > 0 ? t.constantColumn : 'pass',
      constants.length,
      0,
      constants.length > 0 ? `constant feature(s): ${constants.join(', ')}` : 'no constant feature',
    );
    const labelIssues = this.byReason['label-value'] ?? 0;
    const nDistinct = distinct.length;
    const binaryOk = labelIssues === 0 && nDistinct <= 2;
    rule(
      'label-binary',
      binaryOk && this.positives > 0 && this.negatives > 0 ? 'pass' : 'fail',
      nDistinct,
      2,
      !binaryOk
        ? `label ${this.schema.label.column} has ${nDistinct} distinct values (${distinct
            .slice(0, 8)
            .map((d) => `"${d.value}" x${d.count}, first at line ${d.firstLine}`)
            .join('; ')}); it must be binary`
        : this.positives === 0 || this.negatives === 0
          ? `label ${this.schema.label.column} has only one class among accepted rows`
          : `label ${this.schema.label.column} is binary`,
    );
    const minority = acc > 0 ? Math.min(this.positives, this.negatives) / acc : 0;
    const lvMin = below(minority, t.minorityRate);
    rule(
      'label-balance',
      lvMin,
      minority,
      thresholdFor(lvMin, t.minorityRate),
      `minority class ${pct(minority)} of accepted rows`,
    );
    const dupRate = acc > 0 ? this.dupRows / acc : 0;
    const lvDup = above(dupRate, t.duplicateRate);
    rule('duplicate-rows', lvDup, dupRate, thresholdFor(lvDup, t.duplicateRate), `${this.dupRows} duplicate row(s)`);
    if (this.idHashes !== undefined) {
      const r = acc > 0 ? this.dupIds / acc : 0;
      const lv = above(r, t.duplicateIdRate);
      rule('duplicate-ids', lv, r, thresholdFor(lv, t.duplicateIdRate), `${this.dupIds} row(s) reuse an earlier id`);
    }
    let leakage: QualityReport['leakage'];
    const against = this.options.leakageAgainst;
    if (against !== undefined) {
      const r = acc > 0 ? this.leaked / acc : 0;
      const lv = above(r, t.leakageRate);
      rule(
        'train-test-leakage',
        lv,
        r,
        thresholdFor(lv, t.leakageRate),
        `${this.leaked} test row(s) identical to a training row`,
      );
      leakage = { against: against.file, rows: this.leaked, rate: r, examples: this.leakExamples };
    }
    const exactQ = this.reservoir;
    return {
      file: ctx.file,
      schema: { name: this.schema.name, version: this.schema.version, source: this.schema.source },
      status: worst(rules.map((r) => r.level)),
      rules,
      format: ctx.format,
      header: ctx.header,
      rows: {
        read: this.read,
        accepted: acc,
        rejected: this.rejected,
        rejectedRate: rejRate,
        byReason: { ...this.byReason },
      },
      examples: { ...this.examples },
      columns,
      guidelineSources,
      label: {
        column: this.schema.label.column,
        positive: String(this.schema.label.positive),
        negative: ctx.negativeLabel ?? null,
        positives: this.positives,
        negatives: this.negatives,
        positiveRate: acc > 0 ? this.positives / acc : 0,
        distinct,
      },
      duplicates: {
        rows: this.dupRows,
        rate: dupRate,
        examples: this.dupExamples,
        ids: this.dupIds,
        idExamples: this.dupIdExamples,
        exact: !this.rowHashes.saturated && !(this.idHashes?.saturated ?? false),
      },
      ...(leakage === undefined ? {} : { leakage }),
      quantileMethod: `exact mean/std/min/max; quantiles from a seeded uniform reservoir sample of ${exactQ} values per column (exact up to ${exactQ} values; beyond, rank standard error <= ${(50 / Math.sqrt(exactQ)).toFixed(2)} percentile points)`,
      durationMs: performance.now() - this.started,
    };
  }
}

function inc(a: Float64Array, i: number): void {
  a[i] = (a[i] as number) + 1;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Names the cut-off line and what was found there, so the one-line error says where to look. */
function truncatedMessage(ex: CellIssue | undefined): string {
  if (ex === undefined) return 'the last line is cut off: the file looks truncated';
  return `the last line is cut off at line ${ex.line} (found ${ex.found}): the file looks truncated — re-export or re-download it`;
}
