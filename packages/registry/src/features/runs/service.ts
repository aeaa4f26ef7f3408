/**
 * Experiment tracking on top of a run store: starts a run with its environment and code
 * version captured, records folds, trials and final metrics, closes it as finished, failed or
 * interrupted, and lines runs up side by side for comparison.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Json, JsonObject } from '../../json.js';
import type {
  DataVersionRef,
  FoldMetrics,
  MetricMap,
  MetricWithCi,
  RunEnvironment,
  RunRecord,
  RunStore,
  TrialRecord,
} from './store.js';

export function captureEnvironment(): RunEnvironment {
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    hostname: os.hostname(),
    pid: process.pid,
  };
}

/** The commit checked out in `dir` or a parent, read from `.git` directly; null outside a repository. */
export function detectGitCommit(dir: string = process.cwd()): string | null {
  let d = path.resolve(dir);
  for (;;) {
    const git = path.join(d, '.git');
    try {
      let gitDir = git;
      if (fs.statSync(git).isFile()) {
        const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(git, 'utf8'));
        if (m?.[1] === undefined) return null;
        gitDir = path.resolve(d, m[1].trim());
      }
      const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
      if (/^[0-9a-f]{40}$/.test(head)) return head;
      const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
      if (ref === undefined) return null;
      const common = fs.existsSync(path.join(gitDir, 'commondir'))
        ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
        : gitDir;
      for (const base of [gitDir, common]) {
        const p = path.join(base, ref);
        if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8').trim();
      }
      const packed = path.join(common, 'packed-refs');
      if (fs.existsSync(packed)) {
        for (const line of fs.readFileSync(packed, 'utf8').split('\n')) {
          const [sha, name] = line.split(' ');
          if (name === ref && sha !== undefined) return sha;
        }
      }
      return null;
    } catch {
      const parent = path.dirname(d);
      if (parent === d) return null;
      d = parent;
    }
  }
}

export interface StartRun {
  readonly name: string;
  readonly params?: JsonObject;
  readonly data?: Partial<DataVersionRef>;
  readonly seed?: number | null;
  /** Defaults to the git commit of the working directory, when there is one. */
  readonly codeVersion?: string | null;
  readonly id?: string;
}

export class RunTracker {
  readonly store: RunStore;
  readonly #now: () => Date;

  constructor(store: RunStore, options: { now?: () => Date } = {}) {
    this.store = store;
    this.#now = options.now ?? (() => new Date());
  }

  start(s: StartRun): Promise<RunRecord> {
    return this.store.createRun({
      id: s.id ?? randomUUID(),
      name: s.name,
      createdAt: this.#now().toISOString(),
      params: s.params ?? {},
      data: {
        version: s.data?.version ?? null,
        schemaName: s.data?.schemaName ?? null,
        schemaVersion: s.data?.schemaVersion ?? null,
      },
      codeVersion: s.codeVersion === undefined ? detectGitCommit() : s.codeVersion,
      seed: s.seed ?? null,
      environment: captureEnvironment(),
    });
  }

  logFolds(runId: string, folds: readonly FoldMetrics[]): Promise<RunRecord> {
    return this.store.updateRun(runId, { foldMetrics: folds });
  }

  logTrials(runId: string, trials: readonly TrialRecord[]): Promise<void> {
    return this.store.addTrials(runId, trials);
  }

  finish(
    runId: string,
    result: {
      readonly testMetrics?: Readonly<Record<string, MetricWithCi>>;
      readonly durations?: MetricMap;
      readonly summary?: JsonObject;
    } = {},
  ): Promise<RunRecord> {
    return this.store.updateRun(runId, {
      status: 'finished',
      finishedAt: this.#now().toISOString(),
      ...(result.testMetrics === undefined ? {} : { testMetrics: result.testMetrics }),
      ...(result.durations === undefined ? {} : { durations: result.durations }),
      ...(result.summary === undefined ? {} : { summary: result.summary }),
    });
  }

  /**
   * Marks runs still `running` whose process is gone (killed, crashed: SIGKILL leaves no chance
   * to record it) as `interrupted`. Only runs started on this host are judged; returns their ids.
   */
  async reapDeadRuns(isAlive: (pid: number) => boolean = processAlive): Promise<string[]> {
    const host = os.hostname();
    const reaped: string[] = [];
    for (const r of await this.store.listRuns({ status: 'running' })) {
      const env = r.environment;
      if (env.hostname !== host || env.pid === undefined || env.pid === process.pid || isAlive(env.pid)) continue;
      await this.store.updateRun(r.id, {
        status: 'interrupted',
        finishedAt: this.#now().toISOString(),
        error: `process ${env.pid} on ${host} ended without finishing the run (killed or crashed)`,
      });
      reaped.push(r.id);
    }
    return reaped;
  }

  fail(runId: string, error: unknown, status: 'failed' | 'interrupted' = 'failed'): Promise<RunRecord> {
    return this.store.updateRun(runId, {
      status,
      finishedAt: this.#now().toISOString(),
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

export interface RunComparison {
  readonly ids: readonly string[];
  /** One row per key: the values in the order of `ids` (null = absent) and whether they differ. */
  readonly rows: readonly { readonly key: string; readonly values: readonly Json[]; readonly differs: boolean }[];
}

/** Lines up parameters, data/code versions, test metrics and mean fold metrics of several runs. */
export function compareRuns(runs: readonly RunRecord[]): RunComparison {
  const cols = runs.map((r) => {
    const flat: Record<string, Json> = {
      name: r.name,
      status: r.status,
      'data.version': r.data.version,
      codeVersion: r.codeVersion,
      seed: r.seed,
      trials: r.trials.length,
    };
    for (const [k, v] of Object.entries(r.params)) flat[`params.${k}`] = v;
    for (const [k, v] of Object.entries(r.testMetrics)) flat[`test.${k}`] = v.value;
    const sums = new Map<string, { s: number; n: number }>();
    for (const f of r.foldMetrics) {
      for (const [k, v] of Object.entries(f.metrics)) {
        const a = sums.get(k) ?? { s: 0, n: 0 };
        sums.set(k, { s: a.s + v, n: a.n + 1 });
      }
    }
    for (const [k, { s, n }] of sums) flat[`cv_mean.${k}`] = s / n;
    for (const [k, v] of Object.entries(r.durations)) flat[`duration_ms.${k}`] = v;
    return flat;
  });
  const keys: string[] = [];
  for (const c of cols) for (const k of Object.keys(c)) if (!keys.includes(k)) keys.push(k);
  return {
    ids: runs.map((r) => r.id),
    rows: keys.map((key) => {
      const values = cols.map((c) => c[key] ?? null);
      const first = JSON.stringify(values[0]);
      return { key, values, differs: values.some((v) => JSON.stringify(v) !== first) };
    }),
  };
}

/** Whether a process with this pid exists on this host (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
