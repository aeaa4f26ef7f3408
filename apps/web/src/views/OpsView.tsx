/**
 * Operations view (loaded on first visit), refreshed every few seconds: recent predictions,
 * traffic per model version and route (A/B, shadow, batch), latency percentiles, the verdict mix
 * over time, feedback received and realised accuracy. It reads `/api/v1/ops/*`; a server without
 * a registry behind it has no prediction log, and then the view falls back to what `/metrics`
 * tells (counts and latency since start) and says so. A marked region awaits the drift panels.
 */
import { LineChart } from 'echarts/charts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import type { OpsPredictions, OpsSummary } from '../api/types.js';
import { Chart, type ChartOption, echarts } from '../charts/Chart.js';
import { formatNumber } from '../lib/form.js';
import { histogramQuantile, parseProm, sumBy } from '../lib/prom.js';
import { labResultWords, verdictWords } from '../lib/verdict.js';
import { ScrollRegion } from './ScrollRegion.js';

echarts.use([LineChart]);

const POLL_MS = 5000;

interface Snapshot {
  readonly at: string;
  readonly summary: OpsSummary | null;
  readonly recent: OpsPredictions['predictions'] | null;
  /** Why the registry-backed data is missing (the server's words), when it is. */
  readonly note: string | null;
  readonly fallback: FallbackStats | null;
}

interface FallbackStats {
  readonly traffic: { version: string; route: string; verdict: string; count: number }[];
  readonly latency: { route: string; p50: number | null; p95: number | null }[];
  readonly feedback: number;
}

function fallbackFrom(text: string): FallbackStats {
  const s = parseProm(text);
  const traffic = [...sumBy(s, 'aquaops_predictions_total', ['model_version', 'route', 'verdict'])].map(
    ([k, count]) => {
      const [version, route, verdict] = k.split('|') as [string, string, string];
      return { version, route, verdict, count };
    },
  );
  const routes = [
    ...new Set(
      s.filter((x) => x.name === 'aquaops_prediction_duration_seconds_bucket').map((x) => x.labels.route ?? ''),
    ),
  ];
  const latency = routes.map((route) => {
    const q = (p: number): number | null => {
      const v = histogramQuantile(s, 'aquaops_prediction_duration_seconds', p, { route });
      return v === null ? null : v * 1000;
    };
    return { route, p50: q(0.5), p95: q(0.95) };
  });
  const feedback = [...sumBy(s, 'aquaops_feedback_total', [])].reduce((a, [, v]) => a + v, 0);
  return { traffic, latency, feedback };
}

export function OpsView({ client }: { client: ApiClient }) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    let live = true;
    const tick = async (): Promise<void> => {
      try {
        let summary: OpsSummary | null = null;
        let recent: OpsPredictions['predictions'] | null = null;
        let note: string | null = null;
        let fallback: FallbackStats | null = null;
        try {
          [summary, recent] = await Promise.all([
            client.opsSummary(24, 15),
            client.opsPredictions(25).then((r) => r.predictions),
          ]);
        } catch (err) {
          if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 405)) throw err;
          note = err.message.startsWith('no route')
            ? 'This server has no operations endpoints yet.'
            : `${err.message}${err.hint === undefined ? '' : ` ${err.hint}`}`;
          fallback = fallbackFrom(await client.metricsText());
        }
        if (!live) return;
        setSnap({ at: new Date().toLocaleTimeString(), summary, recent, note, fallback });
        setError(null);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
      if (live && !paused) timer.current = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      live = false;
      window.clearTimeout(timer.current);
    };
  }, [client, paused]);

  return (
    <>
      <section className="card" aria-labelledby="ops-h">
        <h1 id="ops-h">Operations</h1>
        <p className="muted" aria-live="polite">
          {paused ? 'Updates paused.' : `Updates every ${POLL_MS / 1000} s.`}
          {snap !== null && ` Last update ${snap.at}.`}{' '}
          <button type="button" className="link" onClick={() => setPaused((p) => !p)}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        </p>
        {error !== null && (
          <p role="alert" className="error-box">
            Could not refresh: {error}
          </p>
        )}
        {snap?.note != null && (
          <p className="info-box">{snap.note} Showing the counters of this server process instead.</p>
        )}
        {snap === null && <p className="muted">Loading…</p>}
        {snap?.summary != null && <Stats s={snap.summary} />}
        {snap?.fallback != null && <FallbackView f={snap.fallback} />}
      </section>
      {snap?.summary != null && <SummaryCharts s={snap.summary} />}
      {snap?.recent != null && <Recent rows={snap.recent} />}
      <section className="card placeholder" aria-labelledby="drift-h" data-testid="drift-placeholder">
        <h2 id="drift-h">Data drift</h2>
        <p>
          Reserved for the drift panels of the monitoring service (feature distributions against the training reference,
          drift tests and estimated performance). Nothing is computed here yet.
        </p>
      </section>
    </>
  );
}

function Stats({ s }: { s: OpsSummary }) {
  const total = s.traffic.reduce((a, t) => a + t.count, 0);
  const lat = s.latency.predict ?? Object.values(s.latency)[0];
  const labelled = s.feedback.byVersion.reduce((a, v) => a + v.n, 0);
  const correct = s.feedback.byVersion.reduce((a, v) => a + v.tp + v.tn, 0);
  return (
    <div className="stats" data-testid="ops-stats">
      <div className="stat">
        Predictions (24 h)<b>{total}</b>
      </div>
      <div className="stat">
        Serving<b>{s.serving === null ? '—' : `v${s.serving.version}`}</b>
      </div>
      <div className="stat">
        Latency p50 / p95
        <b>
          {lat?.p50Ms == null ? '—' : `${formatNumber(lat.p50Ms)} ms`} /{' '}
          {lat?.p95Ms == null ? '—' : `${formatNumber(lat.p95Ms)} ms`}
        </b>
      </div>
      <div className="stat">
        Lab confirmations<b>{s.feedback.count}</b>
      </div>
      <div className="stat">
        Realised accuracy<b>{labelled === 0 ? '—' : `${((100 * correct) / labelled).toFixed(1)}%`}</b>
        <span className="small muted">{labelled === 0 ? 'no labels yet' : `on ${labelled} labelled`}</span>
      </div>
    </div>
  );
}

function SummaryCharts({ s }: { s: OpsSummary }) {
  const traffic = useMemo<ChartOption>(
    () => ({
      animation: false,
      aria: { enabled: true },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: s.traffic.map((t) => `v${t.version} · ${t.route}`) },
      series: [
        {
          type: 'bar',
          name: 'predictions',
          barMaxWidth: 28,
          data: s.traffic.map((t) => t.count),
          itemStyle: { color: '#0b57a4' },
        },
      ],
    }),
    [s.traffic],
  );
  const mix = useMemo<ChartOption>(() => {
    const buckets = [...new Set(s.verdicts.map((v) => v.bucket))].sort();
    const verdicts = [...new Set(s.verdicts.map((v) => v.verdict))].sort();
    return {
      animation: false,
      aria: { enabled: true },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      tooltip: { trigger: 'axis' },
      xAxis: {
        type: 'category',
        data: buckets.map((b) => new Date(b).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: verdicts.map((v) => ({
        type: 'bar',
        stack: 'mix',
        barMaxWidth: 48,
        name: verdictWords(v),
        itemStyle: { color: /not|non/.test(v) ? '#b42318' : '#1a7f37' },
        data: buckets.map((b) =>
          s.verdicts.filter((x) => x.bucket === b && x.verdict === v).reduce((a, x) => a + x.count, 0),
        ),
      })),
    } as ChartOption;
  }, [s.verdicts]);
  return (
    <div className="grid2">
      <section className="card" aria-labelledby="traffic-h">
        <h2 id="traffic-h">Traffic per version and route</h2>
        {s.traffic.length === 0 ? (
          <p className="muted">No predictions in the window.</p>
        ) : (
          <Chart
            option={traffic}
            label={s.traffic.map((t) => `version ${t.version} ${t.route}: ${t.count}`).join('; ')}
            height={Math.max(160, 40 * s.traffic.length + 40)}
          />
        )}
        {s.feedback.byVersion.length > 0 && (
          <ScrollRegion>
            <table>
              <caption>Realised accuracy from lab confirmations</caption>
              <thead>
                <tr>
                  <th scope="col">Version · route</th>
                  <th scope="col">Labelled</th>
                  <th scope="col">Accuracy</th>
                </tr>
              </thead>
              <tbody>
                {s.feedback.byVersion.map((v) => (
                  <tr key={`${v.version}-${v.route}`}>
                    <th scope="row">
                      v{v.version} · {v.route}
                    </th>
                    <td>{v.n}</td>
                    <td>{v.accuracy === null ? '—' : `${(v.accuracy * 100).toFixed(1)}%`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </section>
      <section className="card" aria-labelledby="mix-h">
        <h2 id="mix-h">Verdict mix over time</h2>
        {s.verdicts.length === 0 ? (
          <p className="muted">No predictions in the window.</p>
        ) : (
          <Chart option={mix} label="Number of predictions per verdict per time bucket" height={260} />
        )}
      </section>
    </div>
  );
}

function FallbackView({ f }: { f: FallbackStats }) {
  return (
    <div className="grid2">
      <ScrollRegion>
        <table>
          <caption>Predictions since this server started</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Route</th>
              <th scope="col">Verdict</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {f.traffic.map((t) => (
              <tr key={`${t.version}-${t.route}-${t.verdict}`}>
                <td>v{t.version}</td>
                <td>{t.route}</td>
                <td>{verdictWords(t.verdict)}</td>
                <td>{t.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      <ScrollRegion>
        <table>
          <caption>Latency and feedback</caption>
          <tbody>
            {f.latency.map((l) => (
              <tr key={l.route}>
                <th scope="row">{l.route} p50 / p95</th>
                <td>
                  {l.p50 === null ? '—' : `${formatNumber(l.p50)} ms`} /{' '}
                  {l.p95 === null ? '—' : `${formatNumber(l.p95)} ms`}
                </td>
              </tr>
            ))}
            <tr>
              <th scope="row">Lab confirmations</th>
              <td>{f.feedback}</td>
            </tr>
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}

function Recent({ rows }: { rows: OpsPredictions['predictions'] }) {
  return (
    <section className="card" aria-labelledby="recent-h">
      <h2 id="recent-h">Recent predictions</h2>
      {rows.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <ScrollRegion>
          <table data-testid="recent" className="stack-sm">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Version · route</th>
                <th scope="col">Verdict</th>
                <th scope="col">Probability</th>
                <th scope="col">Latency</th>
                <th scope="col">Lab result</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.id}>
                  <td data-label="Time">{new Date(p.ts).toLocaleTimeString()}</td>
                  <td data-label="Version · route">
                    v{p.version} · {p.route}
                  </td>
                  <td data-label="Verdict">{verdictWords(p.verdict)}</td>
                  <td data-label="Probability">{(p.probability * 100).toFixed(1)}%</td>
                  <td data-label="Latency">{formatNumber(p.latencyMs)} ms</td>
                  <td data-label="Lab result">{labResultWords(p.feedback)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
