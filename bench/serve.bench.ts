/**
 * `npm run bench:serve`: serving throughput and latency on this machine, next to the floor and
 * the Python-stack baseline. It trains a small model into a temporary registry (the CLI, in a
 * child process; GBM without a calibration wrapper, so one tree ensemble is scored and explained
 * per row) and starts the API server's bin in ANOTHER process on it, once with one worker and once
 * with one worker per core (`AQUAOPS_WORKERS`). The floor is a raw `node:http` server returning
 * constant JSON (what this machine's loopback, Node and the load generator allow), run both as one
 * process and as a `node:cluster` of as many processes as the multi-worker server, so each
 * configuration is compared with the floor of the same process count. The load generator is wrk
 * (as in the Python baseline; C, so it leaves the servers more of the 2 cores) when it is on PATH,
 * else autocannon: 32 connections, warm-up discarded, then ~10 s, over 64 different valid samples
 * (a few with missing values) so no single input's path is measured. Single-sample predict returns
 * the explanation (and, as context, is measured again with `?explain=false`). Targets: ≥ 60 % of the floor's req/s and p99 ≤ 10 ms. Then a 1M-row
 * NDJSON batch (no explanations) is generated on the fly and streamed through
 * `/api/v1/predict/batch`; target ≥ 200k rows/s end to end. The machine is shared, so
 * `/proc/loadavg` is printed before and after.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultCatalog, loadModel } from '@aquaops/ml';
import { FsArtifactStore, ModelRegistry, openStore } from '@aquaops/registry';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One load run, whichever generator made it. */
interface LoadResult {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

const ROOT = process.cwd();
const CLI = resolve(ROOT, 'apps/cli/bin/aquaops.mjs');
const SERVER = resolve(ROOT, 'apps/server/bin/aquaops-server.mjs');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_S = 3;
const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);

const children: ChildProcess[] = [];
const loadAvg = (): string =>
  existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : loadavg().join(' ');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.text();
      if (r.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} not ready after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startChild(args: string[], env: Record<string, string>): ChildProcess {
  const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  return c;
}

// The floor, as one process or (FLOOR_WORKERS > 1) a node:cluster sharing the port like the server's workers.
const FLOOR_SRC = `
const http = require('node:http');
const cluster = require('node:cluster');
const n = Number(process.env.FLOOR_WORKERS || 1);
if (n > 1 && cluster.isPrimary) {
  for (let i = 0; i < n; i++) cluster.fork();
} else {
  const body = JSON.stringify({ predictions: [{ verdict: 'potable', probability: 0.5 }] });
  http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
`;

/** 64 valid samples spread over the features' usual ranges; every 8th lacks Sulfate (as ~24 % of the public data do). */
function sampleBodies(): string[] {
  let s = 12345;
  const u = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const r = (lo: number, hi: number, dp: number): number => Number((lo + (hi - lo) * u()).toFixed(dp));
  const out: string[] = [];
  for (let i = 0; i < 64; i++) {
    out.push(
      JSON.stringify({
        ph: r(5, 9.5, 2),
        Hardness: r(120, 280, 1),
        Solids: r(5000, 40000, 0),
        Chloramines: r(4, 10, 2),
        Sulfate: i % 8 === 7 ? null : r(250, 420, 1),
        Conductivity: r(300, 600, 1),
        Organic_carbon: r(8, 20, 2),
        Trihalomethanes: r(40, 95, 1),
        Turbidity: r(2.5, 5.5, 2),
      }),
    );
  }
  return out;
}

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

const WRK = findOnPath('wrk');

// Requests are formatted once per thread; `done` prints one JSON line the bench parses.
const WRK_LUA = `
local reqs = {}
init = function(args)
  local f = assert(io.open(args[1], "r"))
  for line in f:lines() do
    reqs[#reqs + 1] = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, line)
  end
  f:close()
end
local i = 0
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
`;

async function load(
  url: string,
  bodiesFile: string,
  bodies: readonly string[],
  seconds: number,
  connections = 32,
): Promise<LoadResult> {
  if (WRK !== undefined) {
    const script = join(dirname(bodiesFile), 'load.lua');
    if (!existsSync(script)) writeFileSync(script, WRK_LUA);
    const { stdout } = await promisify(execFile)(
      WRK,
      ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url, '--', bodiesFile],
      { maxBuffer: 1 << 20 },
    );
    const line = stdout.split('\n').find((l) => l.startsWith('{"requests"'));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
    const w = JSON.parse(line) as Record<string, number>;
    const n = (k: string): number => w[k] ?? 0;
    return {
      rps: n('requests') / (n('durationUs') / 1e6),
      p50Ms: n('p50Us') / 1000,
      p99Ms: n('p99Us') / 1000,
      non2xx: n('status'),
      errors: n('connect') + n('read') + n('write') + n('timeout'),
    };
  }
  const r = await autocannon({
    url,
    method: 'POST',
    connections,
    pipelining: 1,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: bodies.map((body) => ({ body })),
  });
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** Sum of a counter's samples over all label sets in the server's /metrics text. */
async function metricSum(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

function fmt(r: LoadResult): string {
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
}

/** Streams `rows` generated NDJSON rows through the batch endpoint; returns rows/s and counts. */
async function batch(
  url: string,
  rows: number,
): Promise<{ seconds: number; results: number; errors: number; mb: number }> {
  const u = new URL(url);
  const t0 = process.hrtime.bigint();
  let sent = 0;
  const out = await new Promise<{ results: number; errors: number }>((res, rej) => {
    let results = 0;
    let errors = 0;
    let tail = '';
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
      },
      (resp) => {
        resp.setEncoding('utf8');
        resp.on('data', (d: string) => {
          // Count records cheaply: newlines, and error records by their key.
          let i = -1;
          for (;;) {
            i = d.indexOf('\n', i + 1);
            if (i < 0) break;
            results++;
          }
          const s = tail + d;
          let j = -1;
          for (;;) {
            j = s.indexOf('"error"', j + 1);
            if (j < 0) break;
            errors++;
          }
          tail = d.slice(-8);
        });
        resp.on('end', () => res({ results, errors }));
        resp.on('error', rej);
      },
    );
    req.on('error', rej);
    let i = 0;
    const pump = (): void => {
      while (i < rows) {
        let s = '';
        for (let k = 0; k < 2000 && i < rows; k++, i++) {
          s += `{"ph":${(6 + (i % 300) / 100).toFixed(2)},"Hardness":${150 + (i % 100)},"Solids":21000,"Chloramines":7,"Sulfate":330,"Conductivity":420,"Organic_carbon":14,"Trihalomethanes":66,"Turbidity":4}\n`;
        }
        sent += s.length;
        if (!req.write(s)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, ...out, mb: sent / 1e6 };
}

/** Time to score and explain one row with the registered champion, in-process, over the bench's samples (µs, median of 5 runs). */
async function explainCost(storeUrl: string, artifactDir: string): Promise<number> {
  const store = await openStore(storeUrl);
  try {
    const reg = new ModelRegistry(store, new FsArtifactStore(artifactDir));
    const v = await reg.resolve('potability@champion');
    const model = loadModel(
      new TextDecoder().decode(await reg.loadArtifact('potability', v.version, 'model.json')),
      defaultCatalog(),
    );
    const Xs = sampleBodies().map((b) => ({
      nRows: 1,
      nCols: 9,
      data: Float64Array.from(Object.values(JSON.parse(b) as Record<string, number | null>), (v) => v ?? Number.NaN),
    }));
    const runs: number[] = [];
    for (let r = 0; r < 6; r++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 320; i++) {
        const X = Xs[i % Xs.length]!;
        model.predictProba(X);
        model.explain(X);
      }
      runs.push(Number(process.hrtime.bigint() - t) / 1e3 / 320);
    }
    return runs.slice(1).sort((a, b) => a - b)[2]!;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aq-bench-serve-'));
  const store = `sqlite:${join(dir, 'registry.db')}`;
  const artifacts = join(dir, 'artifacts');
  try {
    console.log(`load before: ${loadAvg()}`);
    console.log('training a small model (gbm, 2 trials, 3 folds, no calibration) into a temporary registry…');
    await promisify(execFile)(
      process.execPath,
      [
        CLI,
        'train',
        '--families',
        'gbm',
        '--trials',
        '2',
        '--folds',
        '3',
        '--calibration',
        'off',
        '--store',
        store,
        '--artifacts',
        artifacts,
        '--model-name',
        'potability',
        '--json',
      ],
      { cwd: dir, maxBuffer: 1 << 24 },
    );
    const explainUs = await explainCost(store, artifacts);
    const cores = availableParallelism();
    const bodies = sampleBodies();
    const bodiesFile = join(dir, 'bodies.ndjson');
    writeFileSync(bodiesFile, `${bodies.join('\n')}\n`);
    console.log(
      `load generator: ${WRK === undefined ? "autocannon (wrk not on PATH; `apt-get install wrk` for the baseline's tool)" : `wrk (${WRK}), 1 thread`}; ${cores} cores`,
    );

    const startApi = async (workers: number): Promise<{ url: string; child: ChildProcess }> => {
      const port = await freePort();
      const child = startChild([SERVER], {
        AQUAOPS_PORT: String(port),
        AQUAOPS_HOST: '127.0.0.1',
        AQUAOPS_STORE_URL: store,
        AQUAOPS_ARTIFACT_DIR: artifacts,
        AQUAOPS_MODEL_NAME: 'potability',
        AQUAOPS_LOG_LEVEL: 'warn',
        AQUAOPS_RATE_LIMIT_MAX: '1000000',
        AQUAOPS_RATE_LIMIT_WINDOW_MS: '1000',
        AQUAOPS_BATCH_MAX_ROWS: String(Math.max(BATCH_ROWS, 1)),
        AQUAOPS_WORKERS: String(workers),
      });
      const url = `http://127.0.0.1:${port}`;
      await waitFor(`${url}/readyz`, 30_000);
      // Every worker loads the model on its own; give the others time to become ready too.
      await new Promise((r) => setTimeout(r, workers > 1 ? 3000 : 300));
      return { url, child };
    };
    const stop = async (child: ChildProcess): Promise<void> => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
    const startFloor = async (workers: number): Promise<{ url: string; child: ChildProcess }> => {
      const port = await freePort();
      // A file, not `-e`: cluster workers re-run the primary's script.
      const file = join(dir, 'floor.cjs');
      if (!existsSync(file)) writeFileSync(file, FLOOR_SRC);
      const child = startChild([file], { PORT: String(port), FLOOR_WORKERS: String(workers) });
      const url = `http://127.0.0.1:${port}/`;
      await waitFor(url, 10_000);
      await new Promise((r) => setTimeout(r, 300));
      return { url, child };
    };
    const measure = async (url: string): Promise<LoadResult> => {
      await load(url, bodiesFile, bodies, WARMUP_S);
      return load(url, bodiesFile, bodies, DURATION_S);
    };

    const rows: {
      label: string;
      workers: number;
      floor: LoadResult;
      api: LoadResult;
      lean: LoadResult;
      served: number;
      dropped: number;
    }[] = [];
    let serial: LoadResult | undefined;
    for (const workers of cores > 1 ? [1, cores] : [1]) {
      const f = await startFloor(workers);
      const floor = await measure(f.url);
      await stop(f.child);
      const a = await startApi(workers);
      const check = await fetch(`${a.url}/api/v1/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[7] as string,
      });
      const first = (await check.json()) as { predictions?: { explanation?: { contributions?: unknown[] } }[] };
      if (check.status !== 200 || first.predictions?.[0]?.explanation?.contributions?.length !== 9) {
        throw new Error(
          `predict did not answer with an explanation: ${check.status} ${JSON.stringify(first).slice(0, 300)}`,
        );
      }
      const api = await measure(`${a.url}/api/v1/predict`);
      const lean = await measure(`${a.url}/api/v1/predict?explain=false`);
      const served = await metricSum(a.url, 'aquaops_predictions_total');
      const dropped = await metricSum(a.url, 'aquaops_prediction_log_dropped_total');
      if (workers === 1)
        serial = await load(`${a.url}/api/v1/predict`, bodiesFile, bodies, Math.max(3, Math.round(DURATION_S / 2)), 1);
      await stop(a.child);
      rows.push({
        label: workers === 1 ? '1 process' : `${workers} processes`,
        workers,
        floor,
        api,
        lean,
        served,
        dropped,
      });
    }
    console.log(`load after single-sample runs: ${loadAvg()}`);

    const baseline = JSON.parse(readFileSync(resolve(ROOT, '../shared/baseline/serve.json'), 'utf8')) as {
      results: { config: string; workers: number; wrk_connections: number; rps: number; p99_ms: number }[];
    };
    const pyBest = baseline.results
      .filter((r) => r.config.startsWith('fastapi-rf100') && r.wrk_connections === 32)
      .sort((a, b) => b.rps - a.rps)[0];

    console.log(
      '\nsingle-sample predict with explanation, 32 connections, %d s after %d s warm-up, 64 rotating samples',
      DURATION_S,
      WARMUP_S,
    );
    let best = rows[0]!;
    for (const r of rows) {
      const ratio = r.api.rps / r.floor.rps;
      console.log(`  ${r.label}:`);
      console.log(`    floor (raw node:http, constant JSON): ${fmt(r.floor)}`);
      console.log(`    aquaops /api/v1/predict:              ${fmt(r.api)}`);
      console.log(
        `    ratio to the floor of the same process count: ${(ratio * 100).toFixed(1)} % (target ≥ 60 %) ${ratio >= 0.6 ? 'PASS' : 'MISS'}; p99 ${r.api.p99Ms.toFixed(2)} ms (target ≤ 10 ms) ${r.api.p99Ms <= 10 ? 'PASS' : 'MISS'}`,
      );
      console.log(
        `    without the explanation (?explain=false, context): ${fmt(r.lean)} — ${((r.lean.rps / r.floor.rps) * 100).toFixed(1)} % of the floor`,
      );
      console.log(`    prediction log: ${r.served} predictions served (all workers), ${r.dropped} log entries dropped`);
      if (r.api.rps > best.api.rps) best = r;
    }
    if (rows.length > 1) {
      console.log(
        `  best aquaops (${best.label}) vs the one-process floor: ${((best.api.rps / rows[0]!.floor.rps) * 100).toFixed(1)} %`,
      );
    }
    if (serial !== undefined) {
      console.log(
        `  1 connection, 1 process (service time): ${fmt(serial)}; the model's own scoring + explanation of one row costs ${explainUs.toFixed(0)} µs in-process (ceiling ${Math.round(1e6 / explainUs)} req/s per core)`,
      );
    }
    if (pyBest !== undefined) {
      console.log(
        `  Python baseline best (${pyBest.config}, ${pyBest.workers} workers): ${pyBest.rps} req/s, p99 ${pyBest.p99_ms} ms → aquaops (${best.label}) is ${(best.api.rps / pyBest.rps).toFixed(1)}× its req/s`,
      );
    }

    if (BATCH_ROWS > 0) {
      const a = await startApi(1);
      const b = await batch(`${a.url}/api/v1/predict/batch`, BATCH_ROWS);
      await stop(a.child);
      const rps = BATCH_ROWS / b.seconds;
      console.log(
        `\nbatch NDJSON, no explanations: ${BATCH_ROWS} rows (${b.mb.toFixed(0)} MB) in ${b.seconds.toFixed(2)} s`,
      );
      console.log(
        `  ${Math.round(rps)} rows/s end to end (target ≥ 200000) ${rps >= 200_000 ? 'PASS' : 'MISS'}; ${b.results} results, ${b.errors} errors`,
      );
    }
    console.log(`\nload after: ${loadAvg()}`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  console.error(err);
  process.exitCode = 1;
});
