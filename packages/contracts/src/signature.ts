/**
 * A model version's input signature: the features it takes, with units, physical bounds and
 * drinking-water guideline values, derived from the dataset schema at training time and stored
 * with the version. The API validates requests against it, the web app builds its form from it,
 * and guideline flags are computed from it — so nothing downstream hard-codes the features.
 */

export interface Guideline {
  /** Who sets it, e.g. `WHO GDWQ 4th ed.` or `US EPA`. */
  readonly source: string;
  /** Acceptable range; either bound may be absent. A value outside exceeds the guideline. */
  readonly min?: number;
  readonly max?: number;
  /** Whether the value is health-based (vs. aesthetic / operational). */
  readonly healthBased: boolean;
  /** Plain words, e.g. `secondary, non-enforceable`. */
  readonly note: string;
}

export interface FeatureSpec {
  readonly name: string;
  readonly type: 'number';
  readonly unit?: string;
  readonly description?: string;
  /** Physical bounds: a value outside is invalid input (not merely unusual). */
  readonly min?: number;
  readonly max?: number;
  readonly guidelines?: readonly Guideline[];
}

export interface ModelSignature {
  /** Dataset schema this signature was derived from. */
  readonly schema: { readonly name: string; readonly version: string };
  readonly label: { readonly name: string; readonly positive: string | number };
  /** Words for the two outcomes, e.g. `potable` / `not_potable`. */
  readonly verdicts: { readonly positive: string; readonly negative: string };
  /** Features in model column order. */
  readonly features: readonly FeatureSpec[];
  /** Optional non-feature request fields the API accepts (e.g. a sampling-site id used as A/B key). */
  readonly passthrough?: readonly string[];
}
