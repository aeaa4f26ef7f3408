/**
 * Local filesystem artifact store: blobs live at `<root>/sha256/ab/cdef…` (the first two hex
 * digits fan out directories). A put streams into a temp file in the same directory while
 * hashing, fsyncs it, makes it read-only and renames it into place — rename is atomic, so a
 * crash leaves either the complete blob or an orphan temp file that `list` ignores and `gc`
 * clears, never a half-written blob under a valid name.
 */
import { createHash, randomUUID } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import type { ArtifactContext, ArtifactSource, ArtifactStore, BlobInfo, PutResult } from './store.js';

const SHA_RE = /^[0-9a-f]{64}$/;
const TMP_PREFIX = '.tmp-';

function checkSha(sha256: string): void {
  if (!SHA_RE.test(sha256)) {
    throw new AquaopsError('AQUAOPS_E_REGISTRY_INVALID', `"${sha256}" is not a sha256 digest`, {
      hint: 'pass 64 lowercase hex digits',
    });
  }
}

export class FsArtifactStore implements ArtifactStore {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.description = `file:${this.root}`;
  }

  pathOf(sha256: string): string {
    checkSha(sha256);
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }

  async put(data: ArtifactSource): Promise<PutResult> {
    const staging = path.join(this.root, 'sha256');
    await fs.mkdir(staging, { recursive: true });
    const tmp = path.join(staging, `${TMP_PREFIX}${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await fs.open(tmp, 'wx', 0o600);
    try {
      const chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array> = data instanceof Uint8Array ? [data] : data;
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.byteLength;
        let off = 0;
        while (off < chunk.byteLength) off += (await fh.write(chunk, off, chunk.byteLength - off)).bytesWritten;
      }
      await fh.sync();
    } catch (err) {
      await fh.close().catch(() => {});
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const sha256 = hash.digest('hex');
    const dest = this.pathOf(sha256);
    try {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.chmod(tmp, 0o444);
      if (await this.#intact(dest, sha256)) {
        await fs.rm(tmp, { force: true });
      } else {
        // a corrupt blob already under this name is replaced by the good bytes
        await fs.rename(tmp, dest);
        await syncDir(path.dirname(dest));
      }
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    return { sha256, size };
  }

  async #intact(file: string, sha256: string): Promise<boolean> {
    try {
      const bytes = await fs.readFile(file);
      return createHash('sha256').update(bytes).digest('hex') === sha256;
    } catch {
      return false;
    }
  }

  async get(sha256: string, context: ArtifactContext = {}): Promise<Uint8Array> {
    const file = this.pathOf(sha256);
    const what = describe(context);
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') {
        throw new AquaopsError(
          'AQUAOPS_E_ARTIFACT_MISSING',
          `artifact ${sha256}${what} is not in ${this.description}`,
          {
            hint: 'restore the artifact store from backup or re-register the model',
            details: [{ path: file, expected: sha256 }],
          },
        );
      }
      throw err;
    }
    const found = createHash('sha256').update(bytes).digest('hex');
    if (found !== sha256) {
      throw new AquaopsError(
        'AQUAOPS_E_ARTIFACT_CORRUPT',
        `artifact${what} is corrupt or tampered: expected sha256 ${sha256}, found ${found}`,
        {
          hint: 'do not use this model; restore the file from backup or re-register the version',
          details: [{ path: file, expected: sha256, found }],
        },
      );
    }
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256), fsc.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<boolean> {
    try {
      await fs.unlink(this.pathOf(sha256));
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return false;
      throw err;
    }
  }

  async list(): Promise<BlobInfo[]> {
    const base = path.join(this.root, 'sha256');
    const out: BlobInfo[] = [];
    let dirs: string[];
    try {
      dirs = await fs.readdir(base);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return [];
      throw err;
    }
    for (const d of dirs) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const f of await fs.readdir(path.join(base, d))) {
        const sha256 = d + f;
        if (!SHA_RE.test(sha256)) continue;
        const st = await fs.stat(path.join(base, d, f));
        out.push({ sha256, size: st.size, modifiedMs: st.mtimeMs });
      }
    }
    return out.sort((a, b) => a.sha256.localeCompare(b.sha256));
  }

  /** Temp files left by crashed puts, older than `olderThanMs`; removed by gc. */
  async removeStaleTemps(olderThanMs: number, now = Date.now()): Promise<number> {
    const base = path.join(this.root, 'sha256');
    let n = 0;
    let names: string[];
    try {
      names = await fs.readdir(base);
    } catch {
      return 0;
    }
    for (const f of names) {
      if (!f.startsWith(TMP_PREFIX)) continue;
      const p = path.join(base, f);
      const st = await fs.stat(p).catch(() => undefined);
      if (st !== undefined && now - st.mtimeMs >= olderThanMs) {
        await fs.rm(p, { force: true });
        n++;
      }
    }
    return n;
  }
}

function describe(c: ArtifactContext): string {
  if (c.model === undefined) return c.name === undefined ? '' : ` "${c.name}"`;
  const v = c.version === undefined ? c.model : `${c.model}@${c.version}`;
  return c.name === undefined ? ` of ${v}` : ` "${c.name}" of ${v}`;
}

async function syncDir(dir: string): Promise<void> {
  // directory fsync makes the rename durable; some filesystems refuse it, which is harmless
  const fh = await fs.open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  await fh.sync().catch(() => {});
  await fh.close();
}
