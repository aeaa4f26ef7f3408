/**
 * Holds the model(s) being served and swaps them safely. A candidate version is verified before
 * it can serve — checksum of its state, signature compatible with the one clients already use,
 * and a smoke prediction whose explanation adds up — and then swapped in with a single reference
 * assignment, so in-flight requests finish on the model they started with and a bad version is
 * refused while the old one keeps serving. It also owns A/B routing (weighted, sticky by a
 * hashed unit key) and the optional shadow version.
 */
import { createHash } from 'node:crypto';
import { AquaopsError, type ModelSignature, type Routing } from '@aquaops/contracts';
import { stateChecksum } from './checksum.js';
import type { LoadedModel, ModelSource, ServedMatrix, Unsubscribe } from './types.js';
import { compileSampleValidator, type SampleValidator } from './validation.js';

/** A verified model plus what serving needs precomputed (its validator). */
export interface ServingModel {
  readonly model: LoadedModel;
  readonly validate: SampleValidator;
  readonly loadedAt: string;
}

export type ManagerEvent =
  | { readonly type: 'swapped'; readonly from: number | undefined; readonly to: number; readonly alias?: string }
  | { readonly type: 'rejected'; readonly version: number | string; readonly reason: string }
  | { readonly type: 'load-failed'; readonly ref: string | number; readonly reason: string };

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
  private retryTimer: NodeJS.Timeout | undefined;
  /** Set when the last load failed for a transient reason (not a verification refusal). */
  private loadFailed = false;
  private lastErrorText: string | undefined;
  /** Serialises loads so two alias changes never race each other. */
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

  /** Loads the initial model (failure leaves the server unready, not crashed) and starts watching the alias. */
  async start(): Promise<void> {
    await this.refresh();
    if (!/^[0-9]+$/.test(this.options.ref) && this.unwatch === undefined) {
      this.unwatch = this.source.watch(
        this.options.name,
        this.options.ref,
        () => void this.refresh(),
        this.options.pollIntervalMs,
      );
    }
    // A failed load (registry or artifact store unreachable) is retried; a refused version is not,
    // it waits for the alias to move.
    this.retryTimer ??= setInterval(() => {
      if (this.loadFailed) void this.refresh();
    }, this.options.pollIntervalMs);
    this.retryTimer.unref();
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.retryTimer !== undefined) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Re-resolves the served reference and swaps if it now names a different, valid version. */
  refresh(): Promise<boolean> {
    const run = this.chain.then(() => this.refreshNow());
    this.chain = run.catch(() => undefined);
    return run;
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

  /** Replaces the routing table; every referenced version is loaded and verified first. */
  async setRouting(config: Routing): Promise<void> {
    const variants: { serving: ServingModel; cumulative: number }[] = [];
    let total = 0;
    for (const v of config.variants) {
      const serving = await this.check(v.version);
      total += v.weight;
      variants.push({ serving, cumulative: total });
    }
    const shadow =
      config.shadowVersion === undefined || config.shadowVersion === null
        ? undefined
        : await this.check(config.shadowVersion);
    this.routing = total > 0 || shadow !== undefined ? { config, variants, total, shadow } : undefined;
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
