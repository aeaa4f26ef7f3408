/**
 * Streaming batch scoring (`POST /api/v1/predict/batch`). The upload (CSV with a header row, or
 * NDJSON, one sample object per line) is read incrementally, rows are validated against the
 * serving model's signature straight into a reusable row buffer, scored in chunks of
 * `CHUNK_ROWS` with one `predictProba` (and, with `explain`, one `explain`) call per chunk, and
 * each chunk's results are yielded as soon as they are ready — the HTTP layer pulls the next
 * chunk only when the socket has drained, so memory stays bounded whatever the upload size.
 *
 * A bad row never aborts the batch: it yields an error object with its line number, the field,
 * what was expected, what was found and a catalogue code. Problems with the upload as a whole
 * (over the row or byte limit, a failure mid-stream) end the output with one trailer error
 * record, because the 200 status has already been sent by then.
 *
 * The whole batch is scored by the model serving when it starts (a hot swap mid-batch does not
 * mix versions); A/B routing and shadow scoring do not apply to batches. One row in every
 * `logEvery` valid rows is queued to the prediction log (0 = none), and only those rows carry a
 * `predictionId` (the id feedback refers to).
 */
import { v7 } from 'uuid';
import { AquaopsError, type ErrorCode, type ModelSignature } from '@aquaops/contracts';
import type { ServingModel } from '../../model/manager.js';
import type { PredictionRecord } from '../../model/types.js';
import type { PredictionLog } from '../../prediction-log.js';
import type { ServerMetrics } from '../metrics/metrics.js';
import { BodyTooLargeError, csvField, type Line, LineSource, splitCsvRecord } from './lines.js';

export const CHUNK_ROWS = 1024;

export type BatchFormat = 'csv' | 'ndjson';

export interface BatchOptions {
  readonly input: BatchFormat;
  readonly output: BatchFormat;
  readonly explain: boolean;
  readonly maxRows: number;
  readonly bodyLimitBytes: number;
  readonly logEvery: number;
  readonly requestId: string;
}

export interface RowError {
  readonly line: number;
  readonly code: ErrorCode;
  readonly field: string;
  readonly expected: string;
  readonly got: string;
}

const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** What a batch needs from the serving model, precomputed once per request. */
interface Plan {
  readonly serving: ServingModel;
  readonly names: readonly string[];
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly handlesMissing: boolean;
  readonly passthrough: readonly string[];
  readonly positive: string;
  readonly negative: string;
  readonly threshold: number;
}

function planFor(serving: ServingModel): Plan {
  const sig: ModelSignature = serving.model.signature;
  const nf = sig.features.length;
  const lo = new Float64Array(nf);
  const hi = new Float64Array(nf);
  sig.features.forEach((f, j) => {
    lo[j] = f.min ?? Number.NEGATIVE_INFINITY;
    hi[j] = f.max ?? Number.POSITIVE_INFINITY;
  });
  return {
    serving,
    names: sig.features.map((f) => f.name),
    lo,
    hi,
    handlesMissing: serving.model.classifier.handlesMissing,
    passthrough: sig.passthrough ?? [],
    positive: sig.verdicts.positive,
    negative: sig.verdicts.negative,
    threshold: serving.model.threshold,
  };
}

function rangeText(lo: number, hi: number): string {
  if (Number.isFinite(lo) && Number.isFinite(hi)) return `a number ${lo}–${hi}`;
  if (Number.isFinite(lo)) return `a number >= ${lo}`;
  if (Number.isFinite(hi)) return `a number <= ${hi}`;
  return 'a number';
}

/** The rows of one chunk: values row-major (NaN = missing) plus what the output needs. */
class Chunk {
  readonly values: Float64Array;
  readonly lines: number[] = [];
  readonly pass: (Record<string, string | number> | undefined)[] = [];
  /** Errors and scored rows interleave in input order: `order[k]` < 0 is error −k−1. */
  readonly order: number[] = [];
  readonly errors: RowError[] = [];
  n = 0;
  constructor(readonly nf: number) {
    this.values = new Float64Array(CHUNK_ROWS * nf);
  }
  reset(): void {
    this.lines.length = 0;
    this.pass.length = 0;
    this.order.length = 0;
    this.errors.length = 0;
    this.n = 0;
  }
  get size(): number {
    return this.order.length;
  }
  error(e: RowError): void {
    this.errors.push(e);
    this.order.push(-this.errors.length);
  }
}

export class BatchService {
  constructor(private readonly deps: { readonly metrics: ServerMetrics; readonly log: PredictionLog }) {}

  /**
   * Reads the header (CSV) or nothing (NDJSON) and returns the output generator. Throws before
   * any output for problems with the upload as a whole (bad or incomplete header).
   */
  async start(
    serving: ServingModel,
    body: AsyncIterable<unknown>,
    options: BatchOptions,
  ): Promise<{ contentType: string; chunks: AsyncGenerator<string> }> {
    const plan = planFor(serving);
    const src = new LineSource(body, options.bodyLimitBytes);
    let columns: Int32Array | undefined;
    let passCols: [string, number][] = [];
    if (options.input === 'csv') {
      let header: Line | undefined;
      try {
        do header = await src.next();
        while (header !== undefined && header.text.trim() === '');
      } catch (err) {
        if (err instanceof BodyTooLargeError) throw tooLarge(err.limitBytes);
        throw err;
      }
      if (header === undefined) {
        throw new AquaopsError('AQUAOPS_E_VALIDATION', 'the CSV upload is empty', {
          hint: `Send a header row naming the columns (${plan.names.join(',')}) and one sample per line.`,
          details: [{ path: 'line 1', expected: 'a header row', found: 'no data' }],
        });
      }
      const names = (splitCsvRecord(header.text) ?? []).map((s) => s.trim());
      const index = new Map<string, number>();
      const dup: string[] = [];
      names.forEach((nm, i) => {
        if (index.has(nm)) dup.push(nm);
        else index.set(nm, i);
      });
      const missing = plan.names.filter((nm) => !index.has(nm));
      if (missing.length > 0 || dup.length > 0) {
        throw new AquaopsError(
          'AQUAOPS_E_VALIDATION',
          missing.length > 0
            ? `the CSV header lacks ${missing.length} feature column(s): ${missing.join(', ')}`
            : `the CSV header repeats column(s): ${dup.join(', ')}`,
          {
            hint: `The header must name every feature once (any order): ${plan.names.join(',')}. Extra columns are ignored.`,
            details: [
              ...missing.map((m) => ({
                path: `line ${header.no}/${m}`,
                expected: 'a column named so',
                found: 'no such column',
              })),
              ...dup.map((d) => ({
                path: `line ${header.no}/${d}`,
                expected: 'one column per name',
                found: 'a repeated column',
              })),
            ],
          },
        );
      }
      columns = Int32Array.from(plan.names, (nm) => index.get(nm)!);
      passCols = plan.passthrough.filter((p) => index.has(p)).map((p) => [p, index.get(p)!]);
    }
    return {
      contentType: options.output === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      chunks: this.run(plan, src, options, columns, passCols),
    };
  }

  private async *run(
    plan: Plan,
    src: LineSource,
    o: BatchOptions,
    columns: Int32Array | undefined,
    passCols: readonly [string, number][],
  ): AsyncGenerator<string> {
    const nf = plan.names.length;
    const chunk = new Chunk(nf);
    let rows = 0;
    let scored = 0;
    let logCounter = 0;
    const t0 = process.hrtime.bigint();
    // CSV output echoes passthrough columns only when they came in as CSV columns.
    const csvPass = passCols.map(([p]) => p);
    if (o.output === 'csv') yield this.csvHeader(plan, o, csvPass);
    let trailer: { code: ErrorCode; message: string; hint: string } | undefined;
    try {
      let pendingCsv: Line | undefined;
      for (;;) {
        let line = src.nextSync();
        if (line === undefined) {
          if (!(await src.fill())) {
            if (pendingCsv !== undefined) {
              chunk.error({
                line: pendingCsv.no,
                code: 'AQUAOPS_E_VALIDATION',
                field: '',
                expected: 'a closing quote',
                got: 'the end of the upload inside a quoted field',
              });
            }
            break;
          }
          continue;
        }
        if (pendingCsv !== undefined) {
          line = { no: pendingCsv.no, text: `${pendingCsv.text}\n${line.text}` };
          pendingCsv = undefined;
        }
        if (line.text === '' || (line.text.length < 8 && line.text.trim() === '')) continue;
        if (rows >= o.maxRows) {
          trailer = {
            code: 'AQUAOPS_E_TOO_MANY_ROWS',
            message: `the upload has more than ${o.maxRows} rows; rows after line ${line.no - 1} were not scored`,
            hint: `Split the upload into parts of at most ${o.maxRows} rows (AQUAOPS_BATCH_MAX_ROWS).`,
          };
          break;
        }
        if (columns !== undefined) {
          const cells = splitCsvRecord(line.text);
          if (cells === undefined) {
            pendingCsv = line;
            continue;
          }
          rows++;
          this.csvRow(plan, chunk, line.no, cells, columns, passCols);
        } else {
          rows++;
          this.ndjsonRow(plan, chunk, line);
        }
        if (chunk.size >= CHUNK_ROWS) {
          const out = this.flush(plan, chunk, o, logCounter, csvPass);
          logCounter = out.logCounter;
          scored += out.scored;
          yield out.text;
        }
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        trailer = {
          code: 'AQUAOPS_E_PAYLOAD_TOO_LARGE',
          message: `the upload exceeds ${err.limitBytes} bytes; later rows were not scored`,
          hint: 'Split the upload (AQUAOPS_BATCH_BODY_LIMIT_BYTES sets the limit).',
        };
      } else {
        trailer = {
          code: err instanceof AquaopsError ? err.code : 'AQUAOPS_E_INTERNAL',
          message: err instanceof Error ? err.message : String(err),
          hint: 'Rows before this record were scored; retry the rest.',
        };
      }
    }
    if (chunk.size > 0) {
      const out = this.flush(plan, chunk, o, logCounter, csvPass);
      scored += out.scored;
      yield out.text;
    }
    this.deps.metrics.predictionDuration.observe({ route: 'batch' }, Number(process.hrtime.bigint() - t0) / 1e9);
    if (trailer !== undefined) {
      if (o.output === 'csv') {
        yield `${csvField(`# error ${trailer.code}: ${trailer.message}`)}\n`;
      } else {
        yield `${JSON.stringify({ error: { ...trailer, requestId: o.requestId, rowsRead: rows, rowsScored: scored } })}\n`;
      }
    }
  }

  private csvHeader(plan: Plan, o: BatchOptions, pass: readonly string[]): string {
    const cols = [
      'line',
      ...pass,
      'verdict',
      'probability',
      'predictionId',
      'error_code',
      'error_field',
      'error_expected',
      'error_got',
    ];
    if (o.explain) for (const nm of plan.names) cols.push(`phi_${nm}`);
    return `${cols.map(csvField).join(',')}\n`;
  }

  private csvRow(
    plan: Plan,
    chunk: Chunk,
    lineNo: number,
    cells: readonly string[],
    columns: Int32Array,
    passCols: readonly [string, number][],
  ): void {
    const nf = plan.names.length;
    const base = chunk.n * nf;
    const v = chunk.values;
    for (let j = 0; j < nf; j++) {
      const cell = cells[columns[j]!];
      if (cell === undefined) {
        chunk.error({
          line: lineNo,
          code: 'AQUAOPS_E_VALIDATION',
          field: plan.names[j]!,
          expected: `${cells.length < columns.length ? 'as many fields as the header' : 'a value'}`,
          got: `${cells.length} field(s)`,
        });
        return;
      }
      let x: number;
      if (cell === '') {
        if (!plan.handlesMissing) {
          chunk.error(missingError(plan, lineNo, j));
          return;
        }
        x = Number.NaN;
      } else {
        x = Number(cell);
        if (!(x >= plan.lo[j]! && x <= plan.hi[j]!) || !NUMBER_RE.test(cell)) {
          chunk.error({
            line: lineNo,
            code: 'AQUAOPS_E_VALIDATION',
            field: plan.names[j]!,
            expected: `${rangeText(plan.lo[j]!, plan.hi[j]!)} (empty = missing)`,
            got: shown(cell),
          });
          return;
        }
      }
      v[base + j] = x;
    }
    let pass: Record<string, string | number> | undefined;
    if (passCols.length > 0) {
      pass = {};
      for (const [p, c] of passCols) pass[p] = cells[c] ?? '';
    }
    chunk.lines.push(lineNo);
    chunk.pass.push(pass);
    chunk.order.push(chunk.n++);
  }

  private ndjsonRow(plan: Plan, chunk: Chunk, line: Line): void {
    let doc: unknown;
    try {
      doc = JSON.parse(line.text);
    } catch {
      chunk.error({
        line: line.no,
        code: 'AQUAOPS_E_BAD_JSON',
        field: '',
        expected: 'one JSON object per line',
        got: shown(line.text),
      });
      return;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      chunk.error({
        line: line.no,
        code: 'AQUAOPS_E_VALIDATION',
        field: '',
        expected: 'a JSON object of feature values',
        got: Array.isArray(doc) ? 'an array' : shown(doc),
      });
      return;
    }
    const o = doc as Record<string, unknown>;
    const nf = plan.names.length;
    const base = chunk.n * nf;
    const v = chunk.values;
    for (let j = 0; j < nf; j++) {
      const name = plan.names[j]!;
      const x = o[name];
      if (typeof x === 'number') {
        if (!(x >= plan.lo[j]! && x <= plan.hi[j]!)) {
          chunk.error({
            line: line.no,
            code: 'AQUAOPS_E_VALIDATION',
            field: name,
            expected: rangeText(plan.lo[j]!, plan.hi[j]!),
            got: shown(x),
          });
          return;
        }
        v[base + j] = x;
      } else if (x === null) {
        if (!plan.handlesMissing) {
          chunk.error(missingError(plan, line.no, j));
          return;
        }
        v[base + j] = Number.NaN;
      } else {
        chunk.error({
          line: line.no,
          code: 'AQUAOPS_E_VALIDATION',
          field: name,
          expected: x === undefined ? 'a value (null for a missing measurement)' : 'a number or null',
          got: shown(x),
        });
        return;
      }
    }
    let pass: Record<string, string | number> | undefined;
    for (const p of plan.passthrough) {
      const pv = o[p];
      if (typeof pv === 'string' || typeof pv === 'number') {
        pass ??= {};
        pass[p] = pv;
      }
    }
    chunk.lines.push(line.no);
    chunk.pass.push(pass);
    chunk.order.push(chunk.n++);
  }

  /** Scores the chunk's valid rows in one call, renders all its records in input order, resets it. */
  private flush(
    plan: Plan,
    chunk: Chunk,
    o: BatchOptions,
    logCounterIn: number,
    csvPass: readonly string[],
  ): { text: string; scored: number; logCounter: number } {
    const nf = plan.names.length;
    const n = chunk.n;
    const m = plan.serving.model;
    let proba: Float64Array = new Float64Array(0);
    let phi: Float64Array | undefined;
    if (n > 0) {
      const data = new Float64Array(n * nf);
      const rv = chunk.values;
      for (let i = 0; i < n; i++) for (let j = 0; j < nf; j++) data[j * n + i] = rv[i * nf + j]!;
      const X = { nRows: n, nCols: nf, data, featureNames: plan.names };
      proba = m.classifier.predictProba(X);
      if (o.explain) phi = m.classifier.explain(X).phi;
    }
    let logCounter = logCounterIn;
    let positives = 0;
    const parts: string[] = [];
    const now = o.logEvery > 0 ? new Date().toISOString() : '';
    for (const k of chunk.order) {
      if (k < 0) {
        parts.push(this.renderError(chunk.errors[-k - 1]!, o, plan, csvPass.length));
        continue;
      }
      const p = proba[k]!;
      const positive = p >= plan.threshold;
      if (positive) positives++;
      const verdict = positive ? plan.positive : plan.negative;
      let id: string | undefined;
      if (o.logEvery > 0 && ++logCounter >= o.logEvery) {
        logCounter = 0;
        id = v7();
        const inputs: Record<string, number | null> = {};
        for (let j = 0; j < nf; j++) {
          const x = chunk.values[k * nf + j]!;
          inputs[plan.names[j]!] = Number.isNaN(x) ? null : x;
        }
        const record: PredictionRecord = {
          predictionId: id,
          requestId: o.requestId,
          timestamp: now,
          model:
            m.alias === undefined
              ? { name: m.name, version: m.version }
              : { name: m.name, version: m.version, alias: m.alias },
          route: 'batch',
          inputs,
          passthrough: chunk.pass[k] ?? {},
          probability: p,
          verdict,
          threshold: plan.threshold,
          latencyMs: 0,
          shadow: false,
        };
        this.deps.log.push(record);
      }
      const line = chunk.lines[k]!;
      const pass = chunk.pass[k];
      if (o.output === 'csv') {
        let s = `${line}`;
        for (const name of csvPass) s += `,${csvField(String(pass?.[name] ?? ''))}`;
        s += `,${csvField(verdict)},${p},${id ?? ''},,,,`;
        if (phi !== undefined) for (let j = 0; j < nf; j++) s += `,${phi[k * nf + j]}`;
        parts.push(`${s}\n`);
      } else {
        let s = `{"line":${line}`;
        if (pass !== undefined) s += `,"passthrough":${JSON.stringify(pass)}`;
        s += `,"verdict":${JSON.stringify(verdict)},"probability":${p}`;
        if (id !== undefined) s += `,"predictionId":"${id}"`;
        if (phi !== undefined) {
          s += ',"contributions":{';
          for (let j = 0; j < nf; j++) s += `${j === 0 ? '' : ','}${JSON.stringify(plan.names[j])}:${phi[k * nf + j]}`;
          s += '}';
        }
        parts.push(`${s}}\n`);
      }
    }
    if (n > 0) {
      const version = String(m.version);
      if (positives > 0)
        this.deps.metrics.predictions.inc(
          { model_version: version, verdict: plan.positive, route: 'batch' },
          positives,
        );
      if (n - positives > 0)
        this.deps.metrics.predictions.inc(
          { model_version: version, verdict: plan.negative, route: 'batch' },
          n - positives,
        );
    }
    chunk.reset();
    return { text: parts.join(''), scored: n, logCounter };
  }

  private renderError(e: RowError, o: BatchOptions, plan: Plan, nPass: number): string {
    if (o.output === 'csv') {
      const empty = ','.repeat(nPass);
      return `${e.line}${empty},,,,${csvField(e.code)},${csvField(e.field)},${csvField(e.expected)},${csvField(e.got)}${
        o.explain ? ','.repeat(plan.names.length) : ''
      }\n`;
    }
    return `${JSON.stringify({ line: e.line, error: { code: e.code, field: e.field, expected: e.expected, got: e.got } })}\n`;
  }
}

function missingError(plan: Plan, line: number, j: number): RowError {
  return {
    line,
    code: 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED',
    field: plan.names[j]!,
    expected: 'a number (the serving model cannot take missing values)',
    got: 'missing',
  };
}

function tooLarge(limit: number): AquaopsError {
  return new AquaopsError('AQUAOPS_E_PAYLOAD_TOO_LARGE', `the upload exceeds ${limit} bytes`, {
    hint: 'Split the upload (AQUAOPS_BATCH_BODY_LIMIT_BYTES sets the limit).',
  });
}
