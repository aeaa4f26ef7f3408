import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cloneFileAtomic, writeFileAtomic, writeStreamAtomic } from './atomic.js';

describe('atomic writes', () => {
  it('replaces the target and applies the mode, creating parents', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aq-atomic-'));
    const target = path.join(dir, 'a', 'b.txt');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two', { mode: 0o444 });
    expect(await readFile(target, 'utf8')).toBe('two');
    expect((await stat(target)).mode & 0o777).toBe(0o444);
    expect(await readdir(path.join(dir, 'a'))).toEqual(['b.txt']);
  });

  it('keeps the old file and removes the temp file when the stream fails midway', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aq-atomic-'));
    const target = path.join(dir, 't.bin');
    await writeFile(target, 'good');
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(70_000, 7);
      throw new Error('connection reset');
    }
    await expect(writeStreamAtomic(target, Readable.from(broken()))).rejects.toThrow('connection reset');
    expect(await readFile(target, 'utf8')).toBe('good');
    expect(await readdir(dir)).toEqual(['t.bin']);
  });

  it('aborts when beforeCommit throws (verification failed)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aq-atomic-'));
    const src = path.join(dir, 'src');
    await writeFile(src, 'new');
    const target = path.join(dir, 'dst');
    await writeFile(target, 'old');
    const veto = (): void => {
      throw new Error('bad checksum');
    };
    await expect(cloneFileAtomic(src, target, { beforeCommit: veto })).rejects.toThrow('bad checksum');
    await expect(writeFileAtomic(target, 'x', { beforeCommit: veto })).rejects.toThrow('bad checksum');
    expect(await readFile(target, 'utf8')).toBe('old');
    expect((await readdir(dir)).sort()).toEqual(['dst', 'src']);
    await cloneFileAtomic(src, target);
    expect(await readFile(target, 'utf8')).toBe('new');
  });
});
