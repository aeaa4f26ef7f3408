/**
 * Content hashes exactly as DVC 3 computes them: md5 over the raw bytes of a file (no
 * line-ending normalisation, unlike DVC 2), and for a directory the md5 of a `.dir` manifest
 * that is byte-for-byte Python's `json.dumps(entries, sort_keys=True)` over
 * `{"md5", "relpath"}` entries sorted by relpath. Matching those bytes is what lets DVC itself
 * read our cache and our `.dvc` files.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

/** Hashes one file; injectable so tests can count calls and other backends can plug in. */
export type FileHasher = (file: string) => Promise<string>;

export const md5File: FileHasher = (file) =>
  new Promise((resolve, reject) => {
    const h = createHash('md5');
    const s = createReadStream(file, { highWaterMark: 1 << 20 });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });

export function md5Bytes(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** A pass-through stream that hashes what flows through it; `digest()` after the end. */
export class HashingStream extends Transform {
  private readonly hash;
  bytes = 0;
  constructor(algorithm: 'md5' | 'sha256') {
    super();
    this.hash = createHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

export interface DirEntry {
  readonly md5: string;
  /** POSIX-style path relative to the directory. */
  readonly relpath: string;
}

/** Python's str ordering: by code point (JS `<` compares UTF-16 units, which differs for astral characters). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/** Python `json.dumps(s)` for a string: ASCII-only output, non-ASCII as \uXXXX (surrogate pairs for astral). */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** The exact bytes of a DVC 3 `.dir` manifest. */
export function dirManifest(entries: readonly DirEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
  const items = sorted.map((e) => `{"md5": ${pythonJsonString(e.md5)}, "relpath": ${pythonJsonString(e.relpath)}}`);
  return `[${items.join(', ')}]`;
}

/** Names DVC never tracks inside a directory output. */
const ALWAYS_IGNORED = new Set(['.git', '.dvc', '.hg', '.svn']);

/** Every regular file under `dir`, as POSIX relpaths sorted like Python would. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    const items = await readdir(abs, { withFileTypes: true });
    for (const it of items) {
      if (ALWAYS_IGNORED.has(it.name)) continue;
      const childRel = rel === '' ? it.name : `${rel}/${it.name}`;
      const childAbs = path.join(abs, it.name);
      if (it.isDirectory()) await walk(childAbs, childRel);
      else if (it.isFile()) out.push(childRel);
    }
  }
  await walk(dir, '');
  return out.sort(compareCodePoints);
}
