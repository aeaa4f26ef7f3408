/**
 * The content-addressed object store DVC 3 uses: `<cache>/files/md5/<2 hex>/<30 hex>` for files
 * and `…/<30 hex>.dir` for directory manifests. Objects are written atomically, verified
 * against their md5 while they are written (a file changing under us or a corrupt transfer
 * never lands in the cache), and made read-only (0444) so a stray edit cannot corrupt them.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { AquaopsError } from '@aquaops/contracts';
import { cloneFileAtomic, copyFileAtomic, writeFileAtomic, writeStreamAtomic } from '../fs/atomic.js';
import { HashingStream, md5Bytes } from './hash.js';
import type { DirEntry } from './hash.js';

const MD5_RE = /^[0-9a-f]{32}(\.dir)?$/;

/** The hex digest of an object id (directory manifests carry a `.dir` suffix). */
function bare(md5: string): string {
  return md5.endsWith('.dir') ? md5.slice(0, -4) : md5;
}

export function isMd5(value: string): boolean {
  return MD5_RE.test(value);
}

/** `files/md5/ab/cdef…` — the relative location of an object in a cache or a remote. */
export function objectRelPath(md5: string): string {
  if (!isMd5(md5)) {
    throw new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `"${md5}" is not an md5 hash`, {
      hint: 'md5 values are 32 lowercase hex digits, with ".dir" for directories; fix the .dvc or dvc.lock file.',
    });
  }
  return `files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
}

function checksumError(md5: string, got: string, what: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_DVC_CACHE_CORRUPT', `${what}: expected md5 ${md5}, content has ${got}`, {
    hint: 'the source changed while it was being copied or the transfer is corrupt; run the command again.',
  });
}

export class ObjectCache {
  /** Extra transforms placed in every file copy; lets tests inject an I/O failure mid-copy. */
  copyTransforms: () => Transform[] = () => [];

  constructor(readonly root: string) {}

  pathOf(md5: string): string {
    return path.join(this.root, objectRelPath(md5));
  }

  has(md5: string): boolean {
    return existsSync(this.pathOf(md5));
  }

  /** Copies `source` into the cache as `md5` unless already present; verifies while copying. */
  async insertFile(source: string, md5: string): Promise<boolean> {
    if (this.has(md5)) return false;
    const hs = new HashingStream('md5');
    await copyFileAtomic(source, this.pathOf(md5), {
      mode: 0o444,
      transforms: [...this.copyTransforms(), hs],
      beforeCommit: () => {
        const got = hs.digest();
        if (got !== bare(md5)) throw checksumError(md5, got, source);
      },
    });
    return true;
  }

  /**
   * Copies a file whose hash is not known yet into the cache in one pass (hash while copying,
   * to a staging name, then rename to its md5 path) — half the reads of hash-then-copy, which
   * matters for large files. Returns the md5.
   */
  async insertHashing(source: string): Promise<{ md5: string; size: number }> {
    const hs = new HashingStream('md5');
    const staging = path.join(this.root, 'files', 'md5', `.staging-${randomBytes(8).toString('hex')}`);
    try {
      await copyFileAtomic(source, staging, { mode: 0o444, transforms: [...this.copyTransforms(), hs] });
      const md5 = hs.digest();
      if (this.has(md5)) {
        await rm(staging, { force: true });
      } else {
        await mkdir(path.dirname(this.pathOf(md5)), { recursive: true });
        await rename(staging, this.pathOf(md5));
      }
      return { md5, size: hs.bytes };
    } catch (err) {
      await rm(staging, { force: true });
      throw err;
    }
  }

  /** Stores a stream (a download from a remote) as `md5`, verifying it. */
  async insertStream(md5: string, source: Readable): Promise<void> {
    const hs = new HashingStream('md5');
    await writeStreamAtomic(this.pathOf(md5), source, [hs], {
      mode: 0o444,
      beforeCommit: () => {
        const got = hs.digest();
        if (got !== bare(md5)) throw checksumError(md5, got, `object ${md5} from the remote`);
      },
    });
  }

  /** Stores a `.dir` manifest; returns its md5 with the `.dir` suffix. */
  async insertManifest(manifest: string): Promise<string> {
    const md5 = `${md5Bytes(manifest)}.dir`;
    if (!this.has(md5)) await writeFileAtomic(this.pathOf(md5), manifest, { mode: 0o444 });
    return md5;
  }

  async readManifest(md5: string): Promise<DirEntry[]> {
    const file = this.pathOf(md5);
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch {
      throw new AquaopsError('AQUAOPS_E_DVC_CACHE_MISSING', `directory manifest ${md5} is not in the cache`, {
        hint: 'run `aquaops data pull` to fetch it from the remote.',
      });
    }
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) throw checksumError(md5, 'not a JSON list', file);
    return parsed.map((e: unknown) => {
      const o = e as { md5?: unknown; relpath?: unknown };
      if (typeof o.md5 !== 'string' || typeof o.relpath !== 'string') {
        throw new AquaopsError('AQUAOPS_E_DVC_CACHE_CORRUPT', `manifest ${file} has an entry without md5/relpath`, {
          hint: 'delete the manifest and run `aquaops data pull` or `aquaops data add` again.',
        });
      }
      if (o.relpath.split('/').some((p) => p === '..' || p === '') || path.isAbsolute(o.relpath)) {
        throw new AquaopsError('AQUAOPS_E_DVC_CACHE_CORRUPT', `manifest ${file} has an unsafe relpath "${o.relpath}"`, {
          hint: 'the manifest is corrupt or hostile; delete it and pull again.',
        });
      }
      return { md5: o.md5, relpath: o.relpath };
    });
  }

  /** Writes object `md5` to `target` (clone or copy, never a link; see cloneFileAtomic). */
  async checkoutFile(md5: string, target: string): Promise<void> {
    if (!this.has(md5)) {
      throw new AquaopsError('AQUAOPS_E_DVC_CACHE_MISSING', `object ${md5} for ${target} is not in the cache`, {
        hint: 'run `aquaops data pull` to fetch it from the remote.',
      });
    }
    await cloneFileAtomic(this.pathOf(md5), target, { mode: 0o644 });
  }

  /** Every object hash in the cache (files and `.dir` manifests). */
  async list(): Promise<string[]> {
    const base = path.join(this.root, 'files', 'md5');
    const out: string[] = [];
    let prefixes: string[];
    try {
      prefixes = await readdir(base);
    } catch {
      return out;
    }
    for (const p of prefixes) {
      if (!/^[0-9a-f]{2}$/.test(p)) continue;
      for (const rest of await readdir(path.join(base, p))) {
        const md5 = p + rest;
        if (isMd5(md5)) out.push(md5);
      }
    }
    return out.sort();
  }
}
