/**
 * Registry test fixtures: real engine models (a small gradient-boosting classifier fitted on the
 * synthetic samples of `fixtures.ts`, saved with `saveModel`) registered into a real registry
 * with the artifacts `aquaops train` writes, plus the three store backends the server is tested
 * on — memory, a temporary SQLite file, and PostgreSQL on 127.0.0.1:5432 in a throw-away schema
 * (reported as unavailable, with the reason, when nothing listens there).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { GradientBoostingClassifier, type Matrix, saveModel } from '@aquaops/ml';
import {
  FsArtifactStore,
  type JsonObject,
  MemoryStore,
  ModelRegistry,
  openStore,
  type RegistryStore,
} from '@aquaops/registry';
import pg from 'pg';
import { SIGNATURE, syntheticData } from './fixtures.js';

export const PG_BASE = 'postgres://postgres@127.0.0.1:5432/test';

export async function pgReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: 5432 });
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/** A fitted engine model file (text) on 600 synthetic rows. */
export function modelFileText(seed: number, nEstimators = 20): string {
  const { rows, y } = syntheticData(600, seed);
  const n = rows.length;
  const nf = SIGNATURE.features.length;
  const data = new Float64Array(n * nf);
  for (let i = 0; i < n; i++) for (let j = 0; j < nf; j++) data[j * n + i] = rows[i]![j]!;
  const X: Matrix = { nRows: n, nCols: nf, data, featureNames: SIGNATURE.features.map((f) => f.name) };
  const model = new GradientBoostingClassifier({ numIterations: nEstimators, numLeaves: 8, seed }).fit(X, y);
  return saveModel(model, { name: 'water-potability', seed });
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Registers one version with the artifacts a trained version has; returns its number. */
export async function registerVersion(
  registry: ModelRegistry,
  seed: number,
  options: { readonly threshold?: number; readonly name?: string } = {},
): Promise<number> {
  const name = options.name ?? 'water-potability';
  const v = await registry.register({
    model: name,
    kind: 'classifier',
    family: 'gbm',
    metrics: { test_roc_auc: 0.7 + seed / 1000, test_accuracy: 0.66 },
    threshold: options.threshold ?? 0.5,
    signature: SIGNATURE as unknown as JsonObject,
    artifacts: {
      'model.json': { data: enc(modelFileText(seed)), contentType: 'application/json' },
      'signature.json': { data: enc(JSON.stringify(SIGNATURE)), contentType: 'application/json' },
      'evaluation.json': { data: enc(JSON.stringify({ seed, rocAuc: 0.7 })), contentType: 'application/json' },
      'model-card.md': { data: enc(`# ${name} (seed ${seed})\n\nTest model.\n`), contentType: 'text/markdown' },
      'roc.svg': {
        data: enc('<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L1 1"/></svg>'),
        contentType: 'image/svg+xml',
      },
    },
  });
  return v.version;
}

export interface StoreKit {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** URL another connection (or process) can open to reach the same data; undefined for memory. */
  readonly url: string | undefined;
  readonly store: RegistryStore;
  readonly registry: ModelRegistry;
  readonly artifactDir: string;
  /** A second, independent connection to the same store (memory: the same object). */
  reopen(): Promise<RegistryStore>;
  dispose(): Promise<void>;
}

export async function openKit(kind: StoreKit['kind']): Promise<StoreKit> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aq-srv-reg-'));
  const artifactDir = path.join(dir, 'artifacts');
  let url: string | undefined;
  let schema: string | undefined;
  if (kind === 'sqlite') url = `sqlite:${path.join(dir, 'registry.db')}`;
  if (kind === 'postgres') {
    schema = `aq_srv_${process.pid}_${randomBytes(4).toString('hex')}`;
    url = `${PG_BASE}?schema=${schema}`;
  }
  const store = url === undefined ? new MemoryStore() : await openStore(url);
  const extra: RegistryStore[] = [];
  return {
    kind,
    url,
    store,
    registry: new ModelRegistry(store, new FsArtifactStore(artifactDir)),
    artifactDir,
    async reopen() {
      if (url === undefined) return store;
      const s = await openStore(url);
      extra.push(s);
      return s;
    },
    async dispose() {
      for (const s of extra) await s.close();
      await store.close();
      if (schema !== undefined) {
        const c = new pg.Client({ connectionString: PG_BASE });
        await c.connect();
        try {
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await c.end();
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
