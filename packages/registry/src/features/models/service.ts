/**
 * The model registry service: registration that is atomic across the artifact store and the
 * database, verified artifact loading, alias promotion by compare-and-swap with audit,
 * rollback from the audit trail, archiving, version diffs, policy-driven auto-promotion and
 * garbage collection of unreferenced blobs.
 *
 * Registration order matters: blobs are written first (content-addressed, so a crash leaves
 * only unreferenced blobs), then ONE transaction creates the version with its artifact refs and
 * tags. A crash at any point therefore never leaves a half-registered version.
 */
import { AquaopsError } from '@aquaops/contracts';
import type { Json } from '../../json.js';
import type { RegistryStore } from '../../stores/store.js';
import { checkAlias, checkModelName, checkRoutingChange, notFound, routingVersions } from '../../stores/store.js';
import type { ArtifactSource, ArtifactStore } from '../artifacts/store.js';
import type { MetricMap } from '../runs/store.js';
import type { PromotionDecision, PromotionPolicy } from './policy.js';
import { decidePromotion } from './policy.js';
import type { AliasEvent, ArtifactRef, ModelVersion, RoutingChange, RoutingEvent } from './store.js';

export interface RegisterInput {
  readonly model: string;
  readonly description?: string;
  readonly runId?: string | null;
  readonly kind: string;
  readonly family: string;
  readonly metrics: MetricMap;
  readonly threshold: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly dataVersion?: string | null;
  readonly testSetHash?: string | null;
  readonly signature?: Json;
  readonly artifacts: Readonly<Record<string, { readonly data: ArtifactSource; readonly contentType: string }>>;
  readonly createdBy?: string;
}

export type RegisterProgress =
  | { readonly phase: 'artifact-written'; readonly name: string; readonly sha256: string; readonly size: number }
  | { readonly phase: 'committing' }
  | { readonly phase: 'committed'; readonly version: number };

export interface RegisterHooks {
  /** Awaited, so a caller (or a crash test) can pause between the steps. */
  readonly onProgress?: (event: RegisterProgress) => void | Promise<void>;
}

/** `NAME`, `NAME@3` or `NAME@champion`. */
export type VersionRef = { readonly model: string; readonly version?: number; readonly alias?: string };

export function parseVersionRef(text: string): VersionRef {
  const at = text.lastIndexOf('@');
  if (at < 0) return { model: checkModelName(text, 'model reference') };
  const model = checkModelName(text.slice(0, at), 'model reference');
  const rest = text.slice(at + 1);
  if (/^\d+$/.test(rest)) return { model, version: Number(rest) };
  return { model, alias: checkAlias(rest, 'model reference alias') };
}

export interface VersionDiff {
  readonly model: string;
  readonly a: number;
  readonly b: number;
  /** Per metric: values in a and b and b − a (null when either lacks it). */
  readonly metrics: Readonly<Record<string, { a: number | null; b: number | null; delta: number | null }>>;
  /** Fields (family, threshold, data version, tags.*, artifacts.*, …) whose values differ. */
  readonly changed: Readonly<Record<string, { a: Json; b: Json }>>;
}

export interface GcResult {
  readonly removed: readonly string[];
  readonly kept: number;
  readonly tempsRemoved: number;
}

export class ModelRegistry {
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly #now: () => Date;

  constructor(store: RegistryStore, artifacts: ArtifactStore, options: { now?: () => Date } = {}) {
    this.store = store;
    this.artifacts = artifacts;
    this.#now = options.now ?? (() => new Date());
  }

  async register(input: RegisterInput, hooks: RegisterHooks = {}): Promise<ModelVersion> {
    checkModelName(input.model);
    const refs: Record<string, ArtifactRef> = {};
    for (const [name, a] of Object.entries(input.artifacts)) {
      const r = await this.artifacts.put(a.data);
      refs[name] = { sha256: r.sha256, size: r.size, contentType: a.contentType };
      await hooks.onProgress?.({ phase: 'artifact-written', name, sha256: r.sha256, size: r.size });
    }
    await hooks.onProgress?.({ phase: 'committing' });
    const v = await this.store.createVersion({
      model: input.model,
      ...(input.description === undefined ? {} : { description: input.description }),
      runId: input.runId ?? null,
      kind: input.kind,
      family: input.family,
      metrics: input.metrics,
      threshold: input.threshold,
      tags: input.tags ?? {},
      dataVersion: input.dataVersion ?? null,
      testSetHash: input.testSetHash ?? null,
      signature: input.signature ?? null,
      artifacts: refs,
      createdAt: this.#now().toISOString(),
      createdBy: input.createdBy ?? 'aquaops',
    });
    await hooks.onProgress?.({ phase: 'committed', version: v.version });
    return v;
  }

  async get(model: string, version: number): Promise<ModelVersion> {
    const v = await this.store.getVersion(model, version);
    if (v === undefined) {
      throw notFound(`model version ${model}@${version}`, `list versions with \`aquaops models show ${model}\``);
    }
    return v;
  }

  /** Resolves `NAME@VERSION`, `NAME@ALIAS`, or `NAME` (= the newest active version). */
  async resolve(ref: VersionRef | string): Promise<ModelVersion> {
    const r = typeof ref === 'string' ? parseVersionRef(ref) : ref;
    if (r.version !== undefined) return this.get(r.model, r.version);
    if (r.alias !== undefined) {
      const a = await this.store.getAlias(r.model, r.alias);
      if (a === undefined) {
        throw notFound(
          `alias ${r.model}@${r.alias}`,
          `set it with \`aquaops models promote ${r.model} VERSION --alias ${r.alias}\``,
        );
      }
      return this.get(r.model, a.version);
    }
    const [latest] = await this.store.searchVersions({ model: r.model, status: 'active', limit: 1 });
    if (latest === undefined) throw notFound(`an active version of model ${r.model}`, 'register a version first');
    return latest;
  }

  /** Loads one artifact of a version, verifying its sha256. */
  async loadArtifact(model: string, version: number, name: string): Promise<Uint8Array> {
    const v = await this.get(model, version);
    const ref = v.artifacts[name];
    if (ref === undefined) {
      throw notFound(
        `artifact "${name}" of ${model}@${version}`,
        `the version has: ${Object.keys(v.artifacts).join(', ') || 'no artifacts'}`,
      );
    }
    return this.artifacts.get(ref.sha256, { model, version, name });
  }

  /** Loads every artifact of a version (each verified); throws on the first bad one. */
  async verify(model: string, version: number): Promise<void> {
    const v = await this.get(model, version);
    for (const [name, ref] of Object.entries(v.artifacts))
      await this.artifacts.get(ref.sha256, { model, version, name });
  }

  /**
   * Points `alias` at `version`. With `expectedVersion` the move is a compare-and-swap against
   * it (null = alias must be unset); without, against the value read just before.
   */
  async promote(args: {
    readonly model: string;
    readonly version: number;
    readonly alias: string;
    readonly reason: string;
    readonly actor: string;
    readonly expectedVersion?: number | null;
    readonly metrics?: MetricMap;
  }): Promise<AliasEvent> {
    const v = await this.get(args.model, args.version);
    if (v.status === 'archived') {
      throw new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `${args.model}@${args.version} is archived and cannot take an alias`,
        {
          hint: 'promote an active version',
        },
      );
    }
    const expected =
      args.expectedVersion !== undefined
        ? args.expectedVersion
        : ((await this.store.getAlias(args.model, args.alias))?.version ?? null);
    if (expected === args.version) {
      // A move to where the alias already points would only add a misleading audit entry.
      throw new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `${args.model}@${args.alias} already points at version ${args.version}; nothing to move`,
        { hint: `check the current alias with \`aquaops models show ${args.model}@${args.alias}\`` },
      );
    }
    return this.store.moveAlias({
      model: args.model,
      alias: args.alias,
      version: args.version,
      expected,
      actor: args.actor,
      reason: args.reason,
      metrics: args.metrics ?? v.metrics,
      at: this.#now().toISOString(),
    });
  }

  /**
   * Moves the alias back to the version it pointed at before its current one (read from the
   * audit trail). Rolling back twice therefore toggles between the last two versions.
   */
  async rollback(args: {
    readonly model: string;
    readonly alias: string;
    readonly actor: string;
    readonly reason?: string;
  }): Promise<AliasEvent> {
    const cur = await this.store.getAlias(args.model, args.alias);
    if (cur === undefined) throw notFound(`alias ${args.model}@${args.alias}`, 'nothing to roll back');
    const history = await this.store.aliasHistory(args.model, args.alias);
    const last = [...history].reverse().find((e) => e.toVersion === cur.version);
    const previous = last?.fromVersion ?? null;
    if (previous === null) {
      throw new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `alias ${args.model}@${args.alias} has no previous version to roll back to (it was first set to version ${cur.version})`,
        {
          hint: `promote a version explicitly with \`aquaops models promote ${args.model} VERSION --alias ${args.alias}\``,
        },
      );
    }
    const target = await this.get(args.model, previous);
    return this.store.moveAlias({
      model: args.model,
      alias: args.alias,
      version: previous,
      expected: cur.version,
      actor: args.actor,
      reason: args.reason ?? `rollback from version ${cur.version} to ${previous}`,
      metrics: target.metrics,
      at: this.#now().toISOString(),
    });
  }

  /** Archives a version; refused while an alias points at it (move the alias first). */
  async archive(model: string, version: number): Promise<ModelVersion> {
    await this.get(model, version);
    const holding = (await this.store.listAliases(model)).filter((a) => a.version === version).map((a) => a.alias);
    if (holding.length > 0) {
      throw new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `${model}@${version} is still aliased as ${holding.join(', ')}; archiving it would break serving`,
        { hint: `move or roll back the alias first (aquaops models rollback ${model} --alias ${holding[0]})` },
      );
    }
    const routed = (await this.store.getRouting(model))?.config;
    if (routed !== undefined && routingVersions(routed).includes(version)) {
      throw new AquaopsError(
        'AQUAOPS_E_REGISTRY_CONFLICT',
        `${model}@${version} is still in the A/B or shadow routing; archiving it would break serving`,
        { hint: `change the routing first (aquaops models routing ${model} --clear --reason "…")` },
      );
    }
    return this.store.setVersionStatus(model, version, 'archived');
  }

  /**
   * Replaces the model's A/B + shadow routing (every serving process applies it on its next
   * poll). Archived versions are refused, as they are for aliases.
   */
  async setRouting(change: RoutingChange): Promise<RoutingEvent> {
    const config = checkRoutingChange(change);
    for (const version of routingVersions(config)) {
      const v = await this.get(change.model, version);
      if (v.status === 'archived') {
        throw new AquaopsError(
          'AQUAOPS_E_REGISTRY_CONFLICT',
          `${change.model}@${version} is archived and cannot take traffic`,
          { hint: 'route to active versions only' },
        );
      }
    }
    return this.store.setRouting(change);
  }

  async diff(model: string, a: number, b: number): Promise<VersionDiff> {
    const [va, vb] = [await this.get(model, a), await this.get(model, b)];
    const metrics: Record<string, { a: number | null; b: number | null; delta: number | null }> = {};
    for (const k of [...new Set([...Object.keys(va.metrics), ...Object.keys(vb.metrics)])].sort()) {
      const x = va.metrics[k] ?? null;
      const y = vb.metrics[k] ?? null;
      metrics[k] = { a: x, b: y, delta: x === null || y === null ? null : y - x };
    }
    const changed: Record<string, { a: Json; b: Json }> = {};
    const cmp = (key: string, x: Json, y: Json): void => {
      if (JSON.stringify(x) !== JSON.stringify(y)) changed[key] = { a: x, b: y };
    };
    cmp('kind', va.kind, vb.kind);
    cmp('family', va.family, vb.family);
    cmp('threshold', va.threshold, vb.threshold);
    cmp('status', va.status, vb.status);
    cmp('runId', va.runId, vb.runId);
    cmp('dataVersion', va.dataVersion, vb.dataVersion);
    cmp('testSetHash', va.testSetHash, vb.testSetHash);
    cmp('signature', va.signature, vb.signature);
    for (const k of new Set([...Object.keys(va.tags), ...Object.keys(vb.tags)]))
      cmp(`tags.${k}`, va.tags[k] ?? null, vb.tags[k] ?? null);
    for (const k of new Set([...Object.keys(va.artifacts), ...Object.keys(vb.artifacts)])) {
      cmp(`artifacts.${k}`, va.artifacts[k]?.sha256 ?? null, vb.artifacts[k]?.sha256 ?? null);
    }
    return { model, a, b, metrics, changed };
  }

  /** Applies the promotion policy to a freshly registered version and moves the chosen alias (CAS). */
  async autoPromote(
    model: string,
    version: number,
    policy: PromotionPolicy,
    actor: string,
  ): Promise<{ decision: PromotionDecision; event: AliasEvent }> {
    const candidate = await this.get(model, version);
    const champ = await this.store.getAlias(model, 'champion');
    const champion = champ === undefined ? undefined : await this.get(model, champ.version);
    const decision = decidePromotion(candidate, champion, policy);
    const expected =
      decision.alias === 'champion'
        ? (champ?.version ?? null)
        : ((await this.store.getAlias(model, 'challenger'))?.version ?? null);
    const event = await this.store.moveAlias({
      model,
      alias: decision.alias,
      version,
      expected,
      actor,
      reason: decision.reason,
      metrics: decision.metrics,
      at: this.#now().toISOString(),
    });
    return { decision, event };
  }

  /**
   * Deletes blobs no version references. Blobs younger than `graceMs` are spared: a
   * registration in flight has written its blobs but not yet committed the version.
   */
  async gc(options: { readonly graceMs?: number; readonly dryRun?: boolean } = {}): Promise<GcResult> {
    const grace = options.graceMs ?? 60 * 60 * 1000;
    const now = this.#now().getTime();
    const referenced = await this.store.referencedArtifacts();
    const removed: string[] = [];
    let kept = 0;
    for (const b of await this.artifacts.list()) {
      if (referenced.has(b.sha256) || now - b.modifiedMs < grace) {
        kept++;
        continue;
      }
      if (options.dryRun !== true) await this.artifacts.delete(b.sha256);
      removed.push(b.sha256);
    }
    const a = this.artifacts as { removeStaleTemps?: (olderThanMs: number, now: number) => Promise<number> };
    const tempsRemoved =
      options.dryRun !== true && typeof a.removeStaleTemps === 'function' ? await a.removeStaleTemps(grace, now) : 0;
    return { removed, kept, tempsRemoved };
  }
}
