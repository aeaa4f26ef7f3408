/**
 * Crash-test fixture: registers versions of one model in a loop (two artifacts, tags) and
 * moves `champion` to each new version by compare-and-swap, pausing at random points inside
 * each registration so that a SIGKILL from the test lands anywhere: mid-blob, between blob and
 * commit, mid-transaction, between register and promote. Prints one line per committed step.
 *
 * Usage: tsx register-loop.ts STORE_URL ARTIFACT_DIR MODEL COUNT
 */
import { randomBytes } from 'node:crypto';
import { FsArtifactStore } from '../features/artifacts/fs.js';
import { ModelRegistry } from '../features/models/service.js';
import { openStore } from '../stores/open.js';

const [url, dir, model, countText] = process.argv.slice(2);
if (url === undefined || dir === undefined || model === undefined) {
  process.stderr.write('usage: register-loop.ts STORE_URL ARTIFACT_DIR MODEL COUNT\n');
  process.exit(2);
}
const count = Number(countText ?? '1000');
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));

const store = await openStore(url);
const reg = new ModelRegistry(store, new FsArtifactStore(dir));
process.stdout.write('ready\n');
for (let i = 0; i < count; i++) {
  const big = randomBytes(64 * 1024 + Math.floor(Math.random() * 256 * 1024));
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let o = 0; o < big.length; o += 16 * 1024) {
      yield big.subarray(o, o + 16 * 1024);
      if (Math.random() < 0.2) await pause();
    }
  }
  const v = await reg.register(
    {
      model,
      kind: 'classifier',
      family: 'random_forest',
      metrics: { test_auc: Math.random() },
      threshold: 0.5,
      tags: { writer: String(process.pid), seq: String(i) },
      artifacts: {
        model: { data: chunks(), contentType: 'application/octet-stream' },
        meta: {
          data: new TextEncoder().encode(JSON.stringify({ i, pid: process.pid })),
          contentType: 'application/json',
        },
      },
    },
    { onProgress: pause },
  );
  process.stdout.write(`registered ${v.version}\n`);
  const cur = await store.getAlias(model, 'champion');
  try {
    await reg.promote({
      model,
      version: v.version,
      alias: 'champion',
      reason: 'loop',
      actor: `pid-${process.pid}`,
      expectedVersion: cur?.version ?? null,
    });
  } catch (err) {
    // another writer moved it first: that is the point of CAS, keep going
    if ((err as { code?: string }).code !== 'AQUAOPS_E_REGISTRY_CONFLICT') throw err;
  }
}
await store.close();
