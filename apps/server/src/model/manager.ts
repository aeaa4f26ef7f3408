/**
 * Holds the model(s) being served and swaps them safely. A candidate version is verified before
 * it can serve — checksum of its state, signature compatible with the one clients already use,
 * and a smoke prediction whose explanation adds up — and then swapped in with a single reference
 * assignment, so in-flight requests finish on the model they started with and a bad version is
 * refused while the old one keeps serving. It also owns A/B routing (weighted, sticky by a
 * hashed unit key) and the optional shadow version. The routing table lives in the registry so
 * that every process serving from it applies the same one: it is read at start and on every
 * poll tick, and a change — made through any process — is verified and swapped in the same way;
 * a table naming a version that fails verification is refused and the previous one stays.
 */
import { createHash } from 'node:crypto';
import { AquaopsError, errorCodeOf, type ModelSignature, type Routing } from '@aquaops/contracts';
import { stateChecksum } from './checksum.js';
import type { LoadedModel, ModelSource, ServedMatrix, Unsubscribe } from './types.js';
import { compileSampleValidator, type SampleValidator } from './validation.js';

/** A verified model plus what serving needs precomputed (its validator). */
export interface ServingModel {
  readonly model: LoadedModel;
  readonly validate: SampleValidator;
  readonly loadedAt: string;
}

/**
 * What the manager reports. Routing problems reuse `rejected` / `load-failed` (flagged with
 * `routing`), so they count and alert like a failed model swap does.
 */
export type ManagerEvent =
  | { readonly type: 'swapped'; readonly from: number | undefined; readonly to: number; readonly alias?: string }
  | {
      readonly type: 'rejected';
      readonly version: number | string;
      readonly reason: string;
      readonly routing?: true;
    }
  | { readonly type: 'load-failed'; readonly ref: string | number; readonly reason: string; readonly routing?: true }
  | { readonly type: 'routing-swapped'; readonly from: Routing | undefined; readonly to: Routing | undefined };

export interface ManagerOptions {
  readonly name: string;
  /** Alias (e.g. `champion`) or version number to serve. */
  readonly ref: string;
  readonly pollIntervalMs: number;
  readonly onEvent?: (e: ManagerEvent) => void;
}

interface RoutingState {
  readonly config: Routing;
  readonly variants: readonly { readonly serving: ServingModel; readonly cumulative: number }[];
  readonly total: number;
  readonly shadow: ServingModel | undefined;
}

/** A routing table loaded and verified, or the version that could not be. */
type PreparedRouting =
  | { readonly ok: true; readonly state: RoutingState | undefined }
  | { readonly ok: false; readonly version: number; readonly error: unknown };

const NO_ROUTING: Routing = { variants: [] };

/**
 * Identity of what a routing table does: '' for one that routes nothing (no positive weight,
 * no shadow) however it is spelled, so a cleared table and no table compare equal.
 */
export function routingKey(config: Routing | undefined): string {
  if (config === undefined) return '';
  const total = config.variants.reduce((s, v) => s + v.weight, 0);
  const shadow = config.shadowVersion ?? null;
  if (!(total > 0) && shadow === null) return '';
  return JSON.stringify([config.variants.map((v) => [v.version, v.weight]), config.stickyKey ?? null, shadow]);
}

/** Column-major matrix from rows of feature values (`null` → NaN). */
export function toMatrix(rows: readonly (readonly (number | null)[])[], nCols: number): ServedMatrix {
  const n = rows.length;
  const data = new Float64Array(n * nCols);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    for (let j = 0; j < nCols; j++) {
      const v = r[j];
      data[j * n + i] = v === null || v === undefined ? Number.NaN : v;
    }
  }
  return { nRows: n, nCols, data };
}

/**
 * Unit-to-bucket hash used for sticky A/B assignment: the first 8 hex digits of sha256(key) read
 * as an unsigned 32-bit integer, divided by 2^32, gives u in [0, 1); the unit goes to the first
 * variant whose cumulative normalised weight exceeds u. Same key → same variant, on any server.
 */
export function stickyUnit(key: string): number {
  return Number.parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) / 2 ** 32;
}

function signaturesCompatible(a: ModelSignature, b: ModelSignature): string | undefined {
  const an = a.features.map((f) => f.name).join(',');
  const bn = b.features.map((f) => f.name).join(',');
  if (an !== bn) return `features differ: serving [${an}], candidate [${bn}]`;
  if (a.verdicts.positive !== b.verdicts.positive || a.verdicts.negative !== b.verdicts.negative) {
    return 'verdict words differ';
  }
  return undefined;
}

/** A probe row inside every feature's bounds (midpoint, or the one bound, or 0). */
function probeRow(signature: ModelSignature): number[] {
  return signature.features.map((f) => {
    if (f.min !== undefined && f.max !== undefined) return (f.min + f.max) / 2;
    return f.min ?? f.max ?? 0;
  });
}

/** Throws AQUAOPS_E_MODEL_REJECTED naming the first failed check. */
export function verifyModel(m: LoadedModel, serving: ModelSignature | undefined): void {
  const reject = (reason: string): never => {
    throw new AquaopsError('AQUAOPS_E_MODEL_REJECTED', `model ${m.name} v${m.version} refused: ${reason}`, {
      hint: 'Fix or re-register the version; the previous version keeps serving.',
    });
  };
  let actual = '';
  try {
    actual = stateChecksum(m.classifier.toState());
  } catch (err) {
    reject(`its state cannot be serialised (${(err as Error).message})`);
  }
  if (actual !== m.checksum) reject(`checksum mismatch (recorded ${m.checksum}, actual ${actual})`);
  const nf = m.signature.features.length;
  if (nf === 0) reject('signature has no features');
  if (m.classifier.nFeatures !== nf) reject(`model takes ${m.classifier.nFeatures} features, signature lists ${nf}`);
  if (!(m.threshold > 0 && m.threshold < 1)) reject(`threshold ${m.threshold} is not in (0, 1)`);
  if (serving !== undefined) {
    const why = signaturesCompatible(serving, m.signature);
    if (why !== undefined) reject(`signature incompatible with the serving one: ${why}`);
  }
  const rows: (number | null)[][] = [probeRow(m.signature)];
  if (m.classifier.handlesMissing) rows.push(m.signature.features.map(() => null));
  const X = toMatrix(rows, nf);
  try {
    const p = m.classifier.predictProba(X);
    if (p.length !== rows.length) reject(`smoke prediction returned ${p.length} values for ${rows.length} rows`);
    for (const v of p) if (!(v >= 0 && v <= 1)) reject(`smoke prediction returned probability ${v}`);
    const e = m.classifier.explain(X);
    if (e.phi.length !== rows.length * nf)
      reject(`explanation has ${e.phi.length} values, expected ${rows.length * nf}`);
    for (let i = 0; i < rows.length; i++) {
      let s = e.base;
      for (let j = 0; j < nf; j++) s += e.phi[i * nf + j]!;
      const out = e.output[i]!;
      if (!(Math.abs(s - out) <= 1e-6 * Math.max(1, Math.abs(out)))) {
        reject(`explanation does not add up (base + sum(phi) = ${s}, output ${out})`);
      }
    }
  } catch (err) {
    if (err instanceof AquaopsError) throw err;
    reject(`smoke prediction failed (${(err as Error).message})`);
  }
}

export class ModelManager {
  private current: ServingModel | undefined;
  private routing: RoutingState | undefined;
  private unwatch: Unsubscribe | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Set when the last load failed for a transient reason (not a verification refusal). */
  private loadFailed = false;
  private lastErrorText: string | undefined;
  /** Key of the stored routing that failed verification: not retried until the stored one changes. */
  private refusedRoutingKey: string | undefined;
  /** The routing problem last reported, so polls that hit it again stay quiet. */
  private routingErrorText: string | undefined;
  private routingPollPending = false;
  private stopped = false;
  /** Serialises loads and routing changes so no two of them race each other. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: ModelSource,
    private readonly options: ManagerOptions,
  ) {}

  get serving(): ServingModel | undefined {
    return this.current;
  }
  get ready(): boolean {
    return this.current !== undefined;
  }
  get lastError(): string | undefined {
    return this.lastErrorText;
  }
  get routingConfig(): Routing | undefined {
    return this.routing?.config;
  }
  get shadow(): ServingModel | undefined {
    return this.routing?.shadow;
  }
  get name(): string {
    return this.options.name;
  }
  get ref(): string {
    return this.options.ref;
  }

  /**
   * Loads the initial model and the stored routing (failures leave the server unready or without
   * routing, not crashed), then starts watching the alias and polling the routing.
   */
  async start(): Promise<void> {
    this.stopped = false;
    await this.refresh();
    await this.syncRouting();
    if (!/^[0-9]+$/.test(this.options.ref) && this.unwatch === undefined) {
      this.unwatch = this.source.watch(
        this.options.name,
        this.options.ref,
        () => void this.refresh(),
        this.options.pollIntervalMs,
      );
    }
    // A failed load (registry or artifact store unreachable) is retried; a refused version is not,
    // it waits for the alias to move. The routing is re-read on the same tick.
    this.pollTimer ??= setInterval(() => {
      if (this.loadFailed) void this.refresh();
      this.pollRouting();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Re-resolves the served reference and swaps if it now names a different, valid version. */
  refresh(): Promise<boolean> {
    return this.serial(() => this.refreshNow());
  }

  private async refreshNow(): Promise<boolean> {
    const { name, ref } = this.options;
    let candidate: LoadedModel;
    try {
      candidate = await this.source.load(name, ref);
    } catch (err) {
      const reason = (err as Error).message;
      // Retries of the same failure are not news: report a failure once until it changes.
      if (!this.loadFailed || reason !== this.lastErrorText)
        this.options.onEvent?.({ type: 'load-failed', ref, reason });
      this.loadFailed = true;
      this.lastErrorText = reason;
      return false;
    }
    this.loadFailed = false;
    const before = this.current;
    if (before !== undefined && before.model.version === candidate.version && before.model.name === candidate.name) {
      return false;
    }
    try {
      const serving = this.prepare(candidate);
      this.current = serving; // the atomic swap: requests hold their own reference to the old one
      this.lastErrorText = undefined;
      const ev: ManagerEvent =
        candidate.alias === undefined
          ? { type: 'swapped', from: before?.model.version, to: candidate.version }
          : { type: 'swapped', from: before?.model.version, to: candidate.version, alias: candidate.alias };
      this.options.onEvent?.(ev);
      return true;
    } catch (err) {
      this.lastErrorText = (err as Error).message;
      this.options.onEvent?.({ type: 'rejected', version: candidate.version, reason: this.lastErrorText });
      return false;
    }
  }

  /** Verifies a model and precomputes its validator; throws AQUAOPS_E_MODEL_REJECTED. */
  prepare(m: LoadedModel): ServingModel {
    verifyModel(m, this.current?.model.signature);
    return { model: m, validate: compileSampleValidator(m.signature), loadedAt: new Date().toISOString() };
  }

  /** Loads and verifies a version without serving it (used before promoting an alias). */
  async check(version: number): Promise<ServingModel> {
    return this.prepare(await this.source.load(this.options.name, version));
  }

  /**
   * Replaces the routing table: every referenced version is loaded and verified first (the first
   * failure is thrown and nothing changes), then `persist` stores it — in the registry, for every
   * other process — and only then is it swapped in here.
   */
  setRouting(config: Routing, persist?: (config: Routing) => Promise<void>): Promise<void> {
    return this.serial(async () => {
      const prepared = await this.prepareRouting(config);
      if (!prepared.ok) throw prepared.error;
      await persist?.(config);
      this.applyRouting(prepared.state);
    });
  }

  /** Reads the stored routing and swaps it in when it differs from the one in use. */
  syncRouting(): Promise<void> {
    return this.serial(() => this.syncRoutingNow());
  }

  /** One routing read per tick at most: a slow registry skips ticks instead of queueing reads. */
  private pollRouting(): void {
    if (this.routingPollPending) return;
    this.routingPollPending = true;
    void this.syncRouting()
      .catch(() => undefined)
      .finally(() => {
        this.routingPollPending = false;
      });
  }

  private async syncRoutingNow(): Promise<void> {
    if (this.stopped) return;
    const { name } = this.options;
    let stored: Routing | undefined;
    try {
      stored = await this.source.getRouting(name);
    } catch (err) {
      const reason = `routing of model ${name} not read, the current one stays: ${(err as Error).message}`;
      // A malformed stored table is refused like a bad version; an unreachable registry is retried.
      this.reportRouting(
        errorCodeOf(err) === 'AQUAOPS_E_REGISTRY_INVALID'
          ? { type: 'rejected', version: 'routing', reason, routing: true }
          : { type: 'load-failed', ref: 'routing', reason, routing: true },
      );
      return;
    }
    const key = routingKey(stored);
    if (key === routingKey(this.routing?.config)) {
      this.refusedRoutingKey = undefined;
      this.routingErrorText = undefined;
      return;
    }
    if (key === this.refusedRoutingKey) return;
    const prepared = await this.prepareRouting(stored ?? NO_ROUTING);
    if (this.stopped) return;
    if (prepared.ok) {
      this.applyRouting(prepared.state);
      return;
    }
    const reason = `routing of model ${name} not applied, the current one stays: ${(prepared.error as Error).message}`;
    if (errorCodeOf(prepared.error) === 'AQUAOPS_E_MODEL_REJECTED') {
      this.refusedRoutingKey = key;
      this.reportRouting({ type: 'rejected', version: prepared.version, reason, routing: true });
    } else {
      // e.g. artifacts unreadable for now: retried on the next tick
      this.reportRouting({ type: 'load-failed', ref: prepared.version, reason, routing: true });
    }
  }

  private reportRouting(e: ManagerEvent & { readonly reason: string }): void {
    if (e.reason === this.routingErrorText) return;
    this.routingErrorText = e.reason;
    this.options.onEvent?.(e);
  }

  private async prepareRouting(config: Routing): Promise<PreparedRouting> {
    const variants: { serving: ServingModel; cumulative: number }[] = [];
    let total = 0;
    let shadow: ServingModel | undefined;
    // The version being checked when a check throws is the one the refusal names.
    let checking = 0;
    try {
      for (const v of config.variants) {
        checking = v.version;
        const serving = await this.check(checking);
        total += v.weight;
        variants.push({ serving, cumulative: total });
      }
      if (config.shadowVersion !== undefined && config.shadowVersion !== null) {
        checking = config.shadowVersion;
        shadow = await this.check(checking);
      }
    } catch (error) {
      return { ok: false, version: checking, error };
    }
    return { ok: true, state: total > 0 || shadow !== undefined ? { config, variants, total, shadow } : undefined };
  }

  /** The atomic swap of the routing table: a request holds the state it read. */
  private applyRouting(state: RoutingState | undefined): void {
    const before = this.routing?.config;
    this.routing = state;
    this.refusedRoutingKey = undefined;
    this.routingErrorText = undefined;
    if (routingKey(before) !== routingKey(state?.config)) {
      this.options.onEvent?.({ type: 'routing-swapped', from: before, to: state?.config });
    }
  }

  /** Model for one sample: an A/B variant when routing is set, else the served one. */
  pick(unitKey: string): { serving: ServingModel; route: string } {
    const cur = this.current;
    if (cur === undefined) {
      throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', 'no verified model is loaded yet', {
        hint: `Check that model ${this.options.name} has "${this.options.ref}" set and passes verification (GET /readyz).`,
      });
    }
    const r = this.routing;
    if (r === undefined || r.total <= 0) return { serving: cur, route: 'default' };
    const u = stickyUnit(unitKey) * r.total;
    for (const v of r.variants)
      if (u < v.cumulative) return { serving: v.serving, route: `ab:${v.serving.model.version}` };
    return { serving: cur, route: 'default' };
  }
}
