/**
 * `import-url URL [OUT] --sha256 H`: downloads over http(s) as a stream, verifies the sha256
 * before anything becomes visible (mismatch → error, nothing left behind, a previous OUT kept),
 * caches the file and writes `OUT.dvc` shaped like `dvc import-url` output: `frozen: true`, a
 * `deps` entry with the URL, the `outs`, and the expected sha256 under `meta`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AquaopsError } from '@aquaops/contracts';
import { writeStreamAtomic } from '../fs/atomic.js';
import { writeDvcFile } from './dvcfile.js';
import type { OutHash } from './dvcfile.js';
import { HashingStream } from './hash.js';
import type { FileHasher } from './hash.js';
import { DvcRepo } from './repo.js';

export interface ImportUrlOptions {
  readonly url: string;
  /** Target path (default: last segment of the URL path), relative to `cwd`. */
  readonly out?: string;
  readonly sha256: string;
  readonly cwd?: string;
  readonly hasher?: FileHasher;
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number) => void;
}

export interface ImportUrlResult {
  readonly out: string;
  readonly dvcFile: string;
  readonly hash: OutHash;
}

export async function importUrl(options: ImportUrlOptions): Promise<ImportUrlResult> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new AquaopsError('AQUAOPS_E_USAGE', `"${options.url}" is not a URL`, {
      hint: 'give a full http:// or https:// URL.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AquaopsError('AQUAOPS_E_USAGE', `unsupported URL scheme ${url.protocol} in ${options.url}`, {
      hint: 'only http:// and https:// URLs can be imported.',
    });
  }
  const expected = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `--sha256 "${options.sha256}" is not 64 hex digits`, {
      hint: 'pass the sha256 published with the data (e.g. from `sha256sum FILE`).',
    });
  }
  const repo = await DvcRepo.open({
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.hasher === undefined ? {} : { hasher: options.hasher }),
  });
  const name = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  let outArg = options.out ?? name;
  if (outArg === '') {
    throw new AquaopsError('AQUAOPS_E_USAGE', `cannot derive a file name from ${options.url}`, {
      hint: 'pass OUT explicitly.',
    });
  }
  try {
    if ((await stat(repo.resolve(outArg))).isDirectory()) outArg = path.join(outArg, name);
  } catch {
    /* OUT does not exist yet */
  }
  const out = repo.resolve(outArg);

  let res: Response;
  try {
    res = await fetch(url, options.signal === undefined ? {} : { signal: options.signal });
  } catch (err) {
    throw new AquaopsError('AQUAOPS_E_DVC_DOWNLOAD', `cannot download ${options.url}: ${(err as Error).message}`, {
      hint: 'check the URL and your network connection.',
      cause: err,
    });
  }
  if (!res.ok || res.body === null) {
    throw new AquaopsError(
      'AQUAOPS_E_DVC_DOWNLOAD',
      `download of ${options.url} failed: HTTP ${res.status} ${res.statusText}`,
      {
        hint: 'check that the URL is right and publicly reachable.',
      },
    );
  }
  const sha = new HashingStream('sha256');
  const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  if (options.onProgress !== undefined) {
    const cb = options.onProgress;
    let n = 0;
    body.on('data', (c: Buffer) => {
      n += c.length;
      cb(n);
    });
  }
  await writeStreamAtomic(out, body, [sha], {
    beforeCommit: () => {
      const got = sha.digest();
      if (got !== expected) {
        throw new AquaopsError(
          'AQUAOPS_E_DVC_CHECKSUM',
          `${options.url} has sha256 ${got}, expected ${expected}; nothing was written`,
          {
            hint: 'the file changed upstream or the download was tampered with; verify the expected hash with the publisher.',
          },
        );
      }
    },
  });
  try {
    const hash = await repo.commit(out);
    const dvcFile = `${out}.dvc`;
    await writeDvcFile(dvcFile, {
      frozen: true,
      deps: [{ path: options.url, size: hash.size }],
      outs: [{ path: path.basename(out), hash, cache: true }],
      meta: { sha256: expected },
    });
    await repo.ignoreInGit(out);
    return { out, dvcFile, hash };
  } finally {
    await repo.hashes.save();
  }
}
