/**
 * The packaged bin with `AQUAOPS_WORKERS=2` on a temporary SQLite registry holding real engine
 * models, as an operator runs it: concurrent predictions are all answered and spread over both
 * worker processes (told apart by the `pid` of their JSON request logs — nothing new is exposed to
 * clients); `/metrics` from any worker is the cluster's sum; a promotion made in this process is
 * picked up by every worker; A/B routing set through the API (received by one worker) is applied
 * by both within the poll interval, and so is clearing it; a worker killed with SIGKILL is replaced (logged at ERROR) while
 * requests keep succeeding; SIGTERM to the primary stops every process cleanly, with every
 * answered prediction in the prediction log — including those in flight when the signal came.
 * Requests use a fresh connection each (no keep-alive), so which worker answers is the cluster's
 * choice and no client-side connection reuse can hide or cause a failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, adminHash, GOOD_SAMPLE } from './testing/fixtures.js';
import { openKit, registerVersion, type StoreKit } from './testing/registry-fixtures.js';

const BIN = path.resolve(process.cwd(), 'apps/server/bin/aquaops-server.mjs');
const MODEL = 'water-potability';

interface LogRecord {
  readonly level: number;
  readonly pid: number;
  readonly msg: string;
  readonly name?: string;
  readonly reqId?: string;
  readonly req?: { readonly url?: string };
  readonly url?: string;
  readonly workerPid?: number;
  readonly workerPids?: readonly number[];
  readonly signal?: string | null;
  readonly code?: number | null;
  readonly reason?: string;
}

let kit: StoreKit;
let child: ChildProcess;
let exited: Promise<number | null>;
/** JSON log records of the running cluster (all its processes share stdout). */
let logs: LogRecord[] = [];
const allLogs: LogRecord[][] = [];
const children: ChildProcess[] = [];
let base = '';
let primaryPid = 0;
/** Prediction ids of every 200 answer, over the whole file. */
const answered = new Set<string>();

function post(
  pathname: string,
  body: unknown,
  options: { readonly method?: string; readonly headers?: Readonly<Record<string, string>> } = {},
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      `${base}${pathname}`,
      {
        method: options.method ?? 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text === '' ? null : JSON.parse(text) }));
      },
    );
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`no answer to ${options.method ?? 'POST'} ${pathname} within 10 s`)),
    );
    req.on('error', reject);
    req.end(data);
  });
}

function get(pathname: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${pathname}`, { agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}

interface Predicted {
  readonly status: number;
  readonly version?: number;
  readonly id?: string;
  readonly route?: string;
}

async function predict(): Promise<Predicted> {
  const r = await post('/api/v1/predict', GOOD_SAMPLE);
  if (r.status !== 200) return { status: r.status };
  const p = (r.json as { predictions: { predictionId: string; route: string; model: { version: number } }[] })
    .predictions[0];
  if (p === undefined) throw new Error('no prediction in a 200 answer');
  answered.add(p.predictionId);
  return { status: 200, version: p.model.version, id: p.predictionId, route: p.route };
}

/** `n` predictions, `concurrency` at a time. */
async function predictMany(n: number, concurrency: number): Promise<Predicted[]> {
  const out: Predicted[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        out.push(await predict());
      }
    }),
  );
  return out;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Worker pids whose JSON logs show an incoming predict request, from log record `from` on. */
/**
 * 8 clients predicting in a loop; after 20 answers the primary gets `signal`. A refused request
 * ends that client (the server has stopped accepting). Resolves to whether the signal was sent.
 */
async function loadThenSignal(signal: NodeJS.Signals): Promise<boolean> {
  let done = 0;
  let signalled = false;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 30; i++) {
        try {
          await predict();
        } catch {
          return;
        }
        done++;
        if (done >= 20 && !signalled) {
          signalled = true;
          child.kill(signal);
        }
      }
    }),
  );
  return signalled;
}

function predictPids(from = 0): Set<number> {
  return new Set(
    logs
      .slice(from)
      .filter((r) => r.msg === 'incoming request' && r.req?.url === '/api/v1/predict')
      .map((r) => r.pid),
  );
}

/** The sum of every series of a counter in exposition text. */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function loggedCount(): Promise<number> {
  const counts = await kit.store.predictionCounts({ model: MODEL });
  return counts.reduce((s, c) => s + c.count, 0);
}

/** Starts the bin with two workers on the kit's registry; resolves once both are listening. */
async function startCluster(): Promise<void> {
  logs = [];
  const mine = logs;
  allLogs.push(mine);
  child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      AQUAOPS_WORKERS: '2',
      AQUAOPS_PORT: '0',
      AQUAOPS_HOST: '127.0.0.1',
      AQUAOPS_STORE_URL: kit.url ?? '',
      AQUAOPS_ARTIFACT_DIR: kit.artifactDir,
      AQUAOPS_MODEL_NAME: MODEL,
      AQUAOPS_MODEL_POLL_MS: '200',
      AQUAOPS_ADMIN_KEY_HASHES: adminHash(),
      AQUAOPS_LOG_FLUSH_MS: '50',
      AQUAOPS_LOG_LEVEL: 'info',
      AQUAOPS_RATE_LIMIT_MAX: '1000000',
      AQUAOPS_SHUTDOWN_TIMEOUT_MS: '5000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const pid = child.pid ?? 0;
  primaryPid = pid;
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) mine.push(JSON.parse(line) as LogRecord);
    }
  });
  const c = child;
  exited = new Promise((resolve) => c.once('exit', (code) => resolve(code)));
  const ready = await waitFor('all workers listening', () =>
    mine.find((r) => r.pid === pid && r.msg === 'all workers listening'),
  );
  base = ready.url ?? '';
}

beforeAll(async () => {
  kit = await openKit('sqlite');
  const v1 = await registerVersion(kit.registry, 1);
  await registerVersion(kit.registry, 2);
  await kit.registry.promote({ model: MODEL, version: v1, alias: 'champion', reason: 'first', actor: 'test' });
  await startCluster();
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of allLogs.flat())
    if (r.workerPid !== undefined && alive(r.workerPid)) process.kill(r.workerPid, 'SIGKILL');
  await kit.dispose();
});

describe('aquaops-server with AQUAOPS_WORKERS=2', () => {
  let workers: number[] = [];

  it('serves concurrent predictions from both workers, all 200', async () => {
    const ready = logs.find((r) => r.msg === 'all workers listening');
    workers = [...(ready?.workerPids ?? [])];
    expect(new Set(workers).size).toBe(2);
    expect(workers).not.toContain(primaryPid);
    const from = logs.length;
    const results = await predictMany(200, 16);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.every((r) => r.version === 1)).toBe(true);
    expect([...predictPids(from)].sort()).toEqual([...workers].sort());
  });

  it('answers /metrics from any worker with the sum over all workers', async () => {
    // Several scrapes land on both workers; each must count every prediction, not its share.
    for (let i = 0; i < 6; i++) {
      const m = await get('/metrics');
      expect(m.status).toBe(200);
      expect(counterSum(m.text, 'aquaops_predictions_total')).toBe(answered.size);
      expect(m.text.match(/^aquaops_model_info\{.*$/gm)).toEqual([
        `aquaops_model_info{name="${MODEL}",version="1",alias="champion"} 1`,
      ]);
    }
  });

  it('follows a promotion made in another process in every worker', async () => {
    await kit.registry.promote({ model: MODEL, version: 2, alias: 'champion', reason: 'better', actor: 'test' });
    // While a worker still serves v1 the merged gauge has two series; one means all have swapped.
    await waitFor('every worker serving v2', async () => {
      const m = await get('/metrics');
      const info = m.text.match(/^aquaops_model_info\{.*$/gm) ?? [];
      return info.length === 1 && info[0]?.includes('version="2"') === true ? true : undefined;
    });
    const from = logs.length;
    const results = await predictMany(60, 8);
    expect(results.every((r) => r.status === 200 && r.version === 2)).toBe(true);
    expect(predictPids(from).size).toBe(2);
  });

  it('applies A/B routing set through the API in both workers within the poll interval, and its clearing', async () => {
    const admin = { headers: { authorization: `Bearer ${ADMIN_KEY}` }, method: 'PUT' };
    // Every sample to variant v1 while the champion is v2: a route and version only routing explains.
    const put = await post('/api/v1/admin/routing', { variants: [{ version: 1, weight: 1 }] }, admin);
    expect(put.status).toBe(200);
    // One worker took the PUT and applied it at once; the other applies it on its next poll (200 ms).
    const allRouted = async (route: string, version: number) => {
      const from = logs.length;
      const results = await predictMany(40, 8);
      const ok = results.every((r) => r.status === 200 && r.route === route && r.version === version);
      return ok && predictPids(from).size === 2 ? true : undefined;
    };
    await waitFor('both workers routing to ab:1', () => allRouted('ab:1', 1));
    let from = logs.length;
    const routed = await predictMany(60, 8);
    expect(routed.filter((r) => r.status !== 200 || r.route !== 'ab:1' || r.version !== 1)).toEqual([]);
    expect([...predictPids(from)].sort()).toEqual([...workers].sort());

    expect((await post('/api/v1/admin/routing', { variants: [] }, admin)).status).toBe(200);
    await waitFor('both workers back on the champion', () => allRouted('default', 2));
    from = logs.length;
    const cleared = await predictMany(60, 8);
    expect(cleared.filter((r) => r.status !== 200 || r.route !== 'default' || r.version !== 2)).toEqual([]);
    expect([...predictPids(from)].sort()).toEqual([...workers].sort());
  });

  it('replaces a worker killed with SIGKILL, logging it at ERROR, and keeps answering', async () => {
    // What a killed worker had queued but not written is lost with it: let it flush first.
    await waitFor('the prediction log to catch up', async () =>
      (await loggedCount()) === answered.size ? true : undefined,
    );
    const [victim, survivor] = workers as [number, number];
    process.kill(victim, 'SIGKILL');
    const during = await predictMany(40, 4);
    expect(during.filter((r) => r.status !== 200)).toEqual([]);
    const died = await waitFor('the ERROR log of the death', () =>
      logs.find((r) => r.pid === primaryPid && r.level === 50 && r.workerPid === victim),
    );
    expect(died.msg).toBe('worker died unexpectedly; restarting it');
    expect(died.signal).toBe('SIGKILL');
    const replaced = await waitFor('a replacement worker', () =>
      logs.find((r) => r.msg === 'worker listening' && r.workerPid !== undefined && !workers.includes(r.workerPid)),
    );
    const replacement = replaced.workerPid ?? 0;
    expect(alive(victim)).toBe(false);
    const from = logs.length;
    const after = await predictMany(60, 8);
    expect(after.filter((r) => r.status !== 200)).toEqual([]);
    expect([...predictPids(from)].sort()).toEqual([survivor, replacement].sort());
    workers = [survivor, replacement];
  });

  it('stops every process with exit 0 on SIGTERM and logs every answered prediction', async () => {
    // Requests in flight when the signal arrives must finish and be logged; later ones are refused.
    const load = loadThenSignal('SIGTERM');
    const code = await exited;
    expect(await load).toBe(true);
    expect(code).toBe(0);
    for (const pid of workers) {
      expect(alive(pid)).toBe(false);
      const stopped = logs.find((r) => r.pid === primaryPid && r.workerPid === pid && r.msg === 'worker stopped');
      expect(stopped, `worker ${pid} stopped cleanly`).toBeDefined();
    }
    expect(logs.filter((r) => r.msg === 'worker did not stop cleanly')).toEqual([]);
    const logged = await kit.store.recentPredictions({ model: MODEL, limit: answered.size + 100 });
    const ids = new Set(logged.map((p) => p.id));
    expect([...answered].filter((id) => !ids.has(id))).toEqual([]);
    expect(ids.size).toBe(answered.size);
  });
});

describe('aquaops-server with AQUAOPS_WORKERS=2 whose primary dies', () => {
  it('has the workers finish in-flight requests, flush the prediction log and exit', async () => {
    await startCluster();
    const workers = [...(logs.find((r) => r.msg === 'all workers listening')?.workerPids ?? [])];
    expect(workers).toHaveLength(2);
    const before = answered.size;
    const load = loadThenSignal('SIGKILL');
    await exited;
    expect(await load).toBe(true);
    expect(answered.size - before).toBeGreaterThanOrEqual(20);
    await waitFor('both workers to exit', () => (workers.every((pid) => !alive(pid)) ? true : undefined), 20_000);
    for (const pid of workers) {
      const stopping = logs.find((r) => r.pid === pid && r.msg === 'shutting down');
      expect(stopping?.reason, `worker ${pid} stopped gracefully`).toBe('the primary process is gone');
    }
    const logged = await kit.store.recentPredictions({ model: MODEL, limit: answered.size + 100 });
    const ids = new Set(logged.map((p) => p.id));
    expect([...answered].filter((id) => !ids.has(id))).toEqual([]);
  });
});
