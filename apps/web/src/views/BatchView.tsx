/**
 * Batch view: upload a CSV of samples (file picker or drag-and-drop), watch progress while it is
 * scored, then sort and filter the results, open any row's explanation, read row errors with
 * their line numbers and reasons, and download the results as CSV.
 */
import { type DragEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { ServingState } from '../serving.js';
import { ApiError, type ApiClient } from '../api/client.js';
import type { BatchRow, BatchScored, FeatureSpec, Prediction } from '../api/types.js';
import { LazyChart as Chart } from '../charts/LazyChart.js';
import { waterfallOption } from '../charts/waterfall.js';
import { type BatchProgress, errorText, resultsCsv, sampleAtLine, scoreCsv } from '../lib/batch.js';
import { featureLabel } from '../lib/form.js';
import { filterRows, type SortDir, type SortKey, sortRows } from '../lib/table.js';
import { verdictWords } from '../lib/verdict.js';
import { ScrollRegion } from './ScrollRegion.js';

const MAX_BYTES = 20 * 1024 * 1024;

export function BatchView({ client, serving }: { client: ApiClient; serving: ServingState }) {
  const features = serving.status === 'ready' ? serving.model.signature.features : [];
  const [file, setFile] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [progress, setProgress] = useState<BatchProgress | null>(null);
  const [rows, setRows] = useState<BatchRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [sortKey, setSortKey] = useState<SortKey>('line');
  const [sortDir, setSortDir] = useState<SortDir>('asc');
  const [verdict, setVerdict] = useState('all');
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const run = async (f: File): Promise<void> => {
    setError(null);
    setRows(null);
    setOpen(null);
    if (f.size > MAX_BYTES) {
      setError(`The file is ${(f.size / 1e6).toFixed(1)} MB; split it into files under ${MAX_BYTES / 1e6} MB.`);
      return;
    }
    setFile(f.name);
    setBusy(true);
    setProgress({ done: 0, total: 0 });
    try {
      const content = await f.text();
      setText(content);
      const r = await scoreCsv(client, content, features, { onProgress: setProgress });
      setRows(r.rows);
    } catch (err) {
      setError(`Could not score ${f.name}: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (e: DragEvent): void => {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer.files[0];
    if (f !== undefined) void run(f);
  };

  const verdicts = useMemo(() => [...new Set((rows ?? []).flatMap((r) => (r.ok ? [r.verdict] : [])))].sort(), [rows]);
  const shown = useMemo(
    () => (rows === null ? [] : sortRows(filterRows(rows, verdict, query), sortKey, sortDir)),
    [rows, verdict, query, sortKey, sortDir],
  );
  const nErr = rows?.filter((r) => !r.ok).length ?? 0;

  const download = (): void => {
    if (rows === null) return;
    const blob = new Blob([resultsCsv(rows)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${(file ?? 'batch').replace(/\.csv$/i, '')}-results.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  const sortBy = (k: SortKey): void => {
    if (k === sortKey) setSortDir((d) => (d === 'asc' ? 'desc' : 'asc'));
    else {
      setSortKey(k);
      setSortDir('asc');
    }
  };
  const ariaSort = (k: SortKey): 'ascending' | 'descending' | 'none' =>
    k === sortKey ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none';

  return (
    <>
      <section className="card" aria-labelledby="batch-h">
        <h1 id="batch-h">Batch scoring</h1>
        <p className="muted">
          Upload a CSV with a header line naming the columns
          {features.length > 0 ? `: ${features.map((f) => f.name).join(', ')}` : ''}. An empty cell means the
          measurement is missing.
        </p>
        {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop zone also holds a real button and file input */}
        <div
          className={`drop${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <p>Drop a CSV file here, or</p>
          <label className="sr-only" htmlFor="csv-file">
            CSV file of samples
          </label>
          <input
            id="csv-file"
            ref={input}
            type="file"
            accept=".csv,text/csv"
            className="sr-only"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f !== undefined) void run(f);
              e.target.value = '';
            }}
          />
          <button type="button" className="primary" onClick={() => input.current?.click()} disabled={busy}>
            Choose a CSV file…
          </button>
        </div>
        {progress !== null && busy && (
          <div aria-live="polite">
            <label htmlFor="batch-progress">
              Scoring {file}: {progress.done} of {progress.total || '?'} rows
            </label>
            <progress id="batch-progress" max={Math.max(1, progress.total)} value={progress.done} />
          </div>
        )}
        {error !== null && (
          <p role="alert" className="error-box">
            {error}
          </p>
        )}
      </section>

      {rows !== null && (
        <section className="card" aria-labelledby="res-h">
          <h2 id="res-h">Results for {file}</h2>
          <p data-testid="batch-summary">
            {rows.length - nErr} row{rows.length - nErr === 1 ? '' : 's'} scored, {nErr} with errors.
          </p>
          <div className="toolbar">
            <label>
              Show
              <select value={verdict} onChange={(e) => setVerdict(e.target.value)}>
                <option value="all">all rows</option>
                {verdicts.map((v) => (
                  <option key={v} value={v}>
                    {verdictWords(v)}
                  </option>
                ))}
                <option value="errors">rows with errors</option>
              </select>
            </label>
            <label>
              Search
              <input
                type="search"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="line, verdict…"
              />
            </label>
            <button type="button" onClick={download}>
              Download results (CSV)
            </button>
          </div>
          <ScrollRegion>
            <table data-testid="batch-table">
              <caption className="sr-only">Batch results; column headers sort the table</caption>
              <thead>
                <tr>
                  <th scope="col" aria-sort={ariaSort('line')}>
                    <button type="button" className="link" onClick={() => sortBy('line')}>
                      Line
                    </button>
                  </th>
                  <th scope="col" aria-sort={ariaSort('verdict')}>
                    <button type="button" className="link" onClick={() => sortBy('verdict')}>
                      Verdict
                    </button>
                  </th>
                  <th scope="col" aria-sort={ariaSort('probability')}>
                    <button type="button" className="link" onClick={() => sortBy('probability')}>
                      Probability
                    </button>
                  </th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <BatchRowView
                    key={r.line}
                    row={r}
                    client={client}
                    text={text}
                    features={features}
                    open={open === r.line}
                    onToggle={() => setOpen((o) => (o === r.line ? null : r.line))}
                  />
                ))}
              </tbody>
            </table>
          </ScrollRegion>
          {shown.length === 0 && <p className="muted">No rows match.</p>}
        </section>
      )}
    </>
  );
}

function BatchRowView(props: {
  row: BatchRow;
  client: ApiClient;
  text: string;
  features: readonly FeatureSpec[];
  open: boolean;
  onToggle: () => void;
}) {
  const r = props.row;
  if (!r.ok) {
    return (
      <tr className="flagged" data-line={r.line}>
        <td>{r.line}</td>
        <td colSpan={3}>
          <strong>Error:</strong> {r.errors.map((e) => errorText(e, props.features)).join(' ')}
        </td>
      </tr>
    );
  }
  return (
    <>
      <tr data-line={r.line}>
        <td>{r.line}</td>
        <td>{verdictWords(r.verdict)}</td>
        <td>{(r.probability * 100).toFixed(1)}%</td>
        <td>
          <button type="button" className="link" aria-expanded={props.open} onClick={props.onToggle}>
            {props.open ? 'Hide explanation' : 'Explain'}
          </button>
        </td>
      </tr>
      {props.open && (
        <tr>
          <td colSpan={4}>
            <Explanation row={r} client={props.client} text={props.text} features={props.features} />
          </td>
        </tr>
      )}
    </>
  );
}

/** A row's explanation: the one scored through /predict already has it; otherwise the row is re-scored. */
function Explanation(props: { row: BatchScored; client: ApiClient; text: string; features: readonly FeatureSpec[] }) {
  const { row, client, text, features } = props;
  const [prediction, setPrediction] = useState<Prediction | undefined>(row.prediction);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (prediction !== undefined) return;
    const sample = sampleAtLine(text, row.line, features);
    if (sample === undefined) {
      setError(`Line ${row.line} could not be read back from the file.`);
      return;
    }
    let live = true;
    client
      .predict([sample])
      .then(([p]) => live && p !== undefined && setPrediction(p))
      .catch((err: unknown) => live && setError(err instanceof ApiError ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, [prediction, client, text, row.line, features]);
  const labels = useMemo(() => new Map(features.map((f) => [f.name, featureLabel(f)] as const)), [features]);
  const option = useMemo(
    () => (prediction === undefined ? undefined : waterfallOption(prediction, labels)),
    [prediction, labels],
  );
  if (error !== null) return <p className="error-box">{error}</p>;
  if (prediction === undefined || option === undefined) return <p className="muted">Computing the explanation…</p>;
  return (
    <div data-testid={`explanation-${row.line}`}>
      <Chart
        option={option}
        label={`Explanation of line ${row.line}: ${prediction.explanation.reasons.join('; ')}`}
        height={Math.max(240, 30 * (prediction.explanation.contributions.length + 2))}
      />
      <ul className="reasons">
        {prediction.explanation.reasons.map((x) => (
          <li key={x}>{x}</li>
        ))}
      </ul>
    </div>
  );
}
