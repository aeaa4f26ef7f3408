/**
 * `dvc.lock` (schema 2.0): what each stage last ran with — its command, the md5 of every
 * dependency, the params values and the md5 of every output — in DVC's key order and sorting
 * (deps and outs by path, params by file then key) so DVC reads our lock files and ours
 * diff cleanly in git.
 */
import { readFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import { parse } from 'yaml';
import { dumpYaml, parseOutHash } from '../dvc/dvcfile.js';
import type { OutHash } from '../dvc/dvcfile.js';
import { writeFileAtomic } from '../fs/atomic.js';

export interface LockEntry {
  readonly path: string;
  readonly hash?: OutHash;
}

export interface LockStage {
  readonly cmd: string | readonly string[];
  readonly deps: readonly LockEntry[];
  /** file → dotted key → value. */
  readonly params: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly outs: readonly LockEntry[];
}

export type LockFile = Map<string, LockStage>;

function invalid(file: string, where: string, message: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `${file}: ${where}: ${message}`, {
    hint: 'delete dvc.lock (or the stage entry) and run `aquaops repro` to rebuild it.',
    details: [{ path: `${file}:${where}` }],
  });
}

function parseEntries(raw: unknown, file: string, where: string): LockEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid(file, where, 'expected a list');
  return raw.map((e: unknown, i) => {
    if (typeof e !== 'object' || e === null) throw invalid(file, `${where}[${i}]`, 'expected a mapping');
    const r = e as Record<string, unknown>;
    if (typeof r.path !== 'string') throw invalid(file, `${where}[${i}].path`, 'missing path');
    const hash = parseOutHash(r, file, `${where}[${i}]`);
    return hash === undefined ? { path: r.path } : { path: r.path, hash };
  });
}

export function parseLock(text: string, file: string): LockFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalid(file, 'yaml', (err as Error).message.split('\n')[0]!);
  }
  const lock: LockFile = new Map();
  if (doc === null || doc === undefined) return lock;
  const d = doc as Record<string, unknown>;
  if (d.schema !== '2.0') throw invalid(file, 'schema', `expected '2.0', found ${JSON.stringify(d.schema)}`);
  const stages = d.stages ?? {};
  if (typeof stages !== 'object' || stages === null) throw invalid(file, 'stages', 'expected a mapping');
  for (const [name, raw] of Object.entries(stages as Record<string, unknown>)) {
    const s = raw as Record<string, unknown>;
    if (typeof s?.cmd !== 'string' && !Array.isArray(s?.cmd)) throw invalid(file, `stages.${name}.cmd`, 'missing');
    lock.set(name, {
      cmd: s.cmd as string | string[],
      deps: parseEntries(s.deps, file, `stages.${name}.deps`),
      params: (s.params ?? {}) as Record<string, Record<string, unknown>>,
      outs: parseEntries(s.outs, file, `stages.${name}.outs`),
    });
  }
  return lock;
}

export async function readLock(file: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return new Map();
  }
  return parseLock(text, file);
}

function entryToYaml(e: LockEntry): Record<string, unknown> {
  const r: Record<string, unknown> = { path: e.path };
  if (e.hash !== undefined) {
    r.hash = 'md5';
    r.md5 = e.hash.md5;
    r.size = e.hash.size;
    if (e.hash.nfiles !== undefined) r.nfiles = e.hash.nfiles;
  }
  return r;
}

const byPath = (a: LockEntry, b: LockEntry): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export function formatLock(lock: LockFile, order: readonly string[]): string {
  const stages: Record<string, unknown> = {};
  const names = [...order.filter((n) => lock.has(n)), ...[...lock.keys()].filter((n) => !order.includes(n))];
  for (const name of names) {
    const s = lock.get(name)!;
    const out: Record<string, unknown> = { cmd: s.cmd };
    if (s.deps.length > 0) out.deps = [...s.deps].sort(byPath).map(entryToYaml);
    const pfiles = Object.keys(s.params).sort();
    if (pfiles.length > 0) {
      const params: Record<string, unknown> = {};
      for (const f of pfiles) {
        const vals = s.params[f]!;
        params[f] = Object.fromEntries(
          Object.keys(vals)
            .sort()
            .map((k) => [k, vals[k]]),
        );
      }
      out.params = params;
    }
    if (s.outs.length > 0) out.outs = [...s.outs].sort(byPath).map(entryToYaml);
    stages[name] = out;
  }
  return dumpYaml({ schema: '2.0', stages });
}

export async function writeLock(file: string, lock: LockFile, order: readonly string[]): Promise<void> {
  await writeFileAtomic(file, formatLock(lock, order));
}
