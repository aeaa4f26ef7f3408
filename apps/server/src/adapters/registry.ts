/**
 * The server's boundaries implemented over the model registry (@aquaops/registry): models load
 * from verified artifacts (model.json + signature.json, each re-hashed by the artifact store),
 * aliases are watched by polling one cheap `getAlias` query, admin alias moves are
 * compare-and-swap promotions with an audit actor and reason, predictions and feedback go to the
 * store's prediction log, and the operations views read its aggregates. Because every process
 * (server, CLI, trainer) shares the same store, an alias moved by `aquaops models promote` in
 * another process is seen by the next poll. The A/B + shadow routing table is stored there too
 * (one row per model, audited), which is how every process applies the same one.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AquaopsError, isErrorCode, type ModelSignature, type Routing } from '@aquaops/contracts';
import { defaultCatalog, loadModel } from '@aquaops/ml';
import type {
  AliasEvent,
  JsonObject,
  ModelRegistry,
  ModelVersion,
  PredictionRecord as StoredPrediction,
  PredictionCount,
  PredictionWithFeedback,
  RealisedAccuracy,
  RegistryStore,
  Route,
} from '@aquaops/registry';
import { stateChecksum } from '../model/checksum.js';
import type {
  FeedbackResult,
  FeedbackStore,
  LoadedModel,
  ModelAdmin,
  ModelSource,
  ModelVersionInfo,
  PredictionRecord,
  PredictionSink,
  ServedClassifier,
  Unsubscribe,
} from '../model/types.js';

const decoder = new TextDecoder();
const MAX_CACHED_VERSIONS = 8;

function isVersionRef(ref: string | number): boolean {
  return typeof ref === 'number' || /^[0-9]+$/.test(ref);
}

/** Model-card fields every listing shows without reading artifacts. */
function baseCard(v: ModelVersion): Record<string, unknown> {
  return {
    family: v.family,
    kind: v.kind,
    threshold: v.threshold,
    status: v.status,
    tags: { ...v.tags },
    runId: v.runId,
    dataVersion: v.dataVersion,
    createdBy: v.createdBy,
    artifacts: Object.keys(v.artifacts).sort(),
  };
}

export class RegistryModelSource implements ModelSource {
  /** Versions are immutable, so loaded models and their cards are cached by `name@version`. */
  private readonly loaded = new Map<string, Promise<{ classifier: ServedClassifier; signature: ModelSignature }>>();
  private readonly cards = new Map<string, Promise<Record<string, unknown>>>();

  constructor(private readonly registry: ModelRegistry) {}

  private get store(): RegistryStore {
    return this.registry.store;
  }

  async resolveAlias(name: string, alias: string): Promise<number | undefined> {
    return (await this.store.getAlias(name, alias))?.version;
  }

  /** One primary-key read; the store validates the row, so a hand-edited bad one is a clear error. */
  async getRouting(name: string): Promise<Routing | undefined> {
    return (await this.store.getRouting(name))?.config;
  }

  async load(name: string, ref: string | number): Promise<LoadedModel> {
    let version: number;
    let alias: string | undefined;
    if (isVersionRef(ref)) version = Number(ref);
    else {
      alias = String(ref);
      const v = await this.resolveAlias(name, alias);
      if (v === undefined) {
        throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${name} has no alias "${alias}"`, {
          hint: `Train one (aquaops train) or set it: aquaops models promote ${name} VERSION --alias ${alias}.`,
        });
      }
      version = v;
    }
    const meta = await this.registry.get(name, version);
    const { classifier, signature } = await this.loadParts(name, version);
    const base = {
      name,
      version,
      signature,
      classifier,
      threshold: meta.threshold,
      checksum: stateChecksum(classifier.toState()),
    };
    return alias === undefined ? base : { ...base, alias };
  }

  private loadParts(
    name: string,
    version: number,
  ): Promise<{ classifier: ServedClassifier; signature: ModelSignature }> {
    const key = `${name}@${version}`;
    let p = this.loaded.get(key);
    if (p === undefined) {
      p = (async () => {
        const [modelBytes, sigBytes] = await Promise.all([
          this.registry.loadArtifact(name, version, 'model.json'),
          this.registry.loadArtifact(name, version, 'signature.json'),
        ]);
        let signature: ModelSignature;
        try {
          signature = JSON.parse(decoder.decode(sigBytes)) as ModelSignature;
        } catch (err) {
          throw new AquaopsError(
            'AQUAOPS_E_MODEL_FORMAT',
            `signature.json of ${key} is not JSON: ${(err as Error).message}`,
            {
              hint: 'Re-register the version with `aquaops train`.',
            },
          );
        }
        if (!Array.isArray(signature?.features) || typeof signature.verdicts !== 'object') {
          throw new AquaopsError('AQUAOPS_E_MODEL_FORMAT', `signature.json of ${key} has no features/verdicts`, {
            hint: 'Re-register the version with `aquaops train`.',
          });
        }
        const classifier = loadModel(decoder.decode(modelBytes), defaultCatalog()) as ServedClassifier;
        return { classifier, signature };
      })();
      this.loaded.set(key, p);
      // Keep the few most recent versions (serving, previous, A/B and shadow ones), not all.
      if (this.loaded.size > MAX_CACHED_VERSIONS) this.loaded.delete(this.loaded.keys().next().value as string);
      // A transient failure (store down) must not be cached forever.
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  /**
   * One `getAlias` per tick, never overlapping: a slow store skips ticks instead of piling up
   * queries, and a failing one is retried on the next tick without notifying.
   */
  watch(name: string, alias: string, onChange: (version: number | undefined) => void, intervalMs: number): Unsubscribe {
    let last: number | undefined;
    let primed = false;
    let busy = false;
    // The first read always notifies: the alias may have moved between the caller's initial
    // load and this watch starting (the manager ignores a notification for the version it has).
    let stopped = false;
    const tick = async (): Promise<void> => {
      if (busy || stopped) return;
      busy = true;
      try {
        const now = (await this.store.getAlias(name, alias))?.version;
        if (stopped) return;
        if (!primed || now !== last) {
          primed = true;
          last = now;
          onChange(now);
        }
      } catch {
        // store unreachable: the next tick retries
      } finally {
        busy = false;
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  async list(name?: string): Promise<readonly ModelVersionInfo[]> {
    const names = name === undefined ? (await this.store.listModels()).map((m) => m.name) : [name];
    const out: ModelVersionInfo[] = [];
    for (const n of names) {
      const [versions, aliases] = await Promise.all([
        this.store.searchVersions({ model: n }),
        this.store.listAliases(n),
      ]);
      for (const v of versions.sort((a, b) => a.version - b.version)) {
        out.push(
          this.info(
            v,
            aliases.filter((a) => a.version === v.version).map((a) => a.alias),
            baseCard(v),
          ),
        );
      }
    }
    return out;
  }

  async describe(name: string, version: number): Promise<ModelVersionInfo | undefined> {
    const v = await this.store.getVersion(name, version);
    if (v === undefined) return undefined;
    const aliases = (await this.store.listAliases(name)).filter((a) => a.version === version).map((a) => a.alias);
    return this.info(v, aliases, await this.card(v));
  }

  /** The model card: base fields, the model-card.md text and the evaluation report (when present). */
  private card(v: ModelVersion): Promise<Record<string, unknown>> {
    const key = `${v.model}@${v.version}`;
    let p = this.cards.get(key);
    if (p === undefined) {
      p = (async () => {
        const card = baseCard(v);
        if (v.artifacts['model-card.md'] !== undefined) {
          card.markdown = decoder.decode(await this.registry.loadArtifact(v.model, v.version, 'model-card.md'));
        }
        if (v.artifacts['evaluation.json'] !== undefined) {
          const bytes = await this.registry.loadArtifact(v.model, v.version, 'evaluation.json');
          card.evaluation = JSON.parse(decoder.decode(bytes)) as unknown;
        }
        return card;
      })();
      this.cards.set(key, p);
      p.catch(() => this.cards.delete(key));
    }
    return p;
  }

  private info(v: ModelVersion, aliases: string[], card: Record<string, unknown>): ModelVersionInfo {
    return {
      name: v.model,
      version: v.version,
      aliases: aliases.sort(),
      createdAt: v.createdAt,
      metrics: { ...v.metrics },
      card,
      signature: v.signature as unknown as ModelSignature,
    };
  }
}

export class RegistryModelAdmin implements ModelAdmin {
  constructor(private readonly registry: ModelRegistry) {}

  /** Compare-and-swap on the version read just before: a concurrent move is a 409, never lost. */
  async setAlias(
    name: string,
    alias: string,
    version: number,
    meta: { readonly reason: string; readonly actor: string },
  ): Promise<{ readonly previous: number | undefined }> {
    const current = (await this.registry.store.getAlias(name, alias))?.version;
    await this.registry.promote({
      model: name,
      version,
      alias,
      reason: meta.reason,
      actor: meta.actor,
      expectedVersion: current ?? null,
    });
    return { previous: current };
  }

  /** Last writer wins (each change is audited); every process converges on the stored table. */
  async setRouting(
    name: string,
    config: Routing,
    meta: { readonly reason: string; readonly actor: string },
  ): Promise<void> {
    await this.registry.setRouting({
      model: name,
      config,
      actor: meta.actor,
      reason: meta.reason,
      at: new Date().toISOString(),
    });
  }
}

/** Maps the server's route words (`default`, `ab:N`, shadow flag) onto the store's three routes. */
export function storedRoute(r: PredictionRecord): Route {
  if (r.shadow || r.route === 'shadow') return 'shadow';
  return r.route.startsWith('ab:') ? 'variant' : 'champion';
}

export function toStoredPrediction(r: PredictionRecord): StoredPrediction {
  const label: 0 | 1 = r.probability >= r.threshold ? 1 : 0;
  const outputs = {
    probability: r.probability,
    verdict: r.verdict,
    label,
    threshold: r.threshold,
    servedRoute: r.route,
    ...(r.model.alias === undefined ? {} : { alias: r.model.alias }),
    ...(Object.keys(r.passthrough).length === 0 ? {} : { passthrough: { ...r.passthrough } }),
  };
  return {
    id: r.predictionId,
    ts: r.timestamp,
    model: r.model.name,
    version: r.model.version,
    route: storedRoute(r),
    inputs: { ...r.inputs } as JsonObject,
    outputs,
    latencyMs: Number.isFinite(r.latencyMs) ? r.latencyMs : 0,
    requestId: r.requestId,
  };
}

export class RegistryPredictionSink implements PredictionSink {
  constructor(private readonly store: RegistryStore) {}
  async append(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.store.appendPredictions(records.map(toStoredPrediction));
  }
}

export class RegistryFeedbackStore implements FeedbackStore {
  constructor(
    private readonly store: RegistryStore,
    private readonly source = 'api',
  ) {}

  async record(predictionId: string, label: 0 | 1): Promise<FeedbackResult> {
    try {
      const r = await this.store.recordFeedback({
        predictionId,
        label,
        ts: new Date().toISOString(),
        source: this.source,
      });
      const status = r.created ? 'created' : r.feedback.label === label ? 'unchanged' : 'conflict';
      return { status, label: r.feedback.label, recordedAt: r.feedback.ts };
    } catch (err) {
      if (err instanceof AquaopsError && err.code === 'AQUAOPS_E_NOT_FOUND') {
        throw new AquaopsError(
          'AQUAOPS_E_NOT_FOUND',
          `prediction ${predictionId.slice(0, 64)} is not in the prediction log`,
          {
            hint: 'Use a predictionId returned by /api/v1/predict; the log is written in batches, so retry after a second or two.',
            details: [
              { path: '/predictionId', expected: 'the id of a logged prediction', found: predictionId.slice(0, 64) },
            ],
          },
        );
      }
      throw err;
    }
  }
}

/** What the operations endpoints read: prediction aggregates, alias audit and version artifacts. */
export interface OpsSource {
  predictionCounts(q: { model: string; since: string; bucketMs?: number }): Promise<PredictionCount[]>;
  realisedAccuracy(q: { model: string; since: string }): Promise<RealisedAccuracy[]>;
  recentPredictions(q: { model: string; limit: number }): Promise<PredictionWithFeedback[]>;
  aliasHistory(model: string, alias: string): Promise<AliasEvent[]>;
  artifact(model: string, version: number, name: string): Promise<{ bytes: Uint8Array; contentType: string }>;
}

export class RegistryOpsSource implements OpsSource {
  constructor(private readonly registry: ModelRegistry) {}
  predictionCounts(q: { model: string; since: string; bucketMs?: number }): Promise<PredictionCount[]> {
    return this.registry.store.predictionCounts(q);
  }
  realisedAccuracy(q: { model: string; since: string }): Promise<RealisedAccuracy[]> {
    return this.registry.store.realisedAccuracy(q);
  }
  recentPredictions(q: { model: string; limit: number }): Promise<PredictionWithFeedback[]> {
    return this.registry.store.recentPredictions(q);
  }
  async aliasHistory(model: string, alias: string): Promise<AliasEvent[]> {
    if ((await this.registry.store.getModel(model)) === undefined) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${model} does not exist`, {
        hint: 'List the models with GET /api/v1/models.',
      });
    }
    return this.registry.store.aliasHistory(model, alias);
  }
  async artifact(model: string, version: number, name: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const v = await this.registry.get(model, version);
    const ref = v.artifacts[name];
    if (ref === undefined) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `${model}@${version} has no artifact "${name.slice(0, 100)}"`, {
        hint: `It has: ${Object.keys(v.artifacts).sort().join(', ') || 'no artifacts'}.`,
      });
    }
    return { bytes: await this.registry.loadArtifact(model, version, name), contentType: ref.contentType };
  }
}

/**
 * A prediction sink that writes from a worker thread with its own store connection, so
 * synchronous stores (SQLite) never block the serving thread. Appends are answered in order.
 */
export class WorkerPredictionSink implements PredictionSink {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private readonly ready: Promise<void>;
  private closed: Promise<void> | undefined;

  constructor(storeUrl: string) {
    const bootstrap = fileURLToPath(new URL('./worker/bootstrap.mjs', import.meta.url));
    this.worker = new Worker(bootstrap, { workerData: { storeUrl } });
    // Referenced only while appends or the close are in flight: an idle writer never keeps
    // the process alive, a busy one is never cut off.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: {
        ready?: boolean;
        closed?: boolean;
        id?: number;
        error?: { message: string; code?: string };
      }) => {
        if (m.ready === true) resolve();
        if (m.id === undefined) return;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0 && this.closed === undefined) this.worker.unref();
        if (p === undefined) return;
        if (m.error === undefined) p.resolve();
        else {
          const code = m.error.code;
          p.reject(
            code !== undefined && isErrorCode(code)
              ? new AquaopsError(code, m.error.message)
              : new AquaopsError('AQUAOPS_E_REGISTRY_UNAVAILABLE', m.error.message),
          );
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (err) => {
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
    // Until the first append awaits it, an early failure must not be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  async append(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ready;
    const id = this.nextId++;
    const stored = records.map(toStoredPrediction);
    await new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, records: stored });
    });
  }

  /** Lets queued appends finish, then closes the worker's store connection. */
  close(): Promise<void> {
    this.worker.ref();
    this.closed ??= (async () => {
      try {
        await this.ready;
      } catch {
        return;
      }
      await new Promise<void>((resolve) => {
        this.worker.once('exit', () => resolve());
        this.worker.postMessage({ close: true });
      });
    })();
    return this.closed;
  }
}
