/**
 * Reading and writing `.dvc` files in DVC 3's exact shape and key order (`md5, size, nfiles,
 * hash, path` per output; `deps` with `path` for imports) so `dvc status` in the same repository
 * sees no difference. Also the YAML dump settings DVC's ruamel output matches: block style,
 * sequences not indented under their key, single-quoted strings when quoting is needed.
 */
import { readFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../fs/atomic.js';

export interface OutHash {
  readonly md5: string;
  readonly size: number;
  /** Only for directories. */
  readonly nfiles?: number;
}

export interface DvcFileOut {
  /** Relative to the directory of the `.dvc` file, POSIX separators. */
  readonly path: string;
  readonly hash?: OutHash;
  readonly cache: boolean;
}

export interface DvcFileDep {
  readonly path: string;
  readonly size?: number;
}

export interface DvcFile {
  readonly outs: readonly DvcFileOut[];
  readonly deps?: readonly DvcFileDep[];
  readonly frozen?: boolean;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export function dumpYaml(value: unknown): string {
  return stringify(value, { indentSeq: false, singleQuote: true, lineWidth: 0 });
}

function invalid(file: string, where: string, message: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `${file}: ${where}: ${message}`, {
    hint: 'fix the file by hand or delete it and run `aquaops data add` again.',
    details: [{ path: `${file}:${where}` }],
  });
}

/** Parses the hash fields of one `outs` entry (shared with dvc.lock). */
export function parseOutHash(o: Record<string, unknown>, file: string, where: string): OutHash | undefined {
  if (o.md5 === undefined) return undefined;
  if (typeof o.md5 !== 'string' || !/^[0-9a-f]{32}(\.dir)?$/.test(o.md5)) {
    throw invalid(file, `${where}.md5`, `expected 32 hex digits (+ ".dir"), found ${JSON.stringify(o.md5)}`);
  }
  if (o.hash !== undefined && o.hash !== 'md5') {
    throw invalid(file, `${where}.hash`, `only "md5" (DVC 3) is supported, found ${JSON.stringify(o.hash)}`);
  }
  if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 0) {
    throw invalid(file, `${where}.size`, `expected a byte count, found ${JSON.stringify(o.size)}`);
  }
  if (o.nfiles !== undefined && (typeof o.nfiles !== 'number' || !Number.isInteger(o.nfiles))) {
    throw invalid(file, `${where}.nfiles`, `expected a file count, found ${JSON.stringify(o.nfiles)}`);
  }
  return typeof o.nfiles === 'number' ? { md5: o.md5, size: o.size, nfiles: o.nfiles } : { md5: o.md5, size: o.size };
}

export function parseDvcFile(text: string, file: string): DvcFile {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalid(file, 'yaml', (err as Error).message);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(file, 'top', 'expected a mapping');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.outs) || d.outs.length === 0) throw invalid(file, 'outs', 'expected a non-empty list');
  const outs = d.outs.map((o: unknown, i): DvcFileOut => {
    if (typeof o !== 'object' || o === null) throw invalid(file, `outs[${i}]`, 'expected a mapping');
    const r = o as Record<string, unknown>;
    if (typeof r.path !== 'string' || r.path === '') throw invalid(file, `outs[${i}].path`, 'missing path');
    const hash = parseOutHash(r, file, `outs[${i}]`);
    const cache = r.cache !== false;
    return hash === undefined ? { path: r.path, cache } : { path: r.path, hash, cache };
  });
  const result: { -readonly [K in keyof DvcFile]: DvcFile[K] } = { outs };
  if (Array.isArray(d.deps)) {
    result.deps = d.deps.map((x: unknown, i) => {
      const r = x as Record<string, unknown>;
      if (typeof r?.path !== 'string') throw invalid(file, `deps[${i}].path`, 'missing path');
      return typeof r.size === 'number' ? { path: r.path, size: r.size } : { path: r.path };
    });
  }
  if (d.frozen === true) result.frozen = true;
  if (typeof d.meta === 'object' && d.meta !== null) result.meta = d.meta as Record<string, unknown>;
  return result;
}

export async function readDvcFile(file: string): Promise<DvcFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AquaopsError('AQUAOPS_E_DVC_PATH_MISSING', `${file} does not exist`, {
      hint: 'track the data first with `aquaops data add PATH`.',
    });
  }
  return parseDvcFile(text, file);
}

/** One output in `.dvc` key order: md5, size, nfiles, hash, path. */
function outToYaml(o: DvcFileOut): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  if (o.hash !== undefined) {
    r.md5 = o.hash.md5;
    r.size = o.hash.size;
    if (o.hash.nfiles !== undefined) r.nfiles = o.hash.nfiles;
    r.hash = 'md5';
  }
  r.path = o.path;
  if (!o.cache) r.cache = false;
  return r;
}

export function formatDvcFile(f: DvcFile): string {
  const doc: Record<string, unknown> = {};
  if (f.frozen) doc.frozen = true;
  if (f.deps !== undefined) doc.deps = f.deps.map((d) => (d.size === undefined ? { path: d.path } : { ...d }));
  doc.outs = f.outs.map(outToYaml);
  if (f.meta !== undefined) doc.meta = f.meta;
  return dumpYaml(doc);
}

/** Writes the file unless it already holds exactly this content (keeps its mtime, skips an fsync). */
export async function writeDvcFile(file: string, f: DvcFile): Promise<void> {
  const text = formatDvcFile(f);
  try {
    if ((await readFile(file, 'utf8')) === text) return;
  } catch {
    /* new file */
  }
  await writeFileAtomic(file, text);
}
