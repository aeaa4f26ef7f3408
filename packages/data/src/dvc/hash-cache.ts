/**
 * Remembers file hashes keyed by (inode, mtime in ns, size) so that re-adding or checking the
 * status of an unchanged 100 MB file costs one `stat` instead of reading it again — the same
 * idea as DVC's `.dvc/tmp/hashes` database. Stored as one JSON file under `.dvc/tmp/`, written
 * atomically; a missing or unreadable file just means an empty cache.
 */
import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic.js';
import { md5File } from './hash.js';
import type { FileHasher } from './hash.js';

export interface FileStamp {
  readonly ino: string;
  readonly mtimeNs: string;
  readonly size: number;
}

interface Stamp extends FileStamp {
  readonly md5: string;
}

export interface HashedFile {
  readonly md5: string;
  readonly size: number;
}

export class HashCache {
  private entries = new Map<string, Stamp>();
  private loaded = false;
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly hasher: FileHasher = md5File,
  ) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const raw = JSON.parse(await readFile(this.file, 'utf8')) as {
        version?: number;
        entries?: Record<string, Stamp>;
      };
      if (raw.version === 1 && raw.entries !== undefined) this.entries = new Map(Object.entries(raw.entries));
    } catch {
      /* absent or corrupt: start empty, it is only an accelerator */
    }
  }

  /** The file's current stamp and its remembered hash if the stamp is unchanged. */
  async lookup(absPath: string): Promise<{ stamp: FileStamp; known: HashedFile | undefined }> {
    await this.load();
    const st = await stat(absPath, { bigint: true });
    const stamp = { ino: st.ino.toString(), mtimeNs: st.mtimeNs.toString(), size: Number(st.size) };
    const e = this.entries.get(absPath);
    const hit = e !== undefined && e.ino === stamp.ino && e.mtimeNs === stamp.mtimeNs && e.size === stamp.size;
    return { stamp, known: hit ? { md5: e.md5, size: e.size } : undefined };
  }

  /** Remembers a hash computed elsewhere (e.g. while copying into the cache) for a stamp. */
  record(absPath: string, stamp: FileStamp, md5: string): void {
    this.entries.set(absPath, { ...stamp, md5 });
    this.dirty = true;
  }

  /** md5 and size of `absPath`, hashing only when its stamp changed. */
  async hash(absPath: string): Promise<HashedFile> {
    const { stamp, known } = await this.lookup(absPath);
    if (known !== undefined) return known;
    const md5 = await this.hasher(absPath);
    this.record(absPath, stamp, md5);
    return { md5, size: stamp.size };
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, entries: Object.fromEntries(this.entries) }));
    this.dirty = false;
  }
}
