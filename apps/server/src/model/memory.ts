/**
 * In-memory implementations of the server's boundary interfaces: a model source with versions,
 * aliases and routing (also the admin), a prediction sink and a feedback store. They back tests
 * and a registry-less demo; one source shared by several apps stands in for a shared registry.
 */
import { AquaopsError, type ModelSignature, type Routing } from '@aquaops/contracts';
import { stateChecksum } from './checksum.js';
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
} from './types.js';

interface StoredVersion {
  readonly info: Omit<ModelVersionInfo, 'aliases'>;
  readonly classifier: ServedClassifier;
  readonly threshold: number;
  readonly checksum: string;
}

export interface AddVersionInput {
  readonly name: string;
  readonly classifier: ServedClassifier;
  readonly signature: ModelSignature;
  readonly threshold?: number;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly card?: Readonly<Record<string, unknown>>;
  /** Recorded checksum; defaults to the classifier's real one (pass another to simulate a corrupt artifact). */
  readonly checksum?: string;
}

export class InMemoryModelSource implements ModelSource, ModelAdmin {
  private readonly versions = new Map<string, StoredVersion[]>();
  private readonly aliases = new Map<string, Map<string, number>>();
  readonly aliasHistory: { name: string; alias: string; version: number; reason: string; actor: string }[] = [];
  private readonly routing = new Map<string, Routing>();
  readonly routingHistory: { name: string; config: Routing; reason: string; actor: string }[] = [];

  addVersion(input: AddVersionInput): number {
    const list = this.versions.get(input.name) ?? [];
    const version = list.length + 1;
    const checksum = input.checksum ?? stateChecksum(input.classifier.toState());
    list.push({
      info: {
        name: input.name,
        version,
        createdAt: new Date().toISOString(),
        metrics: input.metrics ?? {},
        card: input.card ?? {},
        signature: input.signature,
        checksum,
      },
      classifier: input.classifier,
      threshold: input.threshold ?? 0.5,
      checksum,
    });
    this.versions.set(input.name, list);
    return version;
  }

  async setAlias(
    name: string,
    alias: string,
    version: number,
    meta: { readonly reason: string; readonly actor: string },
  ): Promise<{ readonly previous: number | undefined }> {
    this.stored(name, version);
    const map = this.aliases.get(name) ?? new Map<string, number>();
    const previous = map.get(alias);
    map.set(alias, version);
    this.aliases.set(name, map);
    this.aliasHistory.push({ name, alias, version, ...meta });
    return { previous };
  }

  async setRouting(
    name: string,
    config: Routing,
    meta: { readonly reason: string; readonly actor: string },
  ): Promise<void> {
    for (const v of config.variants) this.stored(name, v.version);
    if (config.shadowVersion !== undefined && config.shadowVersion !== null) this.stored(name, config.shadowVersion);
    this.routing.set(name, structuredClone(config));
    this.routingHistory.push({ name, config: structuredClone(config), ...meta });
  }

  async getRouting(name: string): Promise<Routing | undefined> {
    const r = this.routing.get(name);
    return r === undefined ? undefined : structuredClone(r);
  }

  async resolveAlias(name: string, alias: string): Promise<number | undefined> {
    return this.aliases.get(name)?.get(alias);
  }

  async load(name: string, ref: string | number): Promise<LoadedModel> {
    let version: number;
    let alias: string | undefined;
    if (typeof ref === 'number' || /^[0-9]+$/.test(ref)) {
      version = Number(ref);
    } else {
      const v = await this.resolveAlias(name, ref);
      if (v === undefined) {
        throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${name} has no alias "${ref}"`, {
          hint: `Set it first, e.g. POST /api/v1/admin/models/${name}/aliases/${ref}.`,
        });
      }
      version = v;
      alias = ref;
    }
    const s = this.stored(name, version);
    const base = {
      name,
      version,
      signature: s.info.signature,
      classifier: s.classifier,
      threshold: s.threshold,
      checksum: s.checksum,
    };
    return alias === undefined ? base : { ...base, alias };
  }

  watch(name: string, alias: string, onChange: (version: number | undefined) => void, intervalMs: number): Unsubscribe {
    let last = this.aliases.get(name)?.get(alias);
    const timer = setInterval(() => {
      const now = this.aliases.get(name)?.get(alias);
      if (now !== last) {
        last = now;
        onChange(now);
      }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async list(name?: string): Promise<readonly ModelVersionInfo[]> {
    const out: ModelVersionInfo[] = [];
    for (const [n, list] of this.versions) {
      if (name !== undefined && n !== name) continue;
      for (const s of list) out.push(this.withAliases(s));
    }
    return out;
  }

  async describe(name: string, version: number): Promise<ModelVersionInfo | undefined> {
    const s = this.versions.get(name)?.[version - 1];
    return s === undefined ? undefined : this.withAliases(s);
  }

  private withAliases(s: StoredVersion): ModelVersionInfo {
    const aliases: string[] = [];
    for (const [a, v] of this.aliases.get(s.info.name) ?? []) if (v === s.info.version) aliases.push(a);
    return { ...s.info, aliases: aliases.sort() };
  }

  private stored(name: string, version: number): StoredVersion {
    const s = this.versions.get(name)?.[version - 1];
    if (s === undefined) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${name} has no version ${version}`, {
        hint: 'List the versions with GET /api/v1/models.',
      });
    }
    return s;
  }
}

/** Keeps every appended record; `failing` makes `append` reject, to exercise the log's recovery. */
export class InMemoryPredictionSink implements PredictionSink {
  readonly records: PredictionRecord[] = [];
  failing = false;
  appendCalls = 0;
  async append(records: readonly PredictionRecord[]): Promise<void> {
    this.appendCalls++;
    if (this.failing) throw new Error('prediction sink unavailable');
    this.records.push(...records);
  }
}

export class InMemoryFeedbackStore implements FeedbackStore {
  private readonly labels = new Map<string, { label: 0 | 1; recordedAt: string }>();
  async record(predictionId: string, label: 0 | 1): Promise<FeedbackResult> {
    const existing = this.labels.get(predictionId);
    if (existing !== undefined) {
      return { status: existing.label === label ? 'unchanged' : 'conflict', ...existing };
    }
    const entry = { label, recordedAt: new Date().toISOString() };
    this.labels.set(predictionId, entry);
    return { status: 'created', ...entry };
  }
}
