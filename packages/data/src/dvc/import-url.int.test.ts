import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importUrl } from './import-url.js';
import { DvcRepo } from './repo.js';

const BODY = Buffer.from('ph,Potability\r\n7.1,1\r\n'.repeat(5000));
const SHA = createHash('sha256').update(BODY).digest('hex');
let base = '';
const server = createServer((req, res) => {
  if (req.url === '/data/water.csv') {
    res.writeHead(200, { 'content-type': 'text/csv' });
    // two chunks so the download really streams
    res.write(BODY.subarray(0, 1000));
    setTimeout(() => res.end(BODY.subarray(1000)), 5);
  } else {
    res.writeHead(404).end('no');
  }
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function repoDir(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'aq-import-'));
  await DvcRepo.init(root);
  return root;
}

describe('importUrl', () => {
  it('downloads, verifies sha256, caches and writes an import .dvc file', async () => {
    const root = await repoDir();
    const r = await importUrl({ url: `${base}/data/water.csv`, sha256: SHA, cwd: root });
    expect(r.out).toBe(path.join(root, 'water.csv'));
    expect(await readFile(r.out)).toEqual(BODY);
    const md5 = createHash('md5').update(BODY).digest('hex');
    expect(await readFile(r.dvcFile, 'utf8')).toBe(
      `frozen: true\ndeps:\n- path: ${base}/data/water.csv\n  size: ${BODY.length}\nouts:\n- md5: ${md5}\n  size: ${BODY.length}\n  hash: md5\n  path: water.csv\nmeta:\n  sha256: ${SHA}\n`,
    );
    expect(existsSync(path.join(root, '.dvc/cache/files/md5', md5.slice(0, 2), md5.slice(2)))).toBe(true);
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toBe('/water.csv\n');
  });

  it('rejects a sha256 mismatch leaving nothing behind and a previous version intact', async () => {
    const root = await repoDir();
    await writeFile(path.join(root, 'keep.csv'), 'old');
    await expect(
      importUrl({ url: `${base}/data/water.csv`, out: 'keep.csv', sha256: '0'.repeat(64), cwd: root }),
    ).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_CHECKSUM' });
    expect(await readFile(path.join(root, 'keep.csv'), 'utf8')).toBe('old');
    expect((await readdir(root)).sort()).toEqual(['.dvc', 'keep.csv']);
  });

  it('reports HTTP errors, bad URLs and malformed hashes clearly', async () => {
    const root = await repoDir();
    await expect(importUrl({ url: `${base}/missing.csv`, sha256: SHA, cwd: root })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_DOWNLOAD',
      message: expect.stringContaining('HTTP 404'),
    });
    await expect(importUrl({ url: 'ftp://x/y', sha256: SHA, cwd: root })).rejects.toMatchObject({
      code: 'AQUAOPS_E_USAGE',
    });
    await expect(importUrl({ url: `${base}/data/water.csv`, sha256: 'abc', cwd: root })).rejects.toMatchObject({
      code: 'AQUAOPS_E_USAGE',
    });
    expect(await readdir(root)).toEqual(['.dvc']);
  });
});
