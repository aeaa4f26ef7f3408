/**
 * Crash-safe file writes. Every file aquaops writes into a repository (cache objects, `.dvc`
 * files, `dvc.lock`, downloads) goes to a temporary file in the destination directory, is
 * fsynced, then renamed over the target: a reader sees the old version or the new one, never a
 * torn mix, and a failure midway leaves the previous good version in place. The temp file lives
 * in the same directory so the rename never crosses file systems.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, constants, copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface AtomicWriteOptions {
  /** File mode of the result, e.g. 0o444 for read-only cache objects. */
  readonly mode?: number;
  /** Create missing parent directories (default true). */
  readonly mkdirs?: boolean;
  /** Runs after the data is written and synced, before the rename; throwing aborts the write. */
  readonly beforeCommit?: () => void | Promise<void>;
}

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some platforms refuse to open directories, which is harmless.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* directory fsync unsupported */
  }
}

async function finish(tmp: string, target: string, options: AtomicWriteOptions): Promise<void> {
  if (options.beforeCommit !== undefined) await options.beforeCommit();
  if (options.mode !== undefined) await chmod(tmp, options.mode);
  await rename(tmp, target);
  await fsyncDir(path.dirname(target));
}

/** Writes `data` to `target` atomically (temp file + fsync + rename). */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (options.mkdirs !== false) await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await finish(tmp, target, options);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Streams `source` into `target` atomically, through optional transforms (used to hash or
 * verify while copying). If the stream or a transform fails, the temp file is removed and
 * `target` is untouched.
 */
export async function writeStreamAtomic(
  target: string,
  source: Readable,
  transforms: readonly Transform[] = [],
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (options.mkdirs !== false) await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    await pipeline([source, ...transforms, out]);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await finish(tmp, target, options);
  } catch (err) {
    source.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Copies a file atomically; `transforms` see every chunk (e.g. to count or hash). */
export async function copyFileAtomic(
  source: string,
  target: string,
  options: AtomicWriteOptions & { readonly transforms?: readonly Transform[] } = {},
): Promise<void> {
  await writeStreamAtomic(
    target,
    createReadStream(source, { highWaterMark: 1 << 20 }),
    options.transforms ?? [],
    options,
  );
}

/**
 * Copies a file atomically through `copyFile` with copy-on-write cloning where the file system
 * supports it (btrfs, XFS, APFS) and a plain copy elsewhere — DVC's default `reflink,copy` link
 * strategy. Never hard- or symlinks, so editing a checked-out file cannot corrupt the cache.
 */
export async function cloneFileAtomic(source: string, target: string, options: AtomicWriteOptions = {}): Promise<void> {
  if (options.mkdirs !== false) await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await copyFile(source, tmp, constants.COPYFILE_FICLONE);
    await chmod(tmp, options.mode ?? 0o644);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await finish(tmp, target, options);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
