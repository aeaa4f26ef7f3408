/**
 * Batch scoring of an uploaded CSV. The server's streaming route (`POST /api/v1/predict/batch`,
 * NDJSON out) is used when it exists; otherwise the file is read here, each row checked against
 * the signature (bad rows become row errors with their line number) and the good rows scored in
 * chunks through `POST /api/v1/predict`. Either way the caller gets progress callbacks and one
 * `BatchRow` per data row, and can turn the result into a downloadable CSV.
 */
import { ApiError, type ApiClient, isMissingRoute } from '../api/client.js';
import type { BatchRow, FeatureSpec, RowError } from '../api/types.js';
import { parseCsv, toCsv } from './csv.js';
import { featureLabel, parseField } from './form.js';

export interface BatchProgress {
  readonly done: number;
  readonly total: number;
}

export interface BatchOptions {
  readonly onProgress?: (p: BatchProgress) => void;
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

/** Counts data records (not the header) so progress has a denominator before scoring starts. */
export function countDataRows(text: string): number {
  return Math.max(0, parseCsv(text).length - 1);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function rowError(v: unknown): RowError {
  const o = asRecord(v);
  if (o === undefined) return { path: '', message: String(v) };
  const path = typeof o.field === 'string' ? o.field : typeof o.path === 'string' ? o.path : '';
  if (typeof o.message === 'string') return { path, message: o.message };
  const expected = typeof o.expected === 'string' ? o.expected : 'a valid value';
  const got = typeof o.got === 'string' ? o.got : undefined;
  return { path, message: `expected ${expected}${got === undefined ? '' : `, got ${got}`}` };
}

/**
 * One CSV record's fields → the model's sample, columns found by header name. Shared by the
 * local scoring path and `sampleAtLine`, so an explanation on demand reads a line exactly as it
 * was scored.
 */
function readSample(
  fields: readonly string[],
  cols: readonly string[],
  features: readonly FeatureSpec[],
): { sample: Record<string, number | null>; errors: RowError[] } {
  const sample: Record<string, number | null> = {};
  const errors: RowError[] = [];
  for (const f of features) {
    const r = parseField(f, fields[cols.indexOf(f.name)] ?? '');
    if (r.error !== undefined) errors.push({ path: f.name, message: r.error });
    sample[f.name] = r.value;
  }
  return { sample, errors };
}

/** Thrown when the batch route ends its stream with an error about the upload as a whole. */
export class BatchAbortedError extends Error {}

/**
 * One NDJSON object of the batch route → a BatchRow. `{line, verdict, probability, predictionId?}`
 * is a scored row, `{line, error}` a bad row; an `{error}` without a line is the trailer that
 * ends a batch which failed as a whole, and is thrown.
 */
export function normaliseBatchLine(obj: unknown): BatchRow | undefined {
  const o = asRecord(obj);
  if (o === undefined) return undefined;
  const line = typeof o.line === 'number' ? o.line : undefined;
  if (line === undefined) {
    const err = asRecord(o.error);
    if (err !== undefined) {
      const msg = typeof err.message === 'string' ? err.message : 'the upload could not be read to the end';
      const hint = typeof err.hint === 'string' ? ` ${err.hint}` : '';
      throw new BatchAbortedError(`${msg}.${hint}`);
    }
    return undefined;
  }
  if (o.error !== undefined || o.errors !== undefined) {
    const list = Array.isArray(o.errors) ? o.errors : [o.error];
    return { line, ok: false, errors: list.map(rowError) };
  }
  if (typeof o.verdict !== 'string' || typeof o.probability !== 'number') return undefined;
  return {
    line,
    ok: true,
    verdict: o.verdict,
    probability: o.probability,
    ...(typeof o.predictionId === 'string' ? { predictionId: o.predictionId } : {}),
  };
}

async function viaServer(
  client: ApiClient,
  text: string,
  total: number,
  opts: BatchOptions,
): Promise<BatchRow[] | undefined> {
  let res: Response;
  try {
    res = await client.request('/api/v1/predict/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
      body: text,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } catch (err) {
    // A server without the route answers 404 (or 415, refusing the CSV body before routing).
    if (err instanceof ApiError && (isMissingRoute(err) || err.status === 415)) return undefined;
    throw err;
  }
  const rows: BatchRow[] = [];
  const take = (line: string): void => {
    if (line.trim() === '') return;
    const r = normaliseBatchLine(JSON.parse(line));
    if (r !== undefined) rows.push(r);
  };
  if (res.body !== null) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        take(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
      }
      opts.onProgress?.({ done: Math.min(rows.length, total), total });
    }
    take(buf);
  }
  opts.onProgress?.({ done: total, total });
  return rows.sort((a, b) => a.line - b.line);
}

/** Scores locally-validated rows through `POST /predict` in chunks (servers without the batch route). */
export async function viaPredict(
  client: ApiClient,
  text: string,
  features: readonly FeatureSpec[],
  opts: BatchOptions = {},
): Promise<BatchRow[]> {
  const records = parseCsv(text);
  const header = records[0];
  if (header === undefined) throw new Error('The file is empty: it needs a header line and at least one sample.');
  const cols = header.fields.map((h) => h.trim());
  const missingCols = features.filter((f) => !cols.includes(f.name)).map((f) => f.name);
  if (missingCols.length > 0) {
    throw new Error(
      `The header line lacks the column${missingCols.length === 1 ? '' : 's'} ${missingCols.join(', ')}. ` +
        `Expected columns: ${features.map((f) => f.name).join(', ')}.`,
    );
  }
  const data = records.slice(1);
  const total = data.length;
  const out: BatchRow[] = [];
  const good: { line: number; sample: Record<string, number | null> }[] = [];
  for (const rec of data) {
    const { sample, errors: fieldErrors } = readSample(rec.fields, cols, features);
    const errors: RowError[] =
      rec.fields.length === cols.length
        ? fieldErrors
        : [{ path: '', message: `has ${rec.fields.length} fields, the header has ${cols.length}` }, ...fieldErrors];
    if (errors.length > 0) out.push({ line: rec.line, ok: false, errors });
    else good.push({ line: rec.line, sample });
  }
  let done = out.length;
  opts.onProgress?.({ done, total });
  const size = opts.chunkSize ?? 200;
  for (let i = 0; i < good.length; i += size) {
    if (opts.signal?.aborted === true) throw new Error('Scoring was cancelled.');
    const chunk = good.slice(i, i + size);
    const preds = await client.predict(chunk.map((c) => c.sample));
    chunk.forEach((c, k) => {
      const p = preds[k];
      if (p !== undefined) {
        out.push({
          line: c.line,
          ok: true,
          verdict: p.verdict,
          probability: p.probability,
          predictionId: p.predictionId,
          prediction: p,
        });
      }
    });
    done += chunk.length;
    opts.onProgress?.({ done, total });
  }
  return out.sort((a, b) => a.line - b.line);
}

export async function scoreCsv(
  client: ApiClient,
  text: string,
  features: readonly FeatureSpec[],
  opts: BatchOptions = {},
): Promise<{ rows: BatchRow[]; via: 'batch' | 'predict' }> {
  const total = countDataRows(text);
  const server = await viaServer(client, text, total, opts);
  if (server !== undefined) return { rows: server, via: 'batch' };
  return { rows: await viaPredict(client, text, features, opts), via: 'predict' };
}

/** Results CSV: line, verdict, probability, prediction id, error (one row per data row). */
export function resultsCsv(rows: readonly BatchRow[]): string {
  const header = ['line', 'verdict', 'probability', 'prediction_id', 'error'];
  return toCsv(
    header,
    rows.map((r) =>
      r.ok
        ? [r.line, r.verdict, r.probability.toFixed(4), r.predictionId ?? '', '']
        : [r.line, '', '', '', r.errors.map((e) => (e.path === '' ? e.message : `${e.path}: ${e.message}`)).join('; ')],
    ),
  );
}

export function errorText(e: RowError, features: readonly FeatureSpec[]): string {
  const f = features.find((x) => e.path === x.name || e.path.endsWith(`/${x.name}`));
  return f === undefined ? e.message : `${featureLabel(f)}: ${e.message}`;
}

/** The sample on a given line of the CSV (for an explanation on demand); undefined if absent. */
export function sampleAtLine(
  text: string,
  line: number,
  features: readonly FeatureSpec[],
): Record<string, number | null> | undefined {
  const records = parseCsv(text);
  const header = records[0];
  const rec = records.find((r) => r.line === line);
  if (header === undefined || rec === undefined || rec === header) return undefined;
  const { sample, errors } = readSample(
    rec.fields,
    header.fields.map((h) => h.trim()),
    features,
  );
  return errors.length > 0 ? undefined : sample;
}
