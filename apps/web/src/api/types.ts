/**
 * Wire types the web app uses. Types of the stable routes come from @aquaops/contracts (type-only
 * imports: nothing of the server ends up in the bundle); the newer routes (batch scoring,
 * operations, artifacts, alias history) are typed here loosely and normalised by the client, so
 * the app keeps working while their exact shapes settle or when a server does not offer them.
 */
import type { ModelSignature, Prediction as WirePrediction } from '@aquaops/contracts';

export type {
  AliasHistory,
  ErrorBody,
  FeatureSpec,
  Guideline,
  GuidelineFlag,
  ModelSignature,
  OpsPredictions,
  OpsSummary,
  Prediction as WirePrediction,
} from '@aquaops/contracts';

/**
 * A prediction with its explanation: the app never sends `?explain=false`, and the client
 * refuses an answer without one, so views can rely on it.
 */
export type Prediction = Omit<WirePrediction, 'explanation'> & {
  readonly explanation: NonNullable<WirePrediction['explanation']>;
};

export interface ModelRef {
  readonly name: string;
  readonly version: number;
  readonly alias?: string;
}

export interface ModelVersionSummary {
  readonly name: string;
  readonly version: number;
  readonly aliases: readonly string[];
  readonly createdAt?: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ModelList {
  readonly models: readonly ModelVersionSummary[];
  readonly serving: ModelRef | null;
}

export interface ModelVersionDetail extends ModelVersionSummary {
  readonly signature: ModelSignature;
  readonly card: Readonly<Record<string, unknown>>;
  readonly checksum?: string;
}

export interface AliasResponse {
  readonly name: string;
  readonly alias: string;
  readonly version: number;
  readonly previous: number | null;
  readonly serving: boolean;
}

export interface FeedbackResponse {
  readonly predictionId: string;
  readonly label: 0 | 1;
  readonly recordedAt: string;
  readonly created: boolean;
}

/** One row of a batch: its 1-based line number in the uploaded file and its outcome. */
export type BatchRow = BatchScored | BatchFailed;

export interface BatchScored {
  readonly line: number;
  readonly ok: true;
  readonly verdict: string;
  readonly probability: number;
  readonly predictionId?: string;
  /** Full prediction with explanation, when the row was scored through `POST /predict`. */
  readonly prediction?: Prediction;
}

export interface BatchFailed {
  readonly line: number;
  readonly ok: false;
  readonly errors: readonly RowError[];
}

export interface RowError {
  readonly path: string;
  readonly message: string;
}

export interface AliasEvent {
  readonly alias: string;
  readonly version: number;
  readonly previous: number | null;
  readonly reason: string;
  readonly actor: string;
  readonly at: string;
}

/** Curve points of evaluation.json, normalised to pairs. */
export interface Curve {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

export interface Evaluation {
  readonly roc?: Curve;
  readonly pr?: Curve;
  readonly calibration?: Curve;
  readonly confusion?: { readonly tp: number; readonly fp: number; readonly tn: number; readonly fn: number };
  /** Held-out metrics with optional confidence intervals. */
  readonly metrics: readonly MetricWithCi[];
}

export interface MetricWithCi {
  readonly name: string;
  readonly value: number;
  readonly lo?: number;
  readonly hi?: number;
  readonly set: string;
}
