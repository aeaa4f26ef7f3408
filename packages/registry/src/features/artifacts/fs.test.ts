/** Tests the filesystem artifact store: content addressing, streaming puts, read-only blobs, tamper detection. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FsArtifactStore } from './fs.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-artifacts-'));
afterAll(() => {
  // blobs are read-only; make them writable so the temp tree can be removed
  for (const f of fs.readdirSync(root, { recursive: true }) as string[]) fs.chmodSync(path.join(root, f), 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('FsArtifactStore', () => {
  it('stores bytes under their sha256, read-only, and loads them back verified', async () => {
    const store = new FsArtifactStore(root);
    const bytes = new TextEncoder().encode('{"model":"forest"}');
    const r = await store.put(bytes);
    expect(r).toEqual({ sha256: sha(bytes), size: bytes.byteLength });
    const file = store.pathOf(r.sha256);
    expect(file).toBe(path.join(root, 'sha256', r.sha256.slice(0, 2), r.sha256.slice(2)));
    expect(fs.statSync(file).mode & 0o222).toBe(0);
    expect(Buffer.from(await store.get(r.sha256)).toString()).toBe('{"model":"forest"}');
    expect(await store.has(r.sha256)).toBe(true);
    // same content, same key; no temp files left behind
    expect(await store.put(bytes)).toEqual(r);
    expect(fs.readdirSync(path.join(root, 'sha256')).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('streams large inputs chunk by chunk', async () => {
    const store = new FsArtifactStore(root);
    const chunks = Array.from({ length: 50 }, (_, i) => new Uint8Array(64 * 1024).fill(i));
    async function* gen(): AsyncGenerator<Uint8Array> {
      yield* chunks;
    }
    const r = await store.put(gen());
    const all = Buffer.concat(chunks);
    expect(r).toEqual({ sha256: sha(all), size: all.byteLength });
    expect(Buffer.compare(Buffer.from(await store.get(r.sha256)), all)).toBe(0);
  });

  it('refuses a tampered blob naming the version and both checksums', async () => {
    const store = new FsArtifactStore(root);
    const r = await store.put(new TextEncoder().encode('weights-v1'));
    const file = store.pathOf(r.sha256);
    fs.chmodSync(file, 0o644);
    fs.writeFileSync(file, 'weights-evil');
    const found = sha(new TextEncoder().encode('weights-evil'));
    await expect(store.get(r.sha256, { model: 'water', version: 3, name: 'model' })).rejects.toMatchObject({
      code: 'AQUAOPS_E_ARTIFACT_CORRUPT',
      message: `artifact "model" of water@3 is corrupt or tampered: expected sha256 ${r.sha256}, found ${found}`,
    });
    // re-putting the good bytes repairs it
    await store.put(new TextEncoder().encode('weights-v1'));
    expect(Buffer.from(await store.get(r.sha256)).toString()).toBe('weights-v1');
  });

  it('reports missing blobs, deletes and lists', async () => {
    const store = new FsArtifactStore(path.join(root, 'other'));
    expect(await store.list()).toEqual([]);
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ code: 'AQUAOPS_E_ARTIFACT_MISSING' });
    await expect(store.get('not-a-sha')).rejects.toMatchObject({ code: 'AQUAOPS_E_REGISTRY_INVALID' });
    const a = await store.put(new Uint8Array([1]));
    const b = await store.put(new Uint8Array([2]));
    expect((await store.list()).map((x) => x.sha256)).toEqual([a.sha256, b.sha256].sort());
    expect(await store.delete(a.sha256)).toBe(true);
    expect(await store.delete(a.sha256)).toBe(false);
    expect((await store.list()).map((x) => x.sha256)).toEqual([b.sha256]);
  });
});
