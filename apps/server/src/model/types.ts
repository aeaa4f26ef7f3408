/**
 * The server's boundary with the rest of the platform. The model registry, artifact store and
 * prediction log are built elsewhere; the server only needs these narrow interfaces, so the real
 * implementations can be wired in `main.ts` and tests can use the in-memory ones in `memory.ts`.
 * `ServedClassifier` is the structural subset of `Classifier` (@aquaops/ml) the server calls, so
 * any engine model satisfies it without the server depending on the engine's internals.
 */
import type { ModelSignature, Routing } from '@aquaops/contracts';

/** Column-major float64 matrix, `NaN` = missing (the engine's `Matrix` layout). */
export interface ServedMatrix {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: Float64Array;
  readonly featureNames?: readonly string[];
}

export interface ServedExplanation {
  readonly space: 'log-odds' | 'probability';
  readonly base: number;
  /** Row-major: phi[i * nFeatures + j]. */
  readonly phi: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly output: Float64Array;
}

export interface ServedClassifier {
  readonly kind: string;
  readonly nFeatures: number;
  readonly handlesMissing: boolean;
  predictProba(X: ServedMatrix): Float64Array;
  explain(X: ServedMatrix): ServedExplanation;
  toState(): { readonly kind: string; readonly params: Readonly<Record<string, unknown>>; readonly state: unknown };
}

export interface LoadedModel {
  readonly name: string;
  readonly version: number;
  readonly alias?: string;
  readonly signature: ModelSignature;
  readonly classifier: ServedClassifier;
  /** Decision threshold on the positive-class probability. */
  readonly threshold: number;
  /** `sha256:<hex>` of the canonical JSON of `classifier.toState()` (see checksum.ts). */
  readonly checksum: string;
}

export interface ModelVersionInfo {
  readonly name: string;
  readonly version: number;
  readonly aliases: readonly string[];
  readonly createdAt?: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly card: Readonly<Record<string, unknown>>;
  readonly signature: ModelSignature;
  readonly checksum?: string;
}

export type Unsubscribe = () => void;

/** Where served models come from (the registry + artifact store in production). */
export interface ModelSource {
  /** Resolves `champion`, any alias, or a version number (as a string or number) to a loaded model. */
  load(name: string, ref: string | number): Promise<LoadedModel>;
  /** Current version an alias points at (undefined when unset). */
  resolveAlias(name: string, alias: string): Promise<number | undefined>;
  /** Calls `onChange` when the alias points at a different version; checks every `intervalMs`. */
  watch(name: string, alias: string, onChange: (version: number | undefined) => void, intervalMs: number): Unsubscribe;
  list(name?: string): Promise<readonly ModelVersionInfo[]>;
  describe(name: string, version: number): Promise<ModelVersionInfo | undefined>;
  /**
   * The A/B + shadow routing stored for the model (undefined = never set), shared by every
   * process serving from the same registry. Throws when the stored one is malformed.
   */
  getRouting(name: string): Promise<Routing | undefined>;
}

/** Registry write operations the admin API performs. */
export interface ModelAdmin {
  setAlias(
    name: string,
    alias: string,
    version: number,
    meta: { readonly reason: string; readonly actor: string },
  ): Promise<{ readonly previous: number | undefined }>;
  /** Stores the model's routing (every process picks it up); referenced versions must exist. */
  setRouting(name: string, config: Routing, meta: { readonly reason: string; readonly actor: string }): Promise<void>;
}

export interface PredictionRecord {
  readonly predictionId: string;
  readonly requestId: string;
  readonly timestamp: string;
  readonly model: { readonly name: string; readonly version: number; readonly alias?: string };
  readonly route: string;
  readonly inputs: Readonly<Record<string, number | null>>;
  readonly passthrough: Readonly<Record<string, string | number>>;
  readonly probability: number;
  readonly verdict: string;
  readonly threshold: number;
  readonly latencyMs: number;
  /** True for shadow scoring: logged for comparison, never returned to the client. */
  readonly shadow: boolean;
}

export interface PredictionSink {
  append(records: readonly PredictionRecord[]): Promise<void>;
}

export interface FeedbackResult {
  readonly status: 'created' | 'unchanged' | 'conflict';
  /** The label now stored (the earlier one on conflict). */
  readonly label: 0 | 1;
  readonly recordedAt: string;
}

export interface FeedbackStore {
  /** Idempotent: the same label again is `unchanged`; a different one is `conflict` and not stored. */
  record(predictionId: string, label: 0 | 1): Promise<FeedbackResult>;
}
