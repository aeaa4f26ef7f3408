/**
 * Registered models, their integer versions, aliases and A/B + shadow routing, plus the store
 * interface for them. A version links back to its run (version → run → data version), carries
 * the metrics that justify it (including the held-out test metric used for promotion) and
 * references its artifacts by sha256. Aliases (`champion`, `challenger`, …) only move by
 * compare-and-swap and every move leaves an audit event, which is what rollback reads. The
 * routing table lives here too, so every serving process reads the same one; each change of it
 * leaves an audit event of its own.
 */
import type { Routing } from '@aquaops/contracts';
import type { Json } from '../../json.js';
import type { MetricMap } from '../runs/store.js';

export interface RegisteredModel {
  readonly name: string;
  readonly description: string;
  readonly createdAt: string;
  /** Highest version number allocated so far (0 = none yet). */
  readonly latestVersion: number;
}

export interface ArtifactRef {
  readonly sha256: string;
  readonly size: number;
  readonly contentType: string;
}

export const VERSION_STATUSES = ['active', 'archived'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface ModelVersion {
  readonly model: string;
  readonly version: number;
  readonly runId: string | null;
  /** What the artifact is, e.g. `classifier`. */
  readonly kind: string;
  /** Model family, e.g. `random_forest`. */
  readonly family: string;
  readonly metrics: MetricMap;
  readonly threshold: number;
  readonly status: VersionStatus;
  readonly tags: Readonly<Record<string, string>>;
  /** DVC md5 of the data the version was trained on. */
  readonly dataVersion: string | null;
  /** Hash of the held-out test rows its test metrics were measured on; promotion compares only equal hashes. */
  readonly testSetHash: string | null;
  readonly signature: Json;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface NewModelVersion {
  readonly model: string;
  /** Used only when the model does not exist yet. */
  readonly description?: string;
  readonly runId: string | null;
  readonly kind: string;
  readonly family: string;
  readonly metrics: MetricMap;
  readonly threshold: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly dataVersion: string | null;
  readonly testSetHash: string | null;
  readonly signature: Json;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface VersionQuery {
  readonly model?: string;
  readonly status?: VersionStatus;
  /** Every pair must match. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly dataVersion?: string;
  /** Sort by this metric (versions lacking it come last); default: newest first. */
  readonly orderBy?: { readonly metric: string; readonly direction: 'asc' | 'desc' };
  readonly limit?: number;
}

export interface AliasRecord {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: string;
}

export interface AliasEvent {
  /** Monotonic id: orders history. */
  readonly id: number;
  readonly model: string;
  readonly alias: string;
  readonly fromVersion: number | null;
  /** null = the alias was removed. */
  readonly toVersion: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly metrics: MetricMap;
  readonly at: string;
}

export interface AliasMove {
  readonly model: string;
  readonly alias: string;
  /** Target version, or null to remove the alias. */
  readonly version: number | null;
  /** The version the caller believes the alias points at now (null = not set). */
  readonly expected: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly metrics: MetricMap;
  readonly at: string;
}

/** The A/B variants, sticky key and shadow version stored for one model (shape: contracts' `Routing`). */
export interface RoutingRecord {
  readonly model: string;
  readonly config: Routing;
  readonly updatedAt: string;
  readonly actor: string;
  readonly reason: string;
}

export interface RoutingChange {
  readonly model: string;
  /** The new table; empty variants and no shadow version = no routing (the change is still stored). */
  readonly config: Routing;
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

export interface RoutingEvent {
  /** Monotonic id: orders history. */
  readonly id: number;
  readonly model: string;
  /** The table before the change; null = none was stored (or the stored row was malformed). */
  readonly from: Routing | null;
  readonly to: Routing;
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

export interface ModelStore {
  /** Creates the model, or returns the existing one unchanged. */
  ensureModel(name: string, description: string, createdAt: string): Promise<RegisteredModel>;
  getModel(name: string): Promise<RegisteredModel | undefined>;
  listModels(): Promise<RegisteredModel[]>;
  /** Allocates the next version number and writes version, artifact refs and tags in ONE transaction. */
  createVersion(version: NewModelVersion): Promise<ModelVersion>;
  getVersion(model: string, version: number): Promise<ModelVersion | undefined>;
  searchVersions(query: VersionQuery): Promise<ModelVersion[]>;
  setVersionStatus(model: string, version: number, status: VersionStatus): Promise<ModelVersion>;
  /** Sets (string) or deletes (null) tags of a version. */
  setTags(model: string, version: number, tags: Readonly<Record<string, string | null>>): Promise<ModelVersion>;
  getAlias(model: string, alias: string): Promise<AliasRecord | undefined>;
  listAliases(model: string): Promise<AliasRecord[]>;
  /**
   * Compare-and-swap: moves the alias only if it currently points at `expected`; otherwise throws
   * AQUAOPS_E_REGISTRY_CONFLICT. The move and its audit event commit together.
   */
  moveAlias(move: AliasMove): Promise<AliasEvent>;
  /** Oldest first; all aliases of the model when `alias` is omitted. */
  aliasHistory(model: string, alias?: string): Promise<AliasEvent[]>;
  /**
   * The routing stored for the model (undefined = never set). A stored row that does not hold a
   * valid table (edited by hand, say) throws AQUAOPS_E_REGISTRY_INVALID naming the model.
   */
  getRouting(model: string): Promise<RoutingRecord | undefined>;
  /**
   * Replaces the model's routing; the model and every version it references must exist. The
   * row and its audit event commit together, and concurrent changes are serialised, so each
   * event's `from` is the previous event's `to`.
   */
  setRouting(change: RoutingChange): Promise<RoutingEvent>;
  /** Oldest first. */
  routingHistory(model: string): Promise<RoutingEvent[]>;
  /** Every sha256 any version references (for artifact garbage collection). */
  referencedArtifacts(): Promise<Set<string>>;
}
