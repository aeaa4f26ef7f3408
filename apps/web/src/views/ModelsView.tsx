/**
 * Models view (loaded on first visit): the registry's versions with their aliases and metrics,
 * one version's detail — cross-validated and held-out metrics with confidence intervals, ROC and
 * calibration curves and the confusion matrix from its evaluation, the model card and lineage —
 * a side-by-side comparison of two versions, and promotion / rollback of an alias with the
 * admin key, followed by the alias's audit trail.
 */
import { LineChart } from 'echarts/charts';
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import type { AliasEvent, Curve, Evaluation, MetricWithCi, ModelList, ModelVersionDetail } from '../api/types.js';
import { Chart, type ChartOption, echarts } from '../charts/Chart.js';
import { lineage, metricLabel, metricRows, parseEvaluation } from '../lib/evaluation.js';
import { formatNumber } from '../lib/form.js';
import { ScrollRegion } from './ScrollRegion.js';

echarts.use([LineChart]);

export function ModelsView({ client, onServingChanged }: { client: ApiClient; onServingChanged: () => Promise<void> }) {
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [compareWith, setCompareWith] = useState<number | null>(null);
  // Bumped after a promotion so the open version's aliases are read again.
  const [revision, setRevision] = useState(0);

  const reload = useCallback(async () => {
    try {
      const l = await client.models();
      setList(l);
      setSelected((s) => s ?? l.serving?.version ?? l.models.at(-1)?.version ?? null);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (error !== null)
    return (
      <p role="alert" className="error-box">
        Could not load the model registry: {error}
      </p>
    );
  if (list === null) return <p className="muted">Loading models…</p>;
  const name = list.serving?.name ?? list.models[0]?.name;
  const versions = [...list.models].filter((m) => m.name === name).sort((a, b) => b.version - a.version);

  return (
    <>
      <section className="card" aria-labelledby="models-h">
        <h1 id="models-h">Models</h1>
        {name === undefined ? (
          <p>
            No model versions are registered yet. Train one with <code>aquaops train</code>.
          </p>
        ) : (
          <>
            <p className="muted">
              Model <strong>{name}</strong>;{' '}
              {list.serving === null
                ? 'no version is being served.'
                : `serving version ${list.serving.version}${list.serving.alias === undefined ? '' : ` (${list.serving.alias})`}.`}
            </p>
            <ScrollRegion>
              <table data-testid="versions" className="stack-sm">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Aliases</th>
                    <th scope="col">Created</th>
                    <th scope="col">Held-out ROC AUC</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {versions.map((v) => (
                    <tr key={v.version} aria-current={selected === v.version ? 'true' : undefined}>
                      <th scope="row">v{v.version}</th>
                      <td data-label="Aliases">
                        {v.aliases.map((a) => (
                          <span key={a} className="tag">
                            {a}
                          </span>
                        ))}
                      </td>
                      <td data-label="Created">
                        {v.createdAt === undefined ? '—' : new Date(v.createdAt).toLocaleString()}
                      </td>
                      <td data-label="Held-out ROC AUC">
                        {ciText(metricRows(v.metrics).find((m) => m.set === 'held-out' && m.name === 'roc_auc'))}
                      </td>
                      <td>
                        <button type="button" className="link" onClick={() => setSelected(v.version)}>
                          Details<span className="sr-only"> of version {v.version}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </>
        )}
      </section>
      {name !== undefined && selected !== null && (
        <VersionDetail
          key={revision}
          client={client}
          name={name}
          version={selected}
          others={versions.map((v) => v.version).filter((v) => v !== selected)}
          compareWith={compareWith}
          onCompare={setCompareWith}
        />
      )}
      {name !== undefined && versions.length > 0 && (
        <PromotePanel
          client={client}
          name={name}
          versions={versions.map((v) => v.version)}
          onDone={async () => {
            await reload();
            setRevision((r) => r + 1);
            await onServingChanged();
          }}
        />
      )}
    </>
  );
}

function ciText(m: MetricWithCi | undefined): string {
  if (m === undefined) return '—';
  const v = formatNumber(m.value);
  return m.lo !== undefined && m.hi !== undefined ? `${v} [${formatNumber(m.lo)}, ${formatNumber(m.hi)}]` : v;
}

function useVersion(client: ApiClient, name: string, version: number | null) {
  const [detail, setDetail] = useState<ModelVersionDetail | null>(null);
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const [markdown, setMarkdown] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (version === null) return;
    let live = true;
    setDetail(null);
    setEvaluation(null);
    setMarkdown(null);
    setError(null);
    void (async () => {
      try {
        const d = await client.version(name, version);
        if (!live) return;
        setDetail(d);
        const evalRaw = d.card.evaluation ?? parseJson(await client.artifact(name, version, 'evaluation.json'));
        const md =
          typeof d.card.markdown === 'string' ? d.card.markdown : await client.artifact(name, version, 'model-card.md');
        if (!live) return;
        setEvaluation(evalRaw === undefined ? null : parseEvaluation(evalRaw));
        setMarkdown(md ?? null);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
    })();
    return () => {
      live = false;
    };
  }, [client, name, version]);
  return { detail, evaluation, markdown, error };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function VersionDetail(props: {
  client: ApiClient;
  name: string;
  version: number;
  others: number[];
  compareWith: number | null;
  onCompare: (v: number | null) => void;
}) {
  const a = useVersion(props.client, props.name, props.version);
  const b = useVersion(props.client, props.name, props.compareWith);
  if (a.error !== null)
    return (
      <p className="error-box">
        Could not load version {props.version}: {a.error}
      </p>
    );
  if (a.detail === null) return <p className="muted">Loading version {props.version}…</p>;
  const d = a.detail;
  const rows = metricRows(d.metrics);
  const lin = lineage(d.card);
  return (
    <section className="card" aria-labelledby="ver-h" data-testid="version-detail">
      <h2 id="ver-h">
        {d.name} v{d.version}{' '}
        {d.aliases.map((x) => (
          <span key={x} className="tag">
            {x}
          </span>
        ))}
      </h2>
      <div className="grid2">
        <div>
          <h3>Lineage</h3>
          {lin.length === 0 ? (
            <p className="muted">No lineage recorded.</p>
          ) : (
            <dl className="kv">
              {lin.map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd>
                    <code>{v}</code>
                  </dd>
                </div>
              ))}
            </dl>
          )}
          <h3>Metrics</h3>
          <MetricsTable rows={rows} />
        </div>
        <div>
          {a.evaluation?.roc !== undefined && (
            <>
              <h3>ROC curve (held-out)</h3>
              <Chart
                option={curveOption(a.evaluation.roc, 'False positive rate', 'True positive rate')}
                label="ROC curve of the held-out evaluation"
                height={260}
              />
            </>
          )}
          {a.evaluation?.calibration !== undefined && (
            <>
              <h3>Calibration (held-out)</h3>
              <Chart
                option={curveOption(
                  a.evaluation.calibration,
                  'Predicted probability',
                  'Observed fraction potable',
                  true,
                )}
                label="Calibration curve: predicted probability against observed fraction of potable samples"
                height={260}
              />
            </>
          )}
          {a.evaluation?.confusion !== undefined && <Confusion c={a.evaluation.confusion} />}
          {a.evaluation === null && <p className="muted">No evaluation report is stored for this version.</p>}
        </div>
      </div>
      <details>
        <summary>Model card</summary>
        {a.markdown !== null ? (
          <pre className="card-md">{a.markdown}</pre>
        ) : (
          <dl className="kv">
            {Object.entries(d.card)
              .filter(([, v]) => typeof v !== 'object')
              .map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd>{String(v)}</dd>
                </div>
              ))}
          </dl>
        )}
      </details>
      <h3>Compare</h3>
      <label>
        Compare v{d.version} with{' '}
        <select
          className="narrow"
          value={props.compareWith ?? ''}
          onChange={(e) => props.onCompare(e.target.value === '' ? null : Number(e.target.value))}
        >
          <option value="">(choose a version)</option>
          {props.others.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
      {props.compareWith !== null && b.detail !== null && <Compare a={d} b={b.detail} />}
    </section>
  );
}

function MetricsTable({ rows }: { rows: MetricWithCi[] }) {
  if (rows.length === 0) return <p className="muted">No metrics recorded.</p>;
  return (
    <ScrollRegion>
      <table>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Set</th>
            <th scope="col">Value [95% CI or ±1 sd]</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr key={`${m.set}-${m.name}`}>
              <th scope="row">{metricLabel(m.name)}</th>
              <td>{m.set}</td>
              <td>{ciText(m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function Confusion({ c }: { c: { tp: number; fp: number; tn: number; fn: number } }) {
  return (
    <>
      <h3>Confusion matrix (held-out)</h3>
      <table>
        <thead>
          <tr>
            <td />
            <th scope="col">predicted potable</th>
            <th scope="col">predicted not potable</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">actually potable</th>
            <td>{c.tp}</td>
            <td>{c.fn}</td>
          </tr>
          <tr>
            <th scope="row">actually not potable</th>
            <td>{c.fp}</td>
            <td>{c.tn}</td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

function Compare({ a, b }: { a: ModelVersionDetail; b: ModelVersionDetail }) {
  const ra = metricRows(a.metrics);
  const rb = metricRows(b.metrics);
  const keys = [...new Set([...ra, ...rb].map((m) => `${m.set}|${m.name}`))];
  return (
    <ScrollRegion label="Comparison of two versions" testId="compare">
      <table>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">v{a.version}</th>
            <th scope="col">v{b.version}</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const [set, name] = k.split('|') as [string, string];
            const x = ra.find((m) => m.set === set && m.name === name);
            const y = rb.find((m) => m.set === set && m.name === name);
            return (
              <tr key={k}>
                <th scope="row">
                  {metricLabel(name)} <span className="small muted">({set})</span>
                </th>
                <td>{ciText(x)}</td>
                <td>{ciText(y)}</td>
                <td>{x !== undefined && y !== undefined ? formatNumber(y.value - x.value) : '—'}</td>
              </tr>
            );
          })}
          <tr>
            <th scope="row">Aliases</th>
            <td>{a.aliases.join(', ') || '—'}</td>
            <td>{b.aliases.join(', ') || '—'}</td>
            <td />
          </tr>
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function curveOption(c: Curve, xName: string, yName: string, points = false): ChartOption {
  return {
    animation: false,
    aria: { enabled: true },
    grid: { left: 56, right: 16, top: 16, bottom: 44 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', min: 0, max: 1, name: xName, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value', min: 0, max: 1, name: yName, nameLocation: 'middle', nameGap: 34 },
    series: [
      {
        type: 'line',
        name: yName,
        showSymbol: points,
        symbolSize: 7,
        data: c.x.map((x, i) => [x, c.y[i] ?? 0]),
        lineStyle: { width: 2, color: '#0b57a4' },
      },
      {
        type: 'line',
        name: 'chance / perfect calibration',
        showSymbol: false,
        silent: true,
        data: [
          [0, 0],
          [1, 1],
        ],
        lineStyle: { type: 'dashed', color: '#888' },
      },
    ],
  } as ChartOption;
}

function PromotePanel(props: { client: ApiClient; name: string; versions: number[]; onDone: () => Promise<void> }) {
  const [alias, setAlias] = useState('champion');
  const [version, setVersion] = useState<number>(props.versions[0] ?? 1);
  const [reason, setReason] = useState('');
  const [key, setKey] = useState('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [history, setHistory] = useState<AliasEvent[] | null | undefined>(undefined);
  const [local, setLocal] = useState<AliasEvent[]>([]);

  const loadHistory = useCallback(async () => {
    try {
      setHistory((await props.client.aliasHistory(props.name, alias)) ?? null);
    } catch {
      setHistory(null);
    }
  }, [props.client, props.name, alias]);

  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(alias)) {
      setMsg({
        ok: false,
        text: 'An alias is lower-case letters, digits, - or _, starting with a letter (e.g. champion).',
      });
      return;
    }
    if (reason.trim() === '') {
      setMsg({ ok: false, text: 'Give a reason: it is kept in the audit trail.' });
      return;
    }
    if (key.trim() === '') {
      setMsg({ ok: false, text: 'Enter the admin key to change an alias.' });
      return;
    }
    setBusy(true);
    setMsg(null);
    try {
      const r = await props.client.setAlias(props.name, alias, version, reason.trim(), key.trim());
      setMsg({
        ok: true,
        text: `${r.alias} now points at v${r.version}${r.previous === null ? '' : ` (was v${r.previous})`}${r.serving ? '; this server serves it now.' : '.'}`,
      });
      setLocal((l) => [
        {
          alias: r.alias,
          version: r.version,
          previous: r.previous,
          reason: reason.trim(),
          actor: 'you',
          at: new Date().toISOString(),
        },
        ...l,
      ]);
      setReason('');
      await loadHistory();
      await props.onDone();
    } catch (err) {
      const text =
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? 'The admin key was not accepted. Check it and try again.'
          : err instanceof ApiError
            ? `${err.message}${err.hint === undefined ? '' : ` ${err.hint}`}`
            : (err as Error).message;
      setMsg({ ok: false, text });
    } finally {
      setBusy(false);
    }
  };

  const events = useMemo(() => history ?? local, [history, local]);

  return (
    <section className="card" aria-labelledby="promote-h">
      <h2 id="promote-h">Promote or roll back</h2>
      <form onSubmit={submit} className="toolbar" noValidate>
        <label>
          Alias
          <input value={alias} onChange={(e) => setAlias(e.target.value)} name="alias" />
        </label>
        <label>
          Version
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))} name="version">
            {props.versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} name="reason" maxLength={500} />
        </label>
        <label>
          Admin key
          <input
            type="password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            name="admin-key"
            autoComplete="off"
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Point alias'}
        </button>
      </form>
      {msg !== null && (
        <p role={msg.ok ? 'status' : 'alert'} className={msg.ok ? 'info-box' : 'error-box'} data-testid="promote-msg">
          {msg.text}
        </p>
      )}
      <h3>Audit trail of “{alias}”</h3>
      {history === null && local.length === 0 && (
        <p className="muted">This server does not provide the alias history; changes made here are listed below.</p>
      )}
      {events.length === 0 ? (
        <p className="muted">No changes recorded.</p>
      ) : (
        <ScrollRegion>
          <table data-testid="audit" className="stack-sm">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={`${e.at}-${e.previous}-${e.version}-${e.reason}`}>
                  <td data-label="When">{e.at === '' ? '—' : new Date(e.at).toLocaleString()}</td>
                  <td data-label="Change">
                    {e.previous === null ? '' : `v${e.previous} → `}v{e.version}
                  </td>
                  <td data-label="By">{e.actor}</td>
                  <td data-label="Reason">{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
