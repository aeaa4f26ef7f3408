/**
 * In-memory registry store: the reference implementation the conformance suite pins the SQL
 * stores against, and a fast fake for tests of code that uses a registry. Every method does
 * its reads and writes without awaiting in between, so each call is atomic like a transaction.
 */
import type {
  AliasEvent,
  AliasMove,
  AliasRecord,
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
  RoutingChange,
  RoutingEvent,
  RoutingRecord,
  VersionQuery,
  VersionStatus,
} from '../features/models/store.js';
import type {
  Feedback,
  PredictionCount,
  PredictionRecord,
  PredictionWindow,
  PredictionWithFeedback,
  RealisedAccuracy,
} from '../features/predictions/store.js';
import type { NewRun, RunQuery, RunRecord, RunSummary, RunUpdate, TrialRecord } from '../features/runs/store.js';
import { filterAndSortVersions } from './sort.js';
import type { RegistryStore } from './store.js';
import {
  bucketStart,
  casConflict,
  checkAliasMove,
  checkFeedback,
  checkModelName,
  checkNewRun,
  checkNewVersion,
  checkPrediction,
  checkRoutingChange,
  checkRunUpdate,
  checkTagKeys,
  checkTrials,
  notFound,
  routingVersions,
} from './store.js';
import { AquaopsError } from '@aquaops/contracts';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements RegistryStore {
  readonly description = 'memory:';
  readonly #runs = new Map<string, Omit<RunRecord, 'trials'>>();
  readonly #trials = new Map<string, Map<number, TrialRecord>>();
  readonly #models = new Map<string, RegisteredModel>();
  readonly #versions = new Map<string, ModelVersion>();
  readonly #aliases = new Map<string, AliasRecord>();
  readonly #events: AliasEvent[] = [];
  readonly #routing = new Map<string, RoutingRecord>();
  readonly #routingEvents: RoutingEvent[] = [];
  readonly #predictions = new Map<string, PredictionRecord>();
  readonly #feedback = new Map<string, Feedback>();
  #closed = false;

  #open(): void {
    if (this.#closed) throw new AquaopsError('AQUAOPS_E_REGISTRY_UNAVAILABLE', 'the memory store is closed');
  }

  async createRun(run: NewRun): Promise<RunRecord> {
    this.#open();
    checkNewRun(run);
    if (this.#runs.has(run.id)) {
      throw new AquaopsError('AQUAOPS_E_REGISTRY_CONFLICT', `run ${run.id} already exists`, {
        hint: 'use a fresh run id',
      });
    }
    this.#runs.set(run.id, {
      ...clone(run),
      status: 'running',
      finishedAt: null,
      foldMetrics: [],
      testMetrics: {},
      durations: {},
      error: null,
      summary: {},
    });
    return this.#run(run.id)!;
  }

  #run(id: string): RunRecord | undefined {
    const r = this.#runs.get(id);
    if (r === undefined) return undefined;
    const trials = [...(this.#trials.get(id)?.values() ?? [])].sort((a, b) => a.index - b.index);
    return clone({ ...r, trials });
  }

  async updateRun(id: string, update: RunUpdate): Promise<RunRecord> {
    this.#open();
    checkRunUpdate(update);
    const r = this.#runs.get(id);
    if (r === undefined) throw notFound(`run ${id}`, 'list runs with `aquaops runs ls`');
    const next = { ...r };
    for (const [k, v] of Object.entries(update)) if (v !== undefined) Object.assign(next, { [k]: clone(v) });
    this.#runs.set(id, next);
    return this.#run(id)!;
  }

  async addTrials(runId: string, trials: readonly TrialRecord[]): Promise<void> {
    this.#open();
    checkTrials(trials);
    if (!this.#runs.has(runId)) throw notFound(`run ${runId}`, 'create the run before adding trials');
    const m = this.#trials.get(runId) ?? new Map<number, TrialRecord>();
    for (const t of trials) m.set(t.index, clone(t));
    this.#trials.set(runId, m);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    this.#open();
    return this.#run(id);
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    this.#open();
    const out = [...this.#runs.values()]
      .filter(
        (r) =>
          (query.status === undefined || r.status === query.status) &&
          (query.name === undefined || r.name === query.name),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, query.limit ?? Number.MAX_SAFE_INTEGER)
      .map((r) => {
        const { foldMetrics: _f, ...rest } = clone(r);
        return { ...rest, trialCount: this.#trials.get(r.id)?.size ?? 0 };
      });
    return out;
  }

  async ensureModel(name: string, description: string, createdAt: string): Promise<RegisteredModel> {
    this.#open();
    checkModelName(name);
    const existing = this.#models.get(name);
    if (existing !== undefined) return clone(existing);
    const m: RegisteredModel = { name, description, createdAt, latestVersion: 0 };
    this.#models.set(name, m);
    return clone(m);
  }

  async getModel(name: string): Promise<RegisteredModel | undefined> {
    this.#open();
    const m = this.#models.get(name);
    return m === undefined ? undefined : clone(m);
  }

  async listModels(): Promise<RegisteredModel[]> {
    this.#open();
    return [...this.#models.values()].sort((a, b) => a.name.localeCompare(b.name)).map(clone);
  }

  async createVersion(v: NewModelVersion): Promise<ModelVersion> {
    this.#open();
    checkNewVersion(v);
    if (v.runId !== null && !this.#runs.has(v.runId)) {
      throw notFound(`run ${v.runId}`, 'register the version with the id of an existing run, or none');
    }
    const m = this.#models.get(v.model) ?? {
      name: v.model,
      description: v.description ?? '',
      createdAt: v.createdAt,
      latestVersion: 0,
    };
    const version = m.latestVersion + 1;
    this.#models.set(v.model, { ...m, latestVersion: version });
    const { description: _d, ...rest } = clone(v);
    const mv: ModelVersion = { ...rest, version, status: 'active' };
    this.#versions.set(`${v.model}@${version}`, mv);
    return clone(mv);
  }

  async getVersion(model: string, version: number): Promise<ModelVersion | undefined> {
    this.#open();
    const v = this.#versions.get(`${model}@${version}`);
    return v === undefined ? undefined : clone(v);
  }

  async searchVersions(query: VersionQuery): Promise<ModelVersion[]> {
    this.#open();
    return filterAndSortVersions([...this.#versions.values()], query).map(clone);
  }

  #mustVersion(model: string, version: number): ModelVersion {
    const v = this.#versions.get(`${model}@${version}`);
    if (v === undefined)
      throw notFound(`model version ${model}@${version}`, `list versions with \`aquaops models show ${model}\``);
    return v;
  }

  async setVersionStatus(model: string, version: number, status: VersionStatus): Promise<ModelVersion> {
    this.#open();
    const v = { ...this.#mustVersion(model, version), status };
    this.#versions.set(`${model}@${version}`, v);
    return clone(v);
  }

  async setTags(model: string, version: number, tags: Readonly<Record<string, string | null>>): Promise<ModelVersion> {
    this.#open();
    checkTagKeys(tags);
    const v = this.#mustVersion(model, version);
    const next: Record<string, string> = { ...v.tags };
    for (const [k, val] of Object.entries(tags)) {
      if (val === null) delete next[k];
      else next[k] = val;
    }
    const out = { ...v, tags: next };
    this.#versions.set(`${model}@${version}`, out);
    return clone(out);
  }

  async getAlias(model: string, alias: string): Promise<AliasRecord | undefined> {
    this.#open();
    const a = this.#aliases.get(`${model}@${alias}`);
    return a === undefined ? undefined : clone(a);
  }

  async listAliases(model: string): Promise<AliasRecord[]> {
    this.#open();
    return [...this.#aliases.values()]
      .filter((a) => a.model === model)
      .sort((a, b) => a.alias.localeCompare(b.alias))
      .map(clone);
  }

  async moveAlias(move: AliasMove): Promise<AliasEvent> {
    this.#open();
    checkAliasMove(move);
    const key = `${move.model}@${move.alias}`;
    const current = this.#aliases.get(key)?.version ?? null;
    if (current !== move.expected) throw casConflict(move.model, move.alias, move.expected, current);
    if (move.version !== null) this.#mustVersion(move.model, move.version);
    if (move.version === null) this.#aliases.delete(key);
    else this.#aliases.set(key, { model: move.model, alias: move.alias, version: move.version, updatedAt: move.at });
    const ev: AliasEvent = {
      id: this.#events.length + 1,
      model: move.model,
      alias: move.alias,
      fromVersion: current,
      toVersion: move.version,
      actor: move.actor,
      reason: move.reason,
      metrics: clone(move.metrics),
      at: move.at,
    };
    this.#events.push(ev);
    return clone(ev);
  }

  async aliasHistory(model: string, alias?: string): Promise<AliasEvent[]> {
    this.#open();
    return this.#events.filter((e) => e.model === model && (alias === undefined || e.alias === alias)).map(clone);
  }

  async getRouting(model: string): Promise<RoutingRecord | undefined> {
    this.#open();
    const r = this.#routing.get(model);
    return r === undefined ? undefined : clone(r);
  }

  async setRouting(change: RoutingChange): Promise<RoutingEvent> {
    this.#open();
    const config = checkRoutingChange(change);
    const { model } = change;
    if (!this.#models.has(model)) throw notFound(`model ${model}`, 'set routing only for a registered model');
    for (const v of routingVersions(config)) this.#mustVersion(model, v);
    const from = this.#routing.get(model)?.config ?? null;
    this.#routing.set(model, { model, config, updatedAt: change.at, actor: change.actor, reason: change.reason });
    const ev: RoutingEvent = {
      id: this.#routingEvents.length + 1,
      model,
      from: from === null ? null : clone(from),
      to: clone(config),
      actor: change.actor,
      reason: change.reason,
      at: change.at,
    };
    this.#routingEvents.push(ev);
    return clone(ev);
  }

  async routingHistory(model: string): Promise<RoutingEvent[]> {
    this.#open();
    return this.#routingEvents.filter((e) => e.model === model).map(clone);
  }

  async referencedArtifacts(): Promise<Set<string>> {
    this.#open();
    const out = new Set<string>();
    for (const v of this.#versions.values()) for (const a of Object.values(v.artifacts)) out.add(a.sha256);
    return out;
  }

  async appendPredictions(records: readonly PredictionRecord[]): Promise<void> {
    this.#open();
    records.forEach(checkPrediction);
    const ids = new Set<string>();
    for (const r of records) {
      if (this.#predictions.has(r.id) || ids.has(r.id)) {
        throw new AquaopsError('AQUAOPS_E_REGISTRY_CONFLICT', `prediction ${r.id} is already logged`, {
          hint: 'give every prediction a fresh uuid',
        });
      }
      ids.add(r.id);
    }
    for (const r of records) this.#predictions.set(r.id, clone(r));
  }

  async recordFeedback(feedback: Feedback): Promise<{ created: boolean; feedback: Feedback }> {
    this.#open();
    checkFeedback(feedback);
    if (!this.#predictions.has(feedback.predictionId)) {
      throw notFound(`prediction ${feedback.predictionId}`, 'send feedback only for ids the API returned');
    }
    const existing = this.#feedback.get(feedback.predictionId);
    if (existing !== undefined) return { created: false, feedback: clone(existing) };
    this.#feedback.set(feedback.predictionId, clone(feedback));
    return { created: true, feedback: clone(feedback) };
  }

  #window(w: PredictionWindow): PredictionRecord[] {
    return [...this.#predictions.values()].filter(
      (p) =>
        (w.model === undefined || p.model === w.model) &&
        (w.version === undefined || p.version === w.version) &&
        (w.since === undefined || Date.parse(p.ts) >= Date.parse(w.since)) &&
        (w.until === undefined || Date.parse(p.ts) < Date.parse(w.until)),
    );
  }

  async recentPredictions(window: PredictionWindow & { readonly limit: number }): Promise<PredictionWithFeedback[]> {
    this.#open();
    return this.#window(window)
      .sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts) || b.id.localeCompare(a.id))
      .slice(0, window.limit)
      .map((p) => clone({ ...p, feedback: this.#feedback.get(p.id) ?? null }));
  }

  async predictionCounts(window: PredictionWindow & { readonly bucketMs?: number }): Promise<PredictionCount[]> {
    this.#open();
    const counts = new Map<string, PredictionCount>();
    for (const p of this.#window(window)) {
      const bucket =
        window.bucketMs === undefined ? null : new Date(bucketStart(Date.parse(p.ts), window.bucketMs)).toISOString();
      const key = JSON.stringify([bucket, p.model, p.version, p.route, p.outputs.verdict]);
      const c = counts.get(key);
      counts.set(
        key,
        c === undefined
          ? { bucket, model: p.model, version: p.version, route: p.route, verdict: p.outputs.verdict, count: 1 }
          : { ...c, count: c.count + 1 },
      );
    }
    return sortCounts([...counts.values()]);
  }

  async realisedAccuracy(window: PredictionWindow): Promise<RealisedAccuracy[]> {
    this.#open();
    const acc = new Map<
      string,
      {
        model: string;
        version: number;
        route: PredictionRecord['route'];
        tp: number;
        fp: number;
        tn: number;
        fn: number;
      }
    >();
    for (const p of this.#window(window)) {
      const f = this.#feedback.get(p.id);
      if (f === undefined) continue;
      const key = JSON.stringify([p.model, p.version, p.route]);
      const a = acc.get(key) ?? { model: p.model, version: p.version, route: p.route, tp: 0, fp: 0, tn: 0, fn: 0 };
      if (p.outputs.label === 1) f.label === 1 ? a.tp++ : a.fp++;
      else f.label === 0 ? a.tn++ : a.fn++;
      acc.set(key, a);
    }
    return sortAccuracy([...acc.values()].map(finishAccuracy));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

export function finishAccuracy(a: Omit<RealisedAccuracy, 'n' | 'accuracy'>): RealisedAccuracy {
  const n = a.tp + a.fp + a.tn + a.fn;
  return { ...a, n, accuracy: n === 0 ? null : (a.tp + a.tn) / n };
}

export function sortCounts(c: PredictionCount[]): PredictionCount[] {
  return c.sort(
    (a, b) =>
      (a.bucket ?? '').localeCompare(b.bucket ?? '') ||
      a.model.localeCompare(b.model) ||
      a.version - b.version ||
      a.route.localeCompare(b.route) ||
      a.verdict.localeCompare(b.verdict),
  );
}

export function sortAccuracy(c: RealisedAccuracy[]): RealisedAccuracy[] {
  return c.sort((a, b) => a.model.localeCompare(b.model) || a.version - b.version || a.route.localeCompare(b.route));
}
