/**
 * `metrics show`, `metrics diff [REV]` and `params diff [REV]`: read the metrics files that
 * stages declare and the params files they use, in the workspace and at a git revision (via
 * `git show REV:path`), and compare them in DVC's JSON shape —
 * `{"path": {"key": {"old": …, "new": …, "diff": …}}}` (params carry no `diff`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { parse } from 'yaml';
import { DEFAULT_PARAMS_FILE, flatten, loadPipeline } from './dvcyaml.js';
import type { PipelineDef } from './dvcyaml.js';

export type FlatValues = Record<string, unknown>;
/** path → flattened key → value; `error` when a file cannot be read or parsed. */
export type ValuesByFile = Record<string, FlatValues | { readonly error: string }>;

export interface DiffEntry {
  readonly old?: unknown;
  readonly new?: unknown;
  readonly diff?: number;
}
export type DiffByFile = Record<string, Record<string, DiffEntry>>;

function parseText(text: string, file: string): FlatValues {
  const doc: unknown = parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `${file}: expected a JSON/YAML mapping of values`, {
      hint: 'write metrics as {"name": number, …}.',
    });
  }
  return flatten(doc);
}

/** Root-relative paths of every metrics output declared in dvc.yaml. */
export function metricsFiles(pipeline: PipelineDef): string[] {
  const out: string[] = [];
  for (const s of pipeline.stages.values()) {
    for (const o of s.outs) if (o.kind === 'metrics') out.push(path.posix.normalize(path.posix.join(s.wdir, o.path)));
  }
  return out.sort();
}

/** Root-relative params files stages use (plus params.yaml when it exists). */
export function paramsFiles(pipeline: PipelineDef): string[] {
  const set = new Set<string>();
  for (const s of pipeline.stages.values()) {
    for (const p of s.params) set.add(path.posix.normalize(path.posix.join(s.wdir, p.file)));
  }
  if (existsSync(path.join(pipeline.root, DEFAULT_PARAMS_FILE))) set.add(DEFAULT_PARAMS_FILE);
  return [...set].sort();
}

async function readWorkspace(root: string, files: readonly string[]): Promise<ValuesByFile> {
  const out: ValuesByFile = {};
  for (const f of files) {
    try {
      out[f] = parseText(await readFile(path.join(root, f), 'utf8'), f);
    } catch (err) {
      out[f] = { error: (err as Error).message.split('\n')[0]! };
    }
  }
  return out;
}

/** The content of `file` at git revision `rev`, or `undefined` if it did not exist there. */
export function gitShow(root: string, rev: string, file: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    execFile('git', ['show', `${rev}:./${file}`], { cwd: root, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err === null) return resolve(stdout);
      const msg = String(stderr);
      if (/does not exist in|exists on disk, but not in|path .* does not exist/i.test(msg)) return resolve(undefined);
      reject(
        new AquaopsError('AQUAOPS_E_DVC_GIT', `git show ${rev}:${file} failed: ${msg.trim() || err.message}`, {
          hint: 'check that this is a git repository and the revision exists (`git log --oneline`).',
        }),
      );
    });
  });
}

async function readRevision(root: string, rev: string, files: readonly string[]): Promise<ValuesByFile> {
  const out: ValuesByFile = {};
  for (const f of files) {
    const text = await gitShow(root, rev, f);
    if (text === undefined) continue;
    try {
      out[f] = parseText(text, `${rev}:${f}`);
    } catch (err) {
      out[f] = { error: (err as Error).message };
    }
  }
  return out;
}

function valuesOf(v: ValuesByFile[string] | undefined): FlatValues {
  return v === undefined || 'error' in v ? {} : (v as FlatValues);
}

export function diffValues(
  oldV: ValuesByFile,
  newV: ValuesByFile,
  options: { withDiff: boolean; all?: boolean },
): DiffByFile {
  const out: DiffByFile = {};
  for (const file of [...new Set([...Object.keys(oldV), ...Object.keys(newV)])].sort()) {
    const a = valuesOf(oldV[file]);
    const b = valuesOf(newV[file]);
    const entries: Record<string, DiffEntry> = {};
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const o = a[key];
      const n = b[key];
      const same = JSON.stringify(o) === JSON.stringify(n);
      if (same && !options.all) continue;
      const e: { old?: unknown; new?: unknown; diff?: number } = { old: o ?? null, new: n ?? null };
      if (options.withDiff && typeof o === 'number' && typeof n === 'number') e.diff = n - o;
      entries[key] = e;
    }
    if (Object.keys(entries).length > 0) out[file] = entries;
  }
  return out;
}

export async function metricsShow(root: string): Promise<ValuesByFile> {
  const pipeline = await loadPipeline(root);
  return readWorkspace(root, metricsFiles(pipeline));
}

export async function metricsDiff(root: string, rev = 'HEAD', options: { all?: boolean } = {}): Promise<DiffByFile> {
  const pipeline = await loadPipeline(root);
  const files = metricsFiles(pipeline);
  return diffValues(await readRevision(root, rev, files), await readWorkspace(root, files), {
    withDiff: true,
    ...options,
  });
}

export async function paramsDiff(root: string, rev = 'HEAD', options: { all?: boolean } = {}): Promise<DiffByFile> {
  const pipeline = await loadPipeline(root);
  const files = paramsFiles(pipeline);
  return diffValues(await readRevision(root, rev, files), await readWorkspace(root, files), {
    withDiff: false,
    ...options,
  });
}
