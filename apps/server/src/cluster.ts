/**
 * Multi-process serving (`AQUAOPS_WORKERS` > 1) on `node:cluster`. The primary serves nothing
 * itself: it forks N workers of the same bin — each a full server with its own ModelManager and
 * prediction-log writer, all sharing the listening port — replaces a worker that dies (after a
 * growing pause, and gives up after a run of failures so a crash loop cannot spin), and turns
 * SIGTERM/SIGINT, or the loss of the `aquaops serve` parent, into a graceful stop of every worker
 * under a hard deadline. It also answers `/metrics` for the whole cluster: the worker that got the
 * scrape asks the primary, which collects every ready worker's registry as JSON and merges them
 * with prom-client's AggregatorRegistry (counters and histograms summed, gauges by their declared
 * aggregator). prom-client's own `clusterMetrics()` is not used because it waits on every
 * connected worker — one still booting, which cannot answer yet, fails the whole scrape after 5 s.
 * The worker side of the same conversation is `workerChannel`.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Logger, pino } from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { ServerConfig } from './config.js';
import type { MetricsAggregate } from './features/metrics/routes.js';

/** Set in the environment of the workers the primary forks (a foreign cluster's workers lack it). */
export const WORKER_ENV = 'AQUAOPS_CLUSTER_WORKER';

/** How long the primary waits for every worker's registry. */
export const COLLECT_TIMEOUT_MS = 3000;
/** How long a worker waits for the primary's aggregate; longer than the collection, so its error arrives first. */
export const AGGREGATE_TIMEOUT_MS = 5000;

export interface RestartPolicy {
  /** Pause before the first restart of a slot; doubled for each further failure in a row. */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures in a row of one worker slot after which the primary gives up and stops (exit 1). */
  readonly maxConsecutive: number;
  /** A worker that served this long before dying starts its slot's count afresh. */
  readonly stableAfterMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  maxConsecutive: 8,
  stableAfterMs: 60_000,
};

/** Pause before restarting after the `failures`-th failure in a row (1-based); undefined = give up. */
export function restartDelay(failures: number, policy: RestartPolicy = DEFAULT_RESTART): number | undefined {
  if (failures > policy.maxConsecutive) return undefined;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failures - 1));
}

type ToWorker =
  | { readonly type: 'aquaops:shutdown' }
  | { readonly type: 'aquaops:metrics-collect'; readonly id: number }
  | { readonly type: 'aquaops:metrics-result'; readonly id: number; readonly text?: string; readonly error?: string };

type ToPrimary =
  | { readonly type: 'aquaops:ready'; readonly url: string }
  | { readonly type: 'aquaops:metrics-request'; readonly id: number }
  | {
      readonly type: 'aquaops:metrics-json';
      readonly id: number;
      readonly metrics?: readonly object[];
      readonly error?: string;
    };

function isMessage<T extends { type: string }>(m: unknown): m is T {
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof (m as { type?: unknown }).type === 'string' &&
    (m as { type: string }).type.startsWith('aquaops:')
  );
}

const BIN = fileURLToPath(new URL('../bin/aquaops-server.mjs', import.meta.url));

export interface PrimaryOptions {
  readonly config: ServerConfig;
  /** The primary's environment, passed on to every worker. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly restart?: RestartPolicy;
}

interface Slot {
  readonly n: number;
  worker: Worker | undefined;
  readyAt: number | undefined;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

interface Collection {
  readonly pending: Set<Worker>;
  readonly results: object[][];
  readonly timer: NodeJS.Timeout;
  readonly resolve: (text: string) => void;
  readonly reject: (err: Error) => void;
}

/** Runs the cluster primary until every worker has stopped; resolves with the process exit code. */
export function runPrimary(options: PrimaryOptions): Promise<number> {
  const { config } = options;
  const policy = options.restart ?? DEFAULT_RESTART;
  const log: Logger = pino({ level: config.logLevel, name: 'aquaops-primary' });
  const workerEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) workerEnv[k] = v;
  // Workers accept from the shared socket themselves unless the operator chose Node's round
  // robin: with round robin the primary hands each connection over, and one handed to a worker
  // in the instant it dies is never answered nor closed (the client hangs until its timeout).
  if (options.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: BIN, args: [] });

  return new Promise<number>((resolve) => {
    const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({
      n: i + 1,
      worker: undefined,
      readyAt: undefined,
      failures: 0,
      timer: undefined,
    }));
    let stopping = false;
    let exitCode = 0;
    let everReady = false;
    let allReadyLogged = false;
    let deadline: NodeJS.Timeout | undefined;
    const collections = new Map<number, Collection>();
    let nextCollection = 1;

    const send = (w: Worker, msg: ToWorker): void => {
      if (!w.isConnected()) return;
      w.send(msg, (err: Error | null) => {
        if (err !== null) log.warn({ err, workerPid: w.process.pid }, 'cannot send to a worker');
      });
    };

    const finishCollection = (id: number): void => {
      const c = collections.get(id);
      if (c === undefined || c.pending.size > 0) return;
      collections.delete(id);
      clearTimeout(c.timer);
      if (c.results.length === 0) {
        c.reject(new Error('no worker answered'));
        return;
      }
      AggregatorRegistry.aggregate(c.results)
        .metrics()
        .then(c.resolve, (err: unknown) => c.reject(err instanceof Error ? err : new Error(String(err))));
    };

    const collect = (): Promise<string> =>
      new Promise<string>((res, rej) => {
        const id = nextCollection++;
        const targets = slots.flatMap((s) =>
          s.worker !== undefined && s.readyAt !== undefined && s.worker.isConnected() ? [s.worker] : [],
        );
        const pending = new Set(targets);
        const timer = setTimeout(() => {
          collections.delete(id);
          const pids = [...pending].map((w) => w.process.pid).join(', ');
          rej(new Error(`worker process(es) ${pids} did not send their metrics within ${COLLECT_TIMEOUT_MS} ms`));
        }, COLLECT_TIMEOUT_MS);
        collections.set(id, { pending, results: [], timer, resolve: res, reject: rej });
        for (const w of targets) send(w, { type: 'aquaops:metrics-collect', id });
        finishCollection(id);
      });

    const onMessage = (slot: Slot, w: Worker, raw: unknown): void => {
      if (!isMessage<ToPrimary>(raw)) return;
      switch (raw.type) {
        case 'aquaops:ready': {
          slot.readyAt = Date.now();
          everReady = true;
          log.info({ worker: slot.n, workerPid: w.process.pid, url: raw.url }, 'worker listening');
          if (stopping) send(w, { type: 'aquaops:shutdown' });
          else if (!allReadyLogged && slots.every((s) => s.readyAt !== undefined)) {
            allReadyLogged = true;
            log.info(
              { url: raw.url, workers: slots.length, workerPids: slots.map((s) => s.worker?.process.pid) },
              'all workers listening',
            );
          }
          return;
        }
        case 'aquaops:metrics-request': {
          const id = raw.id;
          collect().then(
            (text) => send(w, { type: 'aquaops:metrics-result', id, text }),
            (err: Error) => {
              log.warn({ err }, 'cannot aggregate the workers’ metrics');
              send(w, { type: 'aquaops:metrics-result', id, error: err.message });
            },
          );
          return;
        }
        case 'aquaops:metrics-json': {
          const c = collections.get(raw.id);
          if (c === undefined || !c.pending.has(w)) return;
          if (raw.error !== undefined || raw.metrics === undefined) {
            collections.delete(raw.id);
            clearTimeout(c.timer);
            c.reject(new Error(`worker process ${w.process.pid}: ${raw.error ?? 'no metrics'}`));
            return;
          }
          c.pending.delete(w);
          c.results.push([...raw.metrics]);
          finishCollection(raw.id);
          return;
        }
      }
    };

    const finishIfDone = (): void => {
      if (!stopping || slots.some((s) => s.worker !== undefined)) return;
      if (deadline !== undefined) clearTimeout(deadline);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      log.info({ exitCode }, 'all workers stopped');
      resolve(exitCode);
    };

    const shutdown = (code: number): void => {
      if (code !== 0) exitCode = code;
      if (stopping) return;
      stopping = true;
      // A second signal gets its default action again and ends the primary at once; the
      // workers then see their channel close and still stop gracefully on their own.
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      for (const s of slots) {
        if (s.timer !== undefined) clearTimeout(s.timer);
        s.timer = undefined;
        // A worker still starting cannot take the message yet; it gets it when it reports ready.
        if (s.worker !== undefined && s.readyAt !== undefined) send(s.worker, { type: 'aquaops:shutdown' });
      }
      // Each worker keeps its own deadlines (HTTP drain, then the store), one after the other.
      const graceMs = 2 * config.shutdownTimeoutMs + 5000;
      deadline = setTimeout(() => {
        const left = slots.flatMap((s) => (s.worker === undefined ? [] : [s.worker]));
        log.error(
          { workerPids: left.map((w) => w.process.pid), graceMs },
          'workers did not stop in time; killing them',
        );
        exitCode = 1;
        for (const w of left) w.process.kill('SIGKILL');
      }, graceMs);
      finishIfDone();
    };

    const onExit = (slot: Slot, w: Worker, code: number | null, signal: string | null): void => {
      const pid = w.process.pid;
      if (slot.worker === w) slot.worker = undefined;
      const wasReadyAt = slot.readyAt;
      slot.readyAt = undefined;
      for (const [id, c] of collections) {
        if (c.pending.delete(w)) finishCollection(id);
      }
      if (stopping) {
        if (code === 0) log.info({ worker: slot.n, workerPid: pid }, 'worker stopped');
        else {
          exitCode = 1;
          const what = wasReadyAt === undefined ? 'worker exited before it was serving' : 'worker did not stop cleanly';
          log.error({ worker: slot.n, workerPid: pid, code, signal }, what);
        }
        finishIfDone();
        return;
      }
      if (!everReady) {
        // As with one process: a server that cannot start (registry unreachable, …) exits at
        // once with the reason on stderr instead of retrying for a minute.
        log.error({ worker: slot.n, workerPid: pid, code, signal }, 'worker failed to start; stopping');
        shutdown(code !== null && code !== 0 ? code : 1);
        return;
      }
      if (wasReadyAt !== undefined && Date.now() - wasReadyAt >= policy.stableAfterMs) slot.failures = 0;
      slot.failures += 1;
      const delay = restartDelay(slot.failures, policy);
      if (delay === undefined) {
        log.error(
          { worker: slot.n, workerPid: pid, code, signal, failures: slot.failures },
          'worker keeps dying; giving up and stopping the server',
        );
        shutdown(1);
        return;
      }
      log.error(
        { worker: slot.n, workerPid: pid, code, signal, failures: slot.failures, restartInMs: delay },
        'worker died unexpectedly; restarting it',
      );
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (!stopping) fork(slot);
      }, delay);
    };

    const fork = (slot: Slot): void => {
      const w = cluster.fork({ ...workerEnv, [WORKER_ENV]: String(slot.n) });
      slot.worker = w;
      slot.readyAt = undefined;
      w.on('message', (m: unknown) => onMessage(slot, w, m));
      w.on('error', (err: Error) =>
        log.warn({ err, worker: slot.n, workerPid: w.process.pid }, 'worker channel error'),
      );
      w.once('exit', (code: number | null, signal: string | null) => onExit(slot, w, code, signal));
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      log.info({ signal }, 'shutting down');
      shutdown(0);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // Started by `aquaops serve` with an IPC channel: when that parent dies the channel closes,
    // and the server must not live on orphaned. (This is the primary's own parent channel; the
    // workers' channels are the cluster's.)
    if (process.send !== undefined) {
      process.once('disconnect', () => {
        log.info('parent process gone; shutting down');
        shutdown(0);
      });
      process.channel?.unref();
    }

    const cores = os.availableParallelism();
    const scheduling = cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none';
    log.info({ workers: slots.length, cores, scheduling }, 'starting workers');
    if (slots.length > cores) {
      log.warn({ workers: slots.length, cores }, 'more workers than cores: they will compete for CPU');
    }
    for (const s of slots) fork(s);
  });
}

export interface WorkerChannel {
  /** For `setMetricsAggregate`: asks the primary for every worker's metrics, merged. */
  readonly aggregate: MetricsAggregate;
  /** Starts answering the primary's collections from `registry` and reports this worker as serving. */
  ready(url: string, registry: Registry): void;
  /** `stop` runs when the primary asks this worker to stop, or when the primary is gone. */
  onStop(stop: (reason: string) => void): void;
  /** Leaves the cluster so the process can exit once its work is done. */
  close(): void;
}

/** Whether this process is a worker forked by `runPrimary` (not by another cluster manager). */
export function isClusterWorker(env: Readonly<Record<string, string | undefined>>): boolean {
  return cluster.isWorker && env[WORKER_ENV] !== undefined;
}

/** The worker's side of the IPC conversation with `runPrimary`; create it first thing. */
export function workerChannel(): WorkerChannel {
  let registry: Registry | undefined;
  let stop: ((reason: string) => void) | undefined;
  let nextId = 1;
  const waiting = new Map<
    number,
    { readonly resolve: (t: string) => void; readonly reject: (e: Error) => void; readonly timer: NodeJS.Timeout }
  >();

  const send = (msg: ToPrimary, onError?: (err: Error) => void): void => {
    if (process.send === undefined || !process.connected) {
      onError?.(new Error('the primary process is gone'));
      return;
    }
    process.send(msg, undefined, undefined, (err: Error | null) => {
      if (err !== null) onError?.(err);
    });
  };

  const onMessage = (raw: unknown): void => {
    if (!isMessage<ToWorker>(raw)) return;
    switch (raw.type) {
      case 'aquaops:shutdown':
        stop?.('the primary asked');
        return;
      case 'aquaops:metrics-collect': {
        const id = raw.id;
        if (registry === undefined) {
          send({ type: 'aquaops:metrics-json', id, error: 'not serving yet' });
          return;
        }
        registry.getMetricsAsJSON().then(
          (metrics) => send({ type: 'aquaops:metrics-json', id, metrics }),
          (err: unknown) => send({ type: 'aquaops:metrics-json', id, error: String(err) }),
        );
        return;
      }
      case 'aquaops:metrics-result': {
        const w = waiting.get(raw.id);
        if (w === undefined) return;
        waiting.delete(raw.id);
        clearTimeout(w.timer);
        if (raw.text !== undefined) w.resolve(raw.text);
        else w.reject(new Error(raw.error ?? 'no answer'));
        return;
      }
    }
  };

  const onDisconnect = (): void => {
    for (const [id, w] of waiting) {
      waiting.delete(id);
      clearTimeout(w.timer);
      w.reject(new Error('the primary process is gone'));
    }
    if (stop !== undefined) stop('the primary process is gone');
    else {
      // Still starting: nothing served, nothing to flush — and without the primary the listen
      // can never complete, so waiting would leave a process that only polls the registry.
      process.stderr.write('aquaops-server: the cluster primary exited while this worker was starting\n');
      process.exit(1);
    }
  };
  process.on('message', onMessage);
  process.once('disconnect', onDisconnect);
  // Node's cluster makes a worker whose primary vanished call process.exit() on the spot, which
  // would cut off in-flight requests and drop the prediction log's queue; marking the channel's
  // end as expected (a flag only this process reads) leaves the stop to `onDisconnect`.
  if (cluster.worker !== undefined) cluster.worker.exitedAfterDisconnect = true;

  return {
    aggregate: () =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`the primary process did not answer within ${AGGREGATE_TIMEOUT_MS} ms`));
        }, AGGREGATE_TIMEOUT_MS);
        waiting.set(id, { resolve, reject, timer });
        send({ type: 'aquaops:metrics-request', id }, (err) => {
          waiting.delete(id);
          clearTimeout(timer);
          reject(err);
        });
      }),
    ready(url, reg) {
      registry = reg;
      send({ type: 'aquaops:ready', url });
    },
    onStop(fn) {
      stop = fn;
    },
    close() {
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      if (process.connected) process.disconnect();
    },
  };
}
