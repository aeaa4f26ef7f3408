import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DvcConfig } from './config.js';
import { makeVectorDir, VECTOR_MANIFEST } from './fixtures.test-util.js';
import { md5File } from './hash.js';
import { DvcRepo } from './repo.js';

async function tmpRepo(hasher = md5File): Promise<{ root: string; repo: DvcRepo }> {
  const root = await mkdtemp(path.join(tmpdir(), 'aq-dvc-'));
  const repo = await DvcRepo.init(root, { cwd: root, hasher });
  return { root, repo };
}

describe('DvcRepo.add', () => {
  it('writes a DVC 3 .dvc file, a read-only cache object and a .gitignore entry for a file', async () => {
    const { root, repo } = await tmpRepo();
    await writeFile(path.join(root, 'w.csv'), 'ph,Potability\r\n7.1,1\r\n');
    const { hash } = await repo.add('w.csv');
    expect(hash).toEqual({ md5: '184bbdd79377f3b7b93402a1c8f31c66', size: 22 });
    expect(await readFile(path.join(root, 'w.csv.dvc'), 'utf8')).toBe(
      'outs:\n- md5: 184bbdd79377f3b7b93402a1c8f31c66\n  size: 22\n  hash: md5\n  path: w.csv\n',
    );
    const obj = path.join(root, '.dvc/cache/files/md5/18/4bbdd79377f3b7b93402a1c8f31c66');
    expect(await readFile(obj, 'utf8')).toBe('ph,Potability\r\n7.1,1\r\n');
    expect((await stat(obj)).mode & 0o777).toBe(0o444);
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toBe('/w.csv\n');
    await repo.add('w.csv');
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toBe('/w.csv\n');
  });

  it('adds the directory test vector as 62847db6….dir, size 38, nfiles 4', async () => {
    const { root, repo } = await tmpRepo();
    await makeVectorDir(root);
    const { hash } = await repo.add('data');
    expect(hash).toEqual({ md5: '62847db6aa4af64b9143d0a3b5d54031.dir', size: 38, nfiles: 4 });
    expect(await readFile(path.join(root, 'data.dvc'), 'utf8')).toBe(
      'outs:\n- md5: 62847db6aa4af64b9143d0a3b5d54031.dir\n  size: 38\n  nfiles: 4\n  hash: md5\n  path: data\n',
    );
    expect(await readFile(path.join(root, '.dvc/cache/files/md5/62/847db6aa4af64b9143d0a3b5d54031.dir'), 'utf8')).toBe(
      VECTOR_MANIFEST,
    );
    expect(existsSync(path.join(root, '.dvc/cache/files/md5/40/1b30e3b8b5d629635a5c613cdb7919'))).toBe(true);
  });

  it('does not re-read unchanged files on a second add (hash cache by inode, mtime, size)', async () => {
    let calls = 0;
    const counting = async (f: string): Promise<string> => {
      calls++;
      return md5File(f);
    };
    const { root, repo } = await tmpRepo(counting);
    await makeVectorDir(root);
    await repo.add('data');
    expect(calls).toBe(4);
    const again = await DvcRepo.open({ cwd: root, hasher: counting });
    await again.add('data');
    expect(calls).toBe(4);
    await writeFile(path.join(root, 'data', 'données.csv'), 'y\n');
    await again.add('data');
    expect(calls).toBe(5);
  });

  it('copies a new file in one pass and does not read an unchanged file again', async () => {
    let calls = 0;
    const counting = async (f: string): Promise<string> => {
      calls++;
      return md5File(f);
    };
    const { root, repo } = await tmpRepo(counting);
    await writeFile(path.join(root, 'f.bin'), Buffer.alloc(200_000, 3));
    let copies = 0;
    repo.cache.copyTransforms = () => {
      copies++;
      return [];
    };
    const first = await repo.add('f.bin');
    expect([calls, copies]).toEqual([0, 1]);
    expect(first.hash.md5).toBe(await md5File(path.join(root, 'f.bin')));
    await repo.add('f.bin');
    expect((await repo.status())[0]?.states).toEqual(['ok']);
    expect([calls, copies]).toEqual([0, 1]);
  });

  it('keeps the previous version and leaves no partial object when a copy fails midway', async () => {
    const { root, repo } = await tmpRepo();
    const file = path.join(root, 'big.bin');
    await writeFile(file, Buffer.alloc(300_000, 1));
    await repo.add('big.bin');
    const before = await readFile(`${file}.dvc`, 'utf8');
    await writeFile(file, Buffer.alloc(300_000, 2));
    let seen = 0;
    repo.cache.copyTransforms = () => [
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          seen += chunk.length;
          cb(seen > 100_000 ? new Error('disk unplugged') : null, chunk);
        },
      }),
    ];
    await expect(repo.add('big.bin')).rejects.toThrow('disk unplugged');
    expect(await readFile(`${file}.dvc`, 'utf8')).toBe(before);
    const objects = await repo.cache.list();
    expect(objects).toHaveLength(1);
    const leftovers = (await import('node:fs')).readdirSync(path.join(root, '.dvc/cache/files/md5'), {
      recursive: true,
    });
    expect(leftovers.filter((f) => /\.tmp$|staging/.test(String(f)))).toEqual([]);
  });

  it('refuses a file that changes between hashing and caching (md5 verified during copy)', async () => {
    const { root, repo } = await tmpRepo();
    await writeFile(path.join(root, 'a.txt'), 'one');
    const h = await repo.hashes.hash(path.join(root, 'a.txt'));
    await writeFile(path.join(root, 'b.txt'), 'two');
    await expect(repo.cache.insertFile(path.join(root, 'b.txt'), h.md5)).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_CACHE_CORRUPT',
    });
    expect(await repo.cache.list()).toEqual([]);
  });

  it('reports a missing path clearly', async () => {
    const { repo } = await tmpRepo();
    await expect(repo.add('nope.csv')).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_PATH_MISSING' });
    await expect(DvcRepo.open({ cwd: tmpdir() })).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_NO_REPO' });
  });
});

describe('status, checkout, push, pull, gc', () => {
  it('tracks modification, deletion and cache loss, and restores from cache', async () => {
    const { root, repo } = await tmpRepo();
    const dir = await makeVectorDir(root);
    await writeFile(path.join(root, 'f.txt'), 'hello');
    await repo.add('data');
    await repo.add('f.txt');
    expect((await repo.status()).map((s) => s.states)).toEqual([['ok'], ['ok']]);

    await writeFile(path.join(dir, 'raw', 'water.csv'), 'changed');
    await writeFile(path.join(dir, 'extra.txt'), 'new');
    await rm(path.join(root, 'f.txt'));
    const st = await repo.status();
    expect(st.find((s) => s.path === 'data')?.states).toEqual(['modified']);
    expect(st.find((s) => s.path === 'f.txt')?.states).toEqual(['deleted']);

    // modified content not in cache is protected unless forced
    await expect(repo.checkout(['data'])).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_UNSAVED_CHANGES' });
    const co = await repo.checkout(undefined, { force: true });
    expect(co.restored.sort()).toEqual(['data', 'f.txt']);
    expect(await readFile(path.join(dir, 'raw', 'water.csv'), 'utf8')).toBe('ph,Potability\r\n7.1,1\r\n');
    expect(existsSync(path.join(dir, 'extra.txt'))).toBe(false);
    expect(await readFile(path.join(root, 'f.txt'), 'utf8')).toBe('hello');
    // checked-out files are writable copies, not links to the read-only cache
    expect((await stat(path.join(root, 'f.txt'))).mode & 0o200).toBe(0o200);
    expect((await repo.status()).every((s) => s.states[0] === 'ok')).toBe(true);

    await rm(path.join(root, '.dvc', 'cache'), { recursive: true, force: true });
    expect((await repo.status(['f.txt']))[0]?.states).toEqual(['not in cache']);
  });

  it('pushes to and pulls from a directory remote with the same layout', async () => {
    const { root, repo } = await tmpRepo();
    const remoteDir = await mkdtemp(path.join(tmpdir(), 'aq-remote-'));
    const cfg = await DvcConfig.load(repo.dvcDir);
    cfg.setRemote('local', remoteDir, true);
    await cfg.save();
    expect(await readFile(path.join(root, '.dvc/config'), 'utf8')).toBe(
      `[core]\n    remote = local\n['remote "local"']\n    url = ${remoteDir}\n`,
    );
    await makeVectorDir(root);
    await repo.add('data');
    const pushed = await repo.push();
    expect(pushed).toEqual({ transferred: 5, present: 0, missing: [] });
    expect(existsSync(path.join(remoteDir, 'files/md5/62/847db6aa4af64b9143d0a3b5d54031.dir'))).toBe(true);
    expect((await repo.push()).transferred).toBe(0);

    await rm(path.join(root, '.dvc', 'cache'), { recursive: true, force: true });
    await rm(path.join(root, 'data'), { recursive: true });
    const pulled = await repo.pull();
    expect(pulled.transferred).toBe(5);
    expect(pulled.restored).toEqual(['data']);
    expect(await readFile(path.join(root, 'data', 'données.csv'), 'utf8')).toBe('x\n');
  });

  it('fails pull with a clear error when the remote is missing objects or not configured', async () => {
    const { root, repo } = await tmpRepo();
    await expect(repo.push()).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_REMOTE' });
    const remoteDir = await mkdtemp(path.join(tmpdir(), 'aq-remote-'));
    const cfg = await DvcConfig.load(repo.dvcDir);
    cfg.setRemote('r', remoteDir, true);
    await cfg.save();
    await writeFile(path.join(root, 'f.txt'), 'x');
    await repo.add('f.txt');
    await rm(path.join(root, '.dvc', 'cache'), { recursive: true, force: true });
    await expect(repo.pull()).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_CACHE_MISSING' });
  });

  it('gc --workspace removes only unreferenced objects', async () => {
    const { root, repo } = await tmpRepo();
    await writeFile(path.join(root, 'f.txt'), 'v1');
    await repo.add('f.txt');
    await writeFile(path.join(root, 'f.txt'), 'v2');
    await repo.add('f.txt');
    await makeVectorDir(root);
    await repo.add('data');
    expect(await repo.cache.list()).toHaveLength(7);
    const { removed } = await repo.gc();
    expect(removed).toHaveLength(1);
    expect(await repo.cache.list()).toHaveLength(6);
    expect((await repo.status()).every((s) => s.states[0] === 'ok')).toBe(true);
  });
});
