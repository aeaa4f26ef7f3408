/**
 * `npm run bench:serve`: serving throughput and latency on this machine, next to the floor and
 * the Python-stack baseline. It trains a small model into a temporary registry (the CLI, in a
 * child process; GBM without a calibration wrapper, so one tree ensemble is scored and explained
 * per row), starts the API server's bin in ANOTHER process on it, and a raw `node:http`
 * server returning constant JSON in a third process (the floor: what this machine's loopback,
 * Node and the load generator allow). autocannon (32 connections, warm-up discarded, then
 * ~10 s) hits single-sample predict — which always returns the explanation — and the floor.
 * Targets: ≥ 60 % of the floor's req/s and p99 ≤ 10 ms. Then a 1M-row NDJSON batch (no
 * explanations) is generated on the fly and streamed through `/api/v1/predict/batch`; target
 * ≥ 200k rows/s end to end. The machine is shared, so `/proc/loadavg` is printed before and after.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultCatalog, loadModel } from '@aquaops/ml';
import { FsArtifactStore, ModelRegistry, openStore } from '@aquaops/registry';

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly p99_9?: number; readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const ROOT = process.cwd();
const CLI = resolve(ROOT, 'apps/cli/bin/aquaops.mjs');
const SERVER = resolve(ROOT, 'apps/server/bin/aquaops-server.mjs');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_S = 3;
const BATCH_ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);
const SAMPLE = {
  ph: 7.1,
  Hardness: 200,
  Solids: 21000,
  Chloramines: 7,
  Sulfate: 330,
  Conductivity: 420,
  Organic_carbon: 14,
  Trihalomethanes: 66,
  Turbidity: 4,
};

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

const FLOOR_SRC = `
const http = require('node:http');
const body = JSON.stringify({ predictions: [{ verdict: 'potable', probability: 0.5 }] });
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function load(url: string, body: string, seconds: number): Promise<AutocannonResult> {
  return autocannon({
    url,
    method: 'POST',
    connections: 32,
    pipelining: 1,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body,
  });
}

function fmt(r: AutocannonResult): string {
  return `${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`;
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

/** Time to score and explain one row with the registered champion, in-process (µs, median of 5 runs). */
async function explainCost(storeUrl: string, artifactDir: string): Promise<number> {
  const store = await openStore(storeUrl);
  try {
    const reg = new ModelRegistry(store, new FsArtifactStore(artifactDir));
    const v = await reg.resolve('potability@champion');
    const model = loadModel(
      new TextDecoder().decode(await reg.loadArtifact('potability', v.version, 'model.json')),
      defaultCatalog(),
    );
    const X = { nRows: 1, nCols: 9, data: Float64Array.from(Object.values(SAMPLE)) };
    const runs: number[] = [];
    for (let r = 0; r < 6; r++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 300; i++) {
        model.predictProba(X);
        model.explain(X);
      }
      runs.push(Number(process.hrtime.bigint() - t) / 1e3 / 300);
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
    const apiPort = await freePort();
    const floorPort = await freePort();
    startChild([SERVER], {
      AQUAOPS_PORT: String(apiPort),
      AQUAOPS_HOST: '127.0.0.1',
      AQUAOPS_STORE_URL: store,
      AQUAOPS_ARTIFACT_DIR: artifacts,
      AQUAOPS_MODEL_NAME: 'potability',
      AQUAOPS_LOG_LEVEL: 'warn',
      AQUAOPS_RATE_LIMIT_MAX: '1000000',
      AQUAOPS_RATE_LIMIT_WINDOW_MS: '1000',
      AQUAOPS_BATCH_MAX_ROWS: String(Math.max(BATCH_ROWS, 1)),
    });
    startChild(['-e', FLOOR_SRC], { PORT: String(floorPort) });
    const api = `http://127.0.0.1:${apiPort}`;
    const floorUrl = `http://127.0.0.1:${floorPort}/`;
    await waitFor(`${api}/readyz`, 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const body = JSON.stringify(SAMPLE);

    const check = await fetch(`${api}/api/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const first = (await check.json()) as { predictions?: { explanation?: { contributions?: unknown[] } }[] };
    if (check.status !== 200 || first.predictions?.[0]?.explanation?.contributions?.length !== 9) {
      throw new Error(
        `predict did not answer with an explanation: ${check.status} ${JSON.stringify(first).slice(0, 300)}`,
      );
    }

    await load(floorUrl, body, WARMUP_S);
    const floor = await load(floorUrl, body, DURATION_S);
    await load(`${api}/api/v1/predict`, body, WARMUP_S);
    const predict = await load(`${api}/api/v1/predict`, body, DURATION_S);
    const serial = await autocannon({
      url: `${api}/api/v1/predict`,
      method: 'POST',
      connections: 1,
      duration: Math.max(3, Math.round(DURATION_S / 2)),
      headers: { 'content-type': 'application/json' },
      body,
    });
    console.log(`load after single-sample runs: ${loadAvg()}`);

    const baseline = JSON.parse(readFileSync(resolve(ROOT, '../shared/baseline/serve.json'), 'utf8')) as {
      results: { config: string; workers: number; wrk_connections: number; rps: number; p99_ms: number }[];
    };
    const pyBest = baseline.results
      .filter((r) => r.config.startsWith('fastapi-rf100') && r.wrk_connections === 32)
      .sort((a, b) => b.rps - a.rps)[0];

    const ratio = predict.requests.average / floor.requests.average;
    console.log(
      '\nsingle-sample predict with explanation, 32 connections, %d s after %d s warm-up',
      DURATION_S,
      WARMUP_S,
    );
    console.log(`  floor (raw node:http, constant JSON): ${fmt(floor)}`);
    console.log(`  aquaops /api/v1/predict:              ${fmt(predict)}`);
    console.log(`  ratio to floor: ${(ratio * 100).toFixed(1)} % (target ≥ 60 %) ${ratio >= 0.6 ? 'PASS' : 'MISS'}`);
    console.log(`  p99 ${predict.latency.p99} ms (target ≤ 10 ms) ${predict.latency.p99 <= 10 ? 'PASS' : 'MISS'}`);
    console.log(
      `  1 connection (service time): ${fmt(serial)}; the model's own scoring + explanation of one row costs ${explainUs.toFixed(0)} µs (ceiling ${Math.round(1e6 / explainUs)} req/s per core)`,
    );
    if (pyBest !== undefined) {
      console.log(
        `  Python baseline best (${pyBest.config}, ${pyBest.workers} workers): ${pyBest.rps} req/s, p99 ${pyBest.p99_ms} ms → aquaops is ${(predict.requests.average / pyBest.rps).toFixed(1)}× its req/s`,
      );
    }

    if (BATCH_ROWS > 0) {
      const b = await batch(`${api}/api/v1/predict/batch`, BATCH_ROWS);
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
