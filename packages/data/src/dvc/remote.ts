/**
 * Remotes hold the same object layout as the cache (`files/md5/xx/yyyy…`) somewhere else. The
 * `Remote` interface is stream-based and knows nothing about local paths so an S3 or HTTP
 * remote can implement it later; `LocalRemote` is a directory (a mounted disk, an NFS share).
 */
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { writeStreamAtomic } from '../fs/atomic.js';
import { objectRelPath } from './cache.js';

export interface Remote {
  readonly name: string;
  /** Where it is, for messages. */
  readonly url: string;
  exists(md5: string): Promise<boolean>;
  /** Opens object `md5` for reading; rejects if it is absent. */
  read(md5: string): Promise<Readable>;
  /** Stores object `md5` from a stream; must be atomic (no partial object on failure). */
  write(md5: string, body: Readable): Promise<void>;
}

export class LocalRemote implements Remote {
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  private pathOf(md5: string): string {
    return path.join(this.url, objectRelPath(md5));
  }

  async exists(md5: string): Promise<boolean> {
    return existsSync(this.pathOf(md5));
  }

  async read(md5: string): Promise<Readable> {
    const s = createReadStream(this.pathOf(md5));
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
    });
    return s;
  }

  async write(md5: string, body: Readable): Promise<void> {
    await writeStreamAtomic(this.pathOf(md5), body, [], { mode: 0o444 });
  }
}
