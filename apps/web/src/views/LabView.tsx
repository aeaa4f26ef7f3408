/**
 * The lab view: a technician enters one sample's measurements (the form is generated from the
 * served model's signature, with units, valid ranges and guideline hints, checked as they type),
 * gets the verdict with its probability, threshold and a plain-language uncertainty note, sees
 * which measurements pushed the result (SHAP waterfall), and — separately — how each measurement
 * compares with WHO / EPA guideline values. Session history and lab confirmations live here too.
 */
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { ServingState } from '../serving.js';
import { ApiError, type ApiClient } from '../api/client.js';
import type { FeatureSpec, ModelVersionDetail, Prediction } from '../api/types.js';
import type { ChartOption } from '../charts/Chart.js';
import { LazyChart as Chart } from '../charts/LazyChart.js';
import { waterfallOption } from '../charts/waterfall.js';
import {
  buildSample,
  featureLabel,
  fieldErrorsFromApi,
  formatNumber,
  guidelineText,
  parseField,
  rangeText,
} from '../lib/form.js';
import { certainty, isPositive, labResultWords, uncertaintyNote, verdictWords } from '../lib/verdict.js';
import { ScrollRegion } from './ScrollRegion.js';

interface HistoryEntry {
  readonly at: string;
  readonly inputs: Record<string, string>;
  readonly prediction: Prediction;
  confirmed?: 0 | 1;
}

const HISTORY_KEY = 'aquaops.lab.history';

function loadHistory(): HistoryEntry[] {
  try {
    const raw = sessionStorage.getItem(HISTORY_KEY);
    return raw === null ? [] : (JSON.parse(raw) as HistoryEntry[]);
  } catch {
    return [];
  }
}

export function LabView({ client, serving }: { client: ApiClient; serving: ServingState }) {
  useEffect(() => {
    if (serving.status !== 'loading') performance.mark('aquaops:lab-ready');
  }, [serving.status]);

  if (serving.status === 'loading') return <p className="muted">Loading the model…</p>;
  if (serving.status !== 'ready') {
    return (
      <section className="card" aria-labelledby="lab-h">
        <h1 id="lab-h">Lab sample</h1>
        <p role="alert" className="error-box">
          {serving.message}
        </p>
      </section>
    );
  }
  return <LabForm client={client} model={serving.model} />;
}

function LabForm({ client, model }: { client: ApiClient; model: ModelVersionDetail }) {
  const features = model.signature.features;
  // Optional non-measurement fields the API accepts (e.g. a sampling-site id used for A/B routing).
  const passthrough = model.signature.passthrough ?? [];
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [apiErrors, setApiErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [current, setCurrent] = useState<HistoryEntry | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>(loadHistory);
  const resultRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    sessionStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(0, 50)));
  }, [history]);

  const liveErrors = useMemo(() => buildSample(features, texts).errors, [features, texts]);

  const onChange = (name: string, value: string): void => {
    setTexts((t) => ({ ...t, [name]: value }));
    setApiErrors(({ [name]: _drop, ...rest }) => rest);
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const all = Object.fromEntries(features.map((f) => [f.name, true]));
    setTouched(all);
    const { sample: measured, errors } = buildSample(features, texts);
    const sample: Record<string, number | string | null> = { ...measured };
    for (const name of passthrough) {
      const v = (texts[`pass:${name}`] ?? '').trim();
      if (v !== '') sample[name] = v;
    }
    if (Object.keys(errors).length > 0) {
      setFormError('Some values cannot be right: see the fields marked below.');
      const first = features.find((f) => errors[f.name] !== undefined);
      if (first !== undefined) document.getElementById(`f-${first.name}`)?.focus();
      return;
    }
    setBusy(true);
    setFormError(null);
    setApiErrors({});
    try {
      const [prediction] = await client.predict([sample]);
      if (prediction === undefined) throw new Error('The server returned no prediction.');
      const entry: HistoryEntry = { at: new Date().toISOString(), inputs: { ...texts }, prediction };
      setCurrent(entry);
      setHistory((h) => [entry, ...h]);
    } catch (err) {
      if (err instanceof ApiError) {
        const mapped = fieldErrorsFromApi(err.details, features);
        const { '': general, ...fields } = mapped;
        setApiErrors(fields);
        setFormError(
          [
            Object.keys(fields).length > 0
              ? 'The server refused some values: see the fields marked below.'
              : err.message,
            general,
            err.hint,
          ]
            .filter((x) => x !== undefined && x !== '')
            .join(' '),
        );
      } else setFormError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const clear = (): void => {
    setTexts({});
    setTouched({});
    setApiErrors({});
    setFormError(null);
  };

  const confirm = async (entry: HistoryEntry, label: 0 | 1): Promise<string> => {
    try {
      const r = await client.feedback(entry.prediction.predictionId, label);
      setHistory((h) =>
        h.map((x) => (x.prediction.predictionId === entry.prediction.predictionId ? { ...x, confirmed: r.label } : x)),
      );
      if (current?.prediction.predictionId === entry.prediction.predictionId)
        setCurrent({ ...entry, confirmed: r.label });
      return r.created ? 'Lab result recorded. Thank you.' : 'This lab result was already recorded.';
    } catch (err) {
      if (err instanceof ApiError && err.status === 409)
        return 'A different lab result was already recorded for this sample; it was not changed.';
      return `Could not record the lab result: ${(err as Error).message}`;
    }
  };

  return (
    <div className="lab">
      <section className="card" aria-labelledby="lab-h">
        <h1 id="lab-h">Lab sample</h1>
        <p className="muted">
          Model <strong>{model.name}</strong> version {model.version}
          {model.aliases.length > 0 ? ` (${model.aliases.join(', ')})` : ''}. Leave a field empty if it was not
          measured.
        </p>
        <form onSubmit={submit} noValidate aria-describedby={formError === null ? undefined : 'form-error'}>
          {formError !== null && (
            <p id="form-error" role="alert" className="error-box">
              {formError}
            </p>
          )}
          <div className="fields">
            {features.map((f) => (
              <Field
                key={f.name}
                spec={f}
                value={texts[f.name] ?? ''}
                error={
                  apiErrors[f.name] ??
                  (touched[f.name] === true || (texts[f.name] ?? '') !== '' ? liveErrors[f.name] : undefined)
                }
                onChange={(v) => onChange(f.name, v)}
                onBlur={() => setTouched((t) => ({ ...t, [f.name]: true }))}
              />
            ))}
          </div>
          {passthrough.length > 0 && (
            <div className="fields passthrough">
              {passthrough.map((name) => (
                <div key={name} className="field">
                  <label htmlFor={`p-${name}`}>
                    {featureLabel({ name })} <span className="unit">(optional)</span>
                  </label>
                  <input
                    id={`p-${name}`}
                    name={name}
                    type="text"
                    autoComplete="off"
                    maxLength={200}
                    value={texts[`pass:${name}`] ?? ''}
                    onChange={(e) => onChange(`pass:${name}`, e.target.value)}
                  />
                </div>
              ))}
            </div>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Checking…' : 'Check sample'}
            </button>
            <button type="button" onClick={clear}>
              Clear
            </button>
          </div>
        </form>
      </section>

      {current !== null && (
        <Result
          key={current.prediction.predictionId}
          entry={current}
          features={features}
          headingRef={resultRef}
          onConfirm={(l) => confirm(current, l)}
        />
      )}

      <section className="card" aria-labelledby="hist-h">
        <h2 id="hist-h">This session</h2>
        {history.length === 0 ? (
          <p className="muted">Samples you check appear here.</p>
        ) : (
          <ScrollRegion>
            <table>
              <caption className="sr-only">Samples checked in this session, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Probability</th>
                  <th scope="col">Lab result</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.prediction.predictionId}>
                    <td>{new Date(h.at).toLocaleTimeString()}</td>
                    <td>{verdictWords(h.prediction.verdict)}</td>
                    <td>{(h.prediction.probability * 100).toFixed(0)}%</td>
                    <td>{labResultWords(h.confirmed)}</td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={() => {
                          setCurrent(h);
                          setTexts(h.inputs);
                        }}
                      >
                        Show
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>
    </div>
  );
}

function Field(props: {
  spec: FeatureSpec;
  value: string;
  error: string | undefined;
  onChange: (v: string) => void;
  onBlur: () => void;
}) {
  const { spec, value, error } = props;
  const id = `f-${spec.name}`;
  const range = rangeText(spec);
  const guides = (spec.guidelines ?? []).map((g) => guidelineText(g, spec));
  const parsed = parseField(spec, value);
  const outside =
    error === undefined && parsed.value !== null
      ? (spec.guidelines ?? []).filter(
          (g) => (g.max !== undefined && parsed.value! > g.max) || (g.min !== undefined && parsed.value! < g.min),
        )
      : [];
  return (
    <div className={`field${error === undefined ? '' : ' invalid'}`}>
      <label htmlFor={id}>
        {featureLabel(spec)}
        {spec.unit !== undefined && spec.unit !== '' && spec.unit !== 'pH' && (
          <span className="unit"> ({spec.unit})</span>
        )}
      </label>
      <input
        id={id}
        name={spec.name}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        value={value}
        placeholder={range === '' ? 'not measured' : range}
        aria-invalid={error !== undefined}
        aria-describedby={`${id}-hint${error === undefined ? '' : ` ${id}-err`}`}
        onChange={(e) => props.onChange(e.target.value)}
        onBlur={props.onBlur}
      />
      <p id={`${id}-hint`} className="hint">
        {range !== '' && <>Valid {range}. </>}
        {guides.length > 0 && <>Guideline: {guides.join('; ')}.</>}
        {outside.length > 0 && <span className="warn"> Outside the guideline.</span>}
      </p>
      {error !== undefined && (
        <p id={`${id}-err`} className="field-error" data-field-error={spec.name}>
          {error}
        </p>
      )}
    </div>
  );
}

function Result(props: {
  entry: HistoryEntry;
  features: readonly FeatureSpec[];
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  onConfirm: (label: 0 | 1) => Promise<string>;
}) {
  const p = props.entry.prediction;
  const positive = isPositive(p);
  const c = certainty(p.probability, p.threshold);
  const [feedbackMsg, setFeedbackMsg] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const { headingRef } = props;
  // Keyed per prediction, so this runs once per new result: move focus there for keyboard and screen-reader users.
  useEffect(() => {
    headingRef.current?.focus();
  }, [headingRef]);

  const labels = useMemo(
    () => new Map(props.features.map((f) => [f.name, featureLabel(f)] as const)),
    [props.features],
  );
  const option = useMemo<ChartOption>(() => waterfallOption(p, labels), [p, labels]);

  const send = async (label: 0 | 1): Promise<void> => {
    setSending(true);
    setFeedbackMsg(await props.onConfirm(label));
    setSending(false);
  };

  return (
    <>
      <section className="card result" aria-labelledby="res-h" data-testid="result">
        <h2 id="res-h" tabIndex={-1} ref={props.headingRef}>
          Model verdict
        </h2>
        <div className={`verdict ${positive ? 'ok' : 'bad'}`} data-testid="verdict">
          <span aria-hidden="true">{positive ? '✔' : '✖'}</span> {positive ? 'Potable' : 'Not potable'}
        </div>
        <p>
          Probability of potable water: <strong data-testid="probability">{(p.probability * 100).toFixed(1)}%</strong>{' '}
          (the model says potable at {(p.threshold * 100).toFixed(0)}% or more).
        </p>
        <p className={`note ${c}`} data-testid="uncertainty">
          {uncertaintyNote(p)}
        </p>
        <h3>Why: what pushed the result</h3>
        <Chart
          option={option}
          label={`Explanation: ${p.explanation.reasons.join('; ') || 'contributions of each measurement'}`}
          height={Math.max(260, 34 * (p.explanation.contributions.length + 2))}
          testId="waterfall"
        />
        {p.explanation.reasons.length > 0 && (
          <ul className="reasons">
            {p.explanation.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        )}
        <p className="muted small">
          Model {p.model.name} v{p.model.version}
          {p.model.alias === undefined ? '' : ` (${p.model.alias})`}, route {p.route}. Prediction id{' '}
          <code>{p.predictionId}</code>.
        </p>
        <fieldset className="confirm">
          <legend>Lab confirmation: what did the lab find?</legend>
          <button type="button" disabled={sending} onClick={() => void send(1)}>
            Potable
          </button>
          <button type="button" disabled={sending} onClick={() => void send(0)}>
            Not potable
          </button>
          <p aria-live="polite" className="small" data-testid="feedback-msg">
            {feedbackMsg ??
              (props.entry.confirmed === undefined ? '' : `Recorded: ${labResultWords(props.entry.confirmed)}.`)}
          </p>
        </fieldset>
      </section>
      <GuidelineTable prediction={p} labels={labels} />
    </>
  );
}

function GuidelineTable({ prediction, labels }: { prediction: Prediction; labels: Map<string, string> }) {
  const flags = prediction.guidelines.flags;
  return (
    <section className="card guidelines" aria-labelledby="gl-h" data-testid="guidelines">
      <h2 id="gl-h">Guideline check</h2>
      <p className="muted">
        {prediction.guidelines.note}
        {/not the model/i.test(prediction.guidelines.note)
          ? ''
          : " This is a rule-based comparison, not the model's verdict."}
      </p>
      {flags.length === 0 ? (
        <p>No measurement entered has a guideline value.</p>
      ) : (
        <ScrollRegion label="Guideline comparison">
          <table className="stack-sm">
            <thead>
              <tr>
                <th scope="col">Measurement</th>
                <th scope="col">Value</th>
                <th scope="col">Status</th>
                <th scope="col">Guideline (source)</th>
              </tr>
            </thead>
            <tbody>
              {flags.map((f) => (
                <tr key={`${f.feature}-${f.source}`} className={f.status === 'ok' ? '' : 'flagged'}>
                  <th scope="row">{labels.get(f.feature) ?? f.feature}</th>
                  <td data-label="Value">
                    {formatNumber(f.value)}
                    {f.unit === undefined || f.unit === 'pH' ? '' : ` ${f.unit}`}
                  </td>
                  <td data-label="Status" data-status={f.status}>
                    {f.status === 'ok' ? 'within' : f.status === 'exceeds' ? '▲ above' : '▼ below'}
                  </td>
                  <td data-label="Guideline">
                    <strong>
                      {f.min !== undefined && f.max !== undefined
                        ? `${formatNumber(f.min)}–${formatNumber(f.max)}`
                        : f.max !== undefined
                          ? `≤ ${formatNumber(f.max)}`
                          : f.min !== undefined
                            ? `≥ ${formatNumber(f.min)}`
                            : '—'}
                    </strong>{' '}
                    {f.source}
                    {f.healthBased ? ', health-based' : ''}
                    <br />
                    <span className="small muted">{f.note}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
