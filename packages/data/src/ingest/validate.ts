/**
 * Streaming ingest of a CSV under a dataset schema: `readRows` yields typed rows (for training
 * or scoring), `validateCsv` produces the quality report, `validateCsvPair` adds the train/test
 * leakage check. Memory stays bounded whatever the file size: records are parsed chunk by
 * chunk and only aggregates reach the report. Fatal problems (unreadable, binary, empty, wrong
 * delimiter, header mismatch, unterminated quote) throw AquaopsError; row problems reject the
 * row and are counted, with the first examples kept.
 */
import { AquaopsError } from '@aquaops/contracts';
import { QualityAccumulator } from '../quality/report.js';
import type { AccumulatorOptions, QualityReport } from '../quality/report.js';
import type { DatasetSchema } from '../schema/types.js';
import { CsvTokenizer, decodedChunks } from './csv.js';
import type { CsvStats, RecordSink } from './csv.js';
import { RowParser } from './row.js';
import type { CellIssue, ParsedRow } from './row.js';

export interface IngestOptions {
  /** Reject unknown columns instead of reporting and ignoring them. */
  readonly strict?: boolean;
  /** Field delimiter (default `,`). */
  readonly delimiter?: string;
  readonly signal?: AbortSignal;
  /** Called every `progressEvery` rows (default 100 000) with rows read so far. */
  readonly onProgress?: (rowsRead: number, bytesRead: number) => void;
  readonly progressEvery?: number;
}

export interface ValidateOptions extends IngestOptions, Omit<AccumulatorOptions, 'leakageAgainst'> {}

interface ScanSink {
  row(row: ParsedRow): void;
  reject(issues: readonly CellIssue[]): void;
  /** Called after each chunk; awaiting here pauses reading (backpressure). */
  flush?(): Promise<void>;
  /** Reuse one feature buffer for every row (the sink must not keep `row.features`). */
  readonly reuse: boolean;
}

interface ScanResult {
  readonly parser: RowParser;
  readonly stats: CsvStats;
}

function checkDelimiter(d: string | undefined): void {
  if (d !== undefined && (d.length !== 1 || d === '"' || d === '\n' || d === '\r')) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `Invalid delimiter ${JSON.stringify(d)}.`, {
      hint: 'Use a single character such as "," ";" "|" or a tab.',
      details: [
        { path: 'delimiter', expected: 'one character other than a quote or line break', found: JSON.stringify(d) },
      ],
    });
  }
}

/**
 * The core scan: feeds every data record to `sink` in file order (synchronously within a chunk,
 * so the hot loop has no promise per row) and returns the header mapping and file statistics.
 */
async function scan(file: string, schema: DatasetSchema, options: IngestOptions, sink: ScanSink): Promise<ScanResult> {
  checkDelimiter(options.delimiter);
  const tok = new CsvTokenizer(file, options.delimiter);
  let parser: RowParser | undefined;
  let rows = 0;
  const every = options.progressEvery ?? 100_000;
  let nextProgress = every;
  const issues: CellIssue[] = [];
  let buffer: Float64Array | undefined;
  const handle = (fields: string[], line: number, last: boolean): void => {
    if (parser === undefined) {
      parser = new RowParser(file, schema, fields, line, options.strict ?? false);
      buffer = new Float64Array(parser.featureNames.length);
      return;
    }
    const out = sink.reuse ? (buffer as Float64Array) : new Float64Array(parser.featureNames.length);
    const row = parser.parse(fields, line, last && tok.stats.lastLineUnterminated, issues, out);
    rows++;
    if (row !== undefined) sink.row(row);
    else {
      sink.reject(issues.slice());
      issues.length = 0;
    }
  };
  // The last record is only known once the file ends, so records are held back by one to tell a
  // truncated final line from an ordinary short row.
  let pendingFields: string[] | undefined;
  let pendingLine = 0;
  const emit: RecordSink = (fields, line) => {
    if (pendingFields !== undefined) handle(pendingFields, pendingLine, false);
    pendingFields = fields;
    pendingLine = line;
  };
  for await (const text of decodedChunks(file, tok, options)) {
    tok.push(text, emit);
    if (sink.flush !== undefined) await sink.flush();
    if (options.onProgress !== undefined && rows >= nextProgress) {
      options.onProgress(rows, tok.stats.bytes);
      nextProgress = rows + every;
    }
  }
  tok.end(emit);
  if (pendingFields !== undefined) handle(pendingFields, pendingLine, true);
  if (sink.flush !== undefined) await sink.flush();
  const stats = tok.stats;
  if (parser === undefined) {
    throw new AquaopsError(
      'AQUAOPS_E_DATA_EMPTY',
      stats.bytes === 0 ? `${file} is empty (0 bytes).` : `${file} has no header line (only blank or # comment lines).`,
      {
        hint: `Pass a CSV whose first line is a header with the columns of schema ${schema.name}.`,
        details: [
          {
            path: file,
            expected: 'a header line and data rows',
            found: stats.bytes === 0 ? 'an empty file' : 'no header',
          },
        ],
      },
    );
  }
  options.onProgress?.(rows, stats.bytes);
  return { parser, stats };
}

function lineEndings(s: CsvStats): QualityReport['format']['lineEndings'] {
  if (s.crlfLines > 0 && s.lfLines > 0) return 'mixed';
  if (s.crlfLines > 0) return 'crlf';
  if (s.lfLines > 0) return 'lf';
  return 'none';
}

/** What a full pass learned about the file besides its rows. */
export interface ScanSummary {
  readonly header: QualityReport['header'];
  readonly format: QualityReport['format'];
  readonly labelValues: ReadonlyMap<string, { count: number; firstLine: number }>;
  readonly negativeLabel: string | undefined;
}

/**
 * One synchronous-callback pass over the file: `onRow` for each accepted row, `onReject` for
 * each rejected one, in file order. The fastest way to consume a file.
 */
export async function scanFile(
  file: string,
  schema: DatasetSchema,
  options: IngestOptions,
  onRow: (row: ParsedRow) => void,
  onReject: (issues: readonly CellIssue[]) => void,
  /** Reuse one `features` buffer for all rows: faster, but copy values you keep. */
  reuse = false,
): Promise<ScanSummary> {
  const { parser, stats } = await scan(file, schema, options, { row: onRow, reject: onReject, reuse });
  return {
    header: parser.header,
    format: {
      bytes: stats.bytes,
      bom: stats.bom,
      lineEndings: lineEndings(stats),
      delimiter: stats.delimiter,
      commentLines: stats.commentLines,
      blankLines: stats.blankLines,
    },
    labelValues: parser.labelValues,
    negativeLabel: parser.negativeLabel(),
  };
}

async function validateWith(
  file: string,
  schema: DatasetSchema,
  options: ValidateOptions,
  acc: QualityAccumulator,
): Promise<QualityReport> {
  const summary = await scanFile(
    file,
    schema,
    options,
    (row) => acc.accept(row),
    (issues) => acc.reject(issues),
    true,
  );
  return acc.finish({ file, ...summary });
}

/** Validates a CSV file against a schema and returns its quality report (status pass/warn/fail). */
export async function validateCsv(
  file: string,
  schema: DatasetSchema,
  options: ValidateOptions = {},
): Promise<QualityReport> {
  return validateWith(file, schema, options, new QualityAccumulator(schema, options));
}

/**
 * Validates a train/test pair: both reports, and in the test report a `leakage` section counting
 * test rows whose feature values are identical to a training row.
 */
export async function validateCsvPair(
  trainFile: string,
  testFile: string,
  schema: DatasetSchema,
  options: ValidateOptions = {},
): Promise<{ train: QualityReport; test: QualityReport }> {
  const trainAcc = new QualityAccumulator(schema, options);
  const train = await validateWith(trainFile, schema, options, trainAcc);
  const testAcc = new QualityAccumulator(schema, {
    ...options,
    leakageAgainst: { file: trainFile, fingerprints: trainAcc.featureFingerprints },
  });
  const test = await validateWith(testFile, schema, options, testAcc);
  return { train, test };
}

/**
 * Streams the accepted rows of a CSV in file order. Rejected rows are skipped; pass `onReject`
 * to see them. Fatal file problems throw from the iteration.
 */
export async function* readRows(
  file: string,
  schema: DatasetSchema,
  options: IngestOptions & { readonly onReject?: (issues: readonly CellIssue[]) => void } = {},
): AsyncGenerator<ParsedRow> {
  const queue: ParsedRow[][] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  let stopped = false;
  const stop = new Error('consumer stopped');
  // The scan runs ahead by at most one batch: it waits until the consumer drained the last one.
  let rows: ParsedRow[] = [];
  const run = scan(file, schema, options, {
    reuse: false,
    row: (r) => {
      rows.push(r);
    },
    reject: (issues) => options.onReject?.(issues),
    flush: async () => {
      if (stopped) throw stop;
      if (rows.length === 0) return;
      queue.push(rows);
      rows = [];
      wake?.();
      await new Promise<void>((r) => {
        resume = r;
      });
      if (stopped) throw stop;
    },
  }).then(
    () => {
      done = true;
      wake?.();
    },
    (err: unknown) => {
      failure = err;
      done = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      const batch = queue.shift();
      if (batch !== undefined) {
        yield* batch;
        const r = resume;
        resume = undefined;
        r?.();
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    stopped = true;
    resume?.();
    await run.catch(() => undefined);
  }
}
