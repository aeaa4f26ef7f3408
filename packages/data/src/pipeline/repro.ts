/**
 * `repro`: runs the stages of `dvc.yaml` in dependency order and records what they ran with in
 * `dvc.lock`, following DVC's rules — a stage runs when it is new, or its command, a
 * dependency's md5, a tracked parameter or an output differs from the lock; otherwise it is
 * skipped, or its outputs are restored from the cache when only they are missing. Because
 * downstream stages are checked after upstream ones ran, an output that comes out
 * byte-identical stops the cascade. A failing stage stops the run; the lock keeps every stage
 * that had succeeded. Library code: progress goes to the `onEvent` callback.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import type { OutHash } from '../dvc/dvcfile.js';
import type { FileHasher } from '../dvc/hash.js';
import { DvcRepo } from '../dvc/repo.js';
import { loadParamsFile, loadPipeline, lookupParam } from './dvcyaml.js';
import type { PipelineDef, Stage } from './dvcyaml.js';
import { readLock, writeLock } from './lock.js';
import type { LockEntry, LockStage } from './lock.js';

export type ReproEvent =
  | { readonly type: 'run'; readonly stage: string; readonly cmd: string; readonly reasons: readonly string[] }
  | { readonly type: 'skip'; readonly stage: string; readonly reason: string }
  | { readonly type: 'restore'; readonly stage: string }
  | { readonly type: 'would-run'; readonly stage: string; readonly reasons: readonly string[] }
  | { readonly type: 'done'; readonly stage: string; readonly ms: number }
  | { readonly type: 'output'; readonly stage: string; readonly stream: 'stdout' | 'stderr'; readonly text: string };

export interface ReproOptions {
  readonly cwd?: string;
  /** Stage to reproduce together with its upstream stages (default: every stage). */
  readonly target?: string;
  readonly force?: boolean;
  readonly dry?: boolean;
  readonly hasher?: FileHasher;
  readonly onEvent?: (e: ReproEvent) => void;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export type StageStatus = 'ran' | 'skipped' | 'restored' | 'would-run';
export interface StageOutcome {
  readonly stage: string;
  readonly status: StageStatus;
  readonly reasons: readonly string[];
}

export interface ReproResult {
  readonly stages: readonly StageOutcome[];
  readonly failed?: { readonly stage: string; readonly exitCode: number; readonly output: string };
}

interface Graph {
  readonly order: readonly string[];
  readonly upstream: ReadonlyMap<string, ReadonlySet<string>>;
}

function rootRel(stage: Stage, p: string): string {
  return path.posix.normalize(path.posix.join(stage.wdir, p.replaceAll('\\', '/')));
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** Stage graph: who produces what, in topological order; throws on cycles and duplicate outputs. */
export function buildGraph(pipeline: PipelineDef): Graph {
  const producer = new Map<string, string>();
  for (const s of pipeline.stages.values()) {
    for (const o of s.outs) {
      const p = rootRel(s, o.path);
      for (const [other, owner] of producer) {
        if (overlaps(p, other)) {
          throw new AquaopsError(
            'AQUAOPS_E_DVC_FILE_INVALID',
            `${pipeline.file}: output "${p}" of stage "${s.name}" overlaps "${other}" of stage "${owner}"`,
            {
              hint: 'each path may be the output of one stage only.',
            },
          );
        }
      }
      producer.set(p, s.name);
    }
  }
  const upstream = new Map<string, Set<string>>();
  for (const s of pipeline.stages.values()) {
    const ups = new Set<string>();
    for (const d of s.deps) {
      const dp = rootRel(s, d);
      for (const [out, owner] of producer) if (overlaps(dp, out)) ups.add(owner);
    }
    upstream.set(s.name, ups);
  }
  const names = [...pipeline.stages.keys()];
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const visit = (n: string, trail: string[]): void => {
    const st = state.get(n);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(n)), n].join(' -> ');
      throw new AquaopsError('AQUAOPS_E_DVC_PIPELINE_CYCLE', `${pipeline.file}: stages form a cycle: ${cycle}`, {
        hint: 'a stage must not depend (directly or through others) on its own outputs; split or rename the paths.',
      });
    }
    state.set(n, 'visiting');
    for (const u of names.filter((x) => upstream.get(n)!.has(x))) visit(u, [...trail, n]);
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of names) visit(n, []);
  return { order, upstream };
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function cmdText(cmd: string | readonly string[]): string {
  return typeof cmd === 'string' ? cmd : cmd.join(' && ');
}

/** Current values of the params a stage tracks: file → key → value. */
async function currentParams(root: string, stage: Stage): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const ref of stage.params) {
    const file = path.join(root, stage.wdir, ref.file);
    const doc = await loadParamsFile(file);
    const values: Record<string, unknown> = {};
    for (const key of ref.keys ?? Object.keys(doc)) {
      const v = lookupParam(doc, key);
      if (v === undefined) {
        throw new AquaopsError(
          'AQUAOPS_E_DVC_PARAM_MISSING',
          `stage "${stage.name}" uses parameter "${key}" which ${ref.file} does not define`,
          {
            hint: `add "${key}" to ${ref.file} or remove it from the stage's params in dvc.yaml.`,
            details: [{ path: `${ref.file}:${key}` }],
          },
        );
      }
      values[key] = v;
    }
    out[ref.file] = values;
  }
  return out;
}

function sameHash(a: OutHash | undefined, b: OutHash | undefined): boolean {
  return a !== undefined && b !== undefined && a.md5 === b.md5;
}

async function hashEntries(repo: DvcRepo, root: string, stage: Stage, paths: readonly string[]): Promise<LockEntry[]> {
  const out: LockEntry[] = [];
  for (const p of paths) {
    const h = await repo.hashPath(path.join(root, stage.wdir, p));
    out.push(h === undefined ? { path: p } : { path: p, hash: h });
  }
  return out;
}

function changeReasons(
  stage: Stage,
  lock: LockStage | undefined,
  deps: readonly LockEntry[],
  params: Record<string, Record<string, unknown>>,
  outs: readonly LockEntry[],
): string[] {
  if (lock === undefined) return ['new stage (not in dvc.lock)'];
  const reasons: string[] = [];
  if (stage.alwaysChanged) reasons.push('always_changed');
  if (stage.deps.length === 0 && stage.outs.length === 0) reasons.push('callback stage (no deps, no outs)');
  if (cmdText(lock.cmd) !== cmdText(stage.cmd)) reasons.push('command changed');
  const lockDeps = new Map(lock.deps.map((d) => [path.posix.normalize(d.path), d.hash]));
  if (lockDeps.size !== deps.length || deps.some((d) => !lockDeps.has(path.posix.normalize(d.path)))) {
    reasons.push('dependency list changed');
  }
  for (const d of deps) {
    const old = lockDeps.get(path.posix.normalize(d.path));
    if (d.hash === undefined) reasons.push(`dep ${d.path} deleted`);
    else if (old !== undefined && !sameHash(old, d.hash)) reasons.push(`dep ${d.path} modified`);
  }
  const files = new Set([...Object.keys(params), ...Object.keys(lock.params)]);
  for (const f of files) {
    const now = params[f] ?? {};
    const before = lock.params[f] ?? {};
    for (const k of new Set([...Object.keys(now), ...Object.keys(before)])) {
      if (canonical(now[k]) !== canonical(before[k])) reasons.push(`param ${k} changed`);
    }
  }
  const lockOuts = new Map(lock.outs.map((o) => [path.posix.normalize(o.path), o.hash]));
  if (lockOuts.size !== outs.length || outs.some((o) => !lockOuts.has(path.posix.normalize(o.path)))) {
    reasons.push('output list changed');
  }
  for (const o of outs) {
    const old = lockOuts.get(path.posix.normalize(o.path));
    if (o.hash === undefined) reasons.push(`out ${o.path} deleted`);
    else if (old !== undefined && !sameHash(old, o.hash)) reasons.push(`out ${o.path} modified`);
  }
  return reasons;
}

function runCommand(
  cmd: string,
  cwd: string,
  stage: string,
  options: ReproOptions,
  collect: (text: string) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, {
      cwd,
      shell: true,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (text: string) => {
        collect(text);
        options.onEvent?.({ type: 'output', stage, stream, text });
      });
    }
    child.on('error', reject);
    child.on('close', (code, sig) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve(code ?? (sig === null ? 1 : 128 + 15));
    });
  });
}

const OUTPUT_TAIL = 16_000;

export async function repro(options: ReproOptions = {}): Promise<ReproResult> {
  const repo = await DvcRepo.open({
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.hasher === undefined ? {} : { hasher: options.hasher }),
  });
  const root = repo.root;
  const pipeline = await loadPipeline(root);
  const graph = buildGraph(pipeline);
  const lockFile = path.join(root, 'dvc.lock');
  const lock = await readLock(lockFile);

  let selected: Set<string>;
  if (options.target === undefined) {
    selected = new Set(graph.order);
  } else {
    const target = options.target.replace(/^dvc\.yaml:/, '');
    if (!pipeline.stages.has(target)) {
      throw new AquaopsError('AQUAOPS_E_DVC_STAGE_UNKNOWN', `no stage "${target}" in ${pipeline.file}`, {
        hint: `known stages: ${graph.order.join(', ')}.`,
      });
    }
    selected = new Set();
    const add = (n: string): void => {
      if (selected.has(n)) return;
      selected.add(n);
      for (const u of graph.upstream.get(n) ?? []) add(u);
    };
    add(target);
  }
  const order = graph.order.filter((n) => selected.has(n));

  // Fail before running anything: deps nobody produces must exist, params must resolve.
  for (const name of order) {
    const stage = pipeline.stages.get(name)!;
    for (const d of stage.deps) {
      const produced =
        (graph.upstream.get(name)?.size ?? 0) > 0 &&
        [...graph.upstream.get(name)!].some((u) =>
          pipeline.stages
            .get(u)!
            .outs.some((o) => overlaps(rootRel(stage, d), rootRel(pipeline.stages.get(u)!, o.path))),
        );
      if (!produced && !existsSync(path.join(root, stage.wdir, d))) {
        throw new AquaopsError(
          'AQUAOPS_E_DVC_PATH_MISSING',
          `stage "${name}" depends on ${rootRel(stage, d)}, which does not exist and no stage produces`,
          {
            hint: 'create the file, track it with `aquaops data pull`, or fix the path in dvc.yaml.',
          },
        );
      }
    }
    await currentParams(root, stage);
  }

  const outcomes: StageOutcome[] = [];
  const wouldRun = new Set<string>();
  try {
    for (const name of order) {
      const stage = pipeline.stages.get(name)!;
      const wdirAbs = path.join(root, stage.wdir);
      const params = await currentParams(root, stage);
      const deps = await hashEntries(repo, root, stage, stage.deps);
      const outs = await hashEntries(
        repo,
        root,
        stage,
        stage.outs.map((o) => o.path),
      );
      const locked = lock.get(name);
      if (stage.frozen && !options.force) {
        options.onEvent?.({ type: 'skip', stage: name, reason: 'frozen' });
        outcomes.push({ stage: name, status: 'skipped', reasons: ['frozen'] });
        continue;
      }
      const reasons = options.force ? ['forced'] : changeReasons(stage, locked, deps, params, outs);
      if (options.dry) {
        const ups = [...(graph.upstream.get(name) ?? [])].filter((u) => wouldRun.has(u));
        const all = [...reasons, ...ups.map((u) => `upstream ${u} would run`)];
        if (all.length > 0) {
          wouldRun.add(name);
          options.onEvent?.({ type: 'would-run', stage: name, reasons: all });
          outcomes.push({ stage: name, status: 'would-run', reasons: all });
        } else {
          options.onEvent?.({ type: 'skip', stage: name, reason: 'unchanged' });
          outcomes.push({ stage: name, status: 'skipped', reasons: [] });
        }
        continue;
      }
      if (reasons.length === 0) {
        options.onEvent?.({ type: 'skip', stage: name, reason: 'unchanged' });
        outcomes.push({ stage: name, status: 'skipped', reasons });
        continue;
      }
      // Only outputs gone or changed, and the lock's versions are cached: restore instead of running.
      if (
        locked !== undefined &&
        !options.force &&
        reasons.every((r) => r.startsWith('out ') && (r.endsWith(' deleted') || r.endsWith(' modified'))) &&
        stage.outs.every((o) => o.cache) &&
        locked.outs.every((o) => o.hash !== undefined)
      ) {
        try {
          for (const o of locked.outs) await repo.checkoutOut(path.join(wdirAbs, o.path), o.hash!, { force: true });
          options.onEvent?.({ type: 'restore', stage: name });
          outcomes.push({ stage: name, status: 'restored', reasons });
          continue;
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'AQUAOPS_E_DVC_CACHE_MISSING') throw err;
        }
      }

      for (const o of stage.outs) {
        const abs = path.join(wdirAbs, o.path);
        if (!o.persist) await rm(abs, { recursive: true, force: true });
        await mkdir(path.dirname(abs), { recursive: true });
      }
      const cmds = typeof stage.cmd === 'string' ? [stage.cmd] : stage.cmd;
      options.onEvent?.({ type: 'run', stage: name, cmd: cmdText(stage.cmd), reasons });
      const started = Date.now();
      let output = '';
      const collect = (t: string): void => {
        output = (output + t).slice(-OUTPUT_TAIL);
      };
      for (const cmd of cmds) {
        const code = await runCommand(cmd, wdirAbs, name, options, collect);
        if (code !== 0) return { stages: outcomes, failed: { stage: name, exitCode: code, output } };
      }
      const newOuts: LockEntry[] = [];
      for (const o of stage.outs) {
        const abs = path.join(wdirAbs, o.path);
        if (!existsSync(abs)) {
          throw new AquaopsError(
            'AQUAOPS_E_DVC_PATH_MISSING',
            `stage "${name}" succeeded but did not create its output ${rootRel(stage, o.path)}`,
            {
              hint: 'make the command write that path, or remove it from the stage outputs.',
            },
          );
        }
        const h = o.cache ? await repo.commit(abs) : await repo.hashPath(abs);
        newOuts.push(h === undefined ? { path: o.path } : { path: o.path, hash: h });
        if (o.cache) await repo.ignoreInGit(abs);
      }
      lock.set(name, {
        cmd: stage.cmd,
        deps: await hashEntries(repo, root, stage, stage.deps),
        params,
        outs: newOuts,
      });
      await writeLock(lockFile, lock, graph.order);
      options.onEvent?.({ type: 'done', stage: name, ms: Date.now() - started });
      outcomes.push({ stage: name, status: 'ran', reasons });
    }
  } finally {
    await repo.hashes.save();
  }
  return { stages: outcomes };
}
