/**
 * Hyperparameters of the random forest and extra-trees classifiers: scikit-learn-compatible
 * defaults (so results compare with the Python reference figures), the validation every boundary
 * runs (each error names the parameter, the allowed values and how to fix it), and the search
 * spaces the tuner samples. Kept apart from the trainer so the catalogue and CLI can read defaults
 * and ranges without pulling in the training code.
 */
import { invalidArgument } from '../errors.js';
import type { ParamRange } from '../model.js';

/**
 * Features tried per split: `sqrt` / `log2` of the feature count, `all`, an integer count >= 1,
 * or a fraction in (0, 1) of the feature count (at least one feature is always tried).
 */
export type MaxFeatures = 'sqrt' | 'log2' | 'all' | number;

/** `balanced`: inverse class frequency on the training set; `balanced_subsample`: on each bootstrap sample. */
export type ForestClassWeight = 'none' | 'balanced' | 'balanced_subsample';

export type ForestParams = {
  readonly nEstimators: number;
  readonly maxFeatures: MaxFeatures;
  /** -1 = unlimited. */
  readonly maxDepth: number;
  /** A node with fewer (distinct training) rows is not split. */
  readonly minSamplesSplit: number;
  /** Each child keeps at least this many (distinct training) rows. */
  readonly minSamplesLeaf: number;
  /** -1 = unlimited; otherwise trees grow best-first up to this many leaves. */
  readonly maxLeafNodes: number;
  /** A split must lower weighted Gini impurity by at least this fraction of the total training weight. */
  readonly minImpurityDecrease: number;
  /** Draw a bootstrap sample (with replacement) per tree. */
  readonly bootstrap: boolean;
  /** Bootstrap sample size as a fraction of the rows (1 = n rows, as scikit-learn's default). */
  readonly maxSamples: number;
  readonly classWeight: ForestClassWeight;
  /** Compute out-of-bag ROC-AUC and accuracy after fitting (needs bootstrap). */
  readonly oobScore: boolean;
  /** Bins per feature for the histogram split search (random forest only); one more bin holds missing values. */
  readonly maxBins: number;
  readonly seed: number;
};

export const randomForestDefaults: ForestParams = {
  nEstimators: 100,
  maxFeatures: 'sqrt',
  maxDepth: -1,
  minSamplesSplit: 2,
  minSamplesLeaf: 1,
  maxLeafNodes: -1,
  minImpurityDecrease: 0,
  bootstrap: true,
  maxSamples: 1,
  classWeight: 'none',
  oobScore: false,
  maxBins: 4095,
  seed: 0,
};

export const extraTreesDefaults: ForestParams = { ...randomForestDefaults, bootstrap: false };

export const randomForestSearchSpace: Readonly<Record<string, ParamRange>> = {
  nEstimators: { type: 'int', min: 100, max: 600, log: true },
  maxFeatures: { type: 'choice', values: ['sqrt', 'log2', 0.5, 'all'] },
  minSamplesLeaf: { type: 'int', min: 1, max: 20, log: true },
  maxDepth: { type: 'choice', values: [-1, 8, 12, 20] },
  maxSamples: { type: 'float', min: 0.5, max: 1 },
  classWeight: { type: 'choice', values: ['none', 'balanced', 'balanced_subsample'] },
};

export const extraTreesSearchSpace: Readonly<Record<string, ParamRange>> = {
  nEstimators: { type: 'int', min: 100, max: 600, log: true },
  maxFeatures: { type: 'choice', values: ['sqrt', 'log2', 0.5, 'all'] },
  minSamplesLeaf: { type: 'int', min: 1, max: 20, log: true },
  maxDepth: { type: 'choice', values: [-1, 8, 12, 20] },
  classWeight: { type: 'choice', values: ['none', 'balanced'] },
};

interface NumRule {
  readonly int: boolean;
  readonly min: number;
  readonly max: number;
  readonly minOpen?: boolean;
  readonly text: string;
}

type NumKey = {
  [K in keyof ForestParams]: ForestParams[K] extends number ? K : never;
}[keyof ForestParams];

const numRules: Record<NumKey, NumRule> = {
  nEstimators: { int: true, min: 1, max: 100_000, text: 'an integer in [1, 100000]' },
  maxDepth: { int: true, min: -1, max: 1000, text: 'an integer in [1, 1000], or -1 for unlimited' },
  minSamplesSplit: { int: true, min: 2, max: 1e9, text: 'an integer >= 2' },
  minSamplesLeaf: { int: true, min: 1, max: 1e9, text: 'an integer >= 1' },
  maxLeafNodes: { int: true, min: -1, max: 1e9, text: 'an integer >= 2, or -1 for unlimited' },
  minImpurityDecrease: { int: false, min: 0, max: 1, text: 'a number in [0, 1]' },
  maxSamples: { int: false, min: 0, max: 1, minOpen: true, text: 'a number in (0, 1]' },
  maxBins: { int: true, min: 2, max: 65_535, text: 'an integer in [2, 65535]' },
  seed: { int: true, min: -2147483648, max: 2147483647, text: 'a 32-bit integer' },
};

/** Merges `params` over `defaults` and validates every value; throws MlError naming the bad one. */
export function resolveForestParams(
  defaults: ForestParams,
  params: Partial<ForestParams> | Readonly<Record<string, unknown>> = {},
): ForestParams {
  const known = Object.keys(defaults);
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw invalidArgument(
        `params.${key}`,
        `one of ${known.join(', ')}`,
        `unknown parameter "${key}"`,
        'Remove it or fix its spelling (names are camelCase, e.g. nEstimators, minSamplesLeaf).',
      );
    }
  }
  const merged = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) if (v !== undefined) merged[k] = v;
  for (const key of Object.keys(numRules) as NumKey[]) {
    const rule = numRules[key];
    const v = merged[key];
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!rule.int || Number.isInteger(v)) &&
      (rule.minOpen ? v > rule.min : v >= rule.min) &&
      v <= rule.max &&
      !(key === 'maxDepth' && v === 0) &&
      !(key === 'maxLeafNodes' && (v === 0 || v === 1));
    if (!ok) {
      throw invalidArgument(
        `params.${key}`,
        rule.text,
        typeof v === 'number' ? String(v) : `${typeof v} ${JSON.stringify(v)}`,
        `Set ${key} to ${rule.text}; the default is ${String(defaults[key])}.`,
      );
    }
  }
  for (const key of ['bootstrap', 'oobScore'] as const) {
    if (typeof merged[key] !== 'boolean') {
      throw invalidArgument(
        `params.${key}`,
        'true or false',
        JSON.stringify(merged[key]),
        `Pass a boolean (default ${String(defaults[key])}).`,
      );
    }
  }
  const mf = merged.maxFeatures;
  const mfOk =
    mf === 'sqrt' ||
    mf === 'log2' ||
    mf === 'all' ||
    (typeof mf === 'number' && Number.isFinite(mf) && ((mf > 0 && mf < 1) || (Number.isInteger(mf) && mf >= 1)));
  if (!mfOk) {
    throw invalidArgument(
      'params.maxFeatures',
      '"sqrt", "log2", "all", an integer count >= 1 or a fraction in (0, 1)',
      JSON.stringify(mf),
      'Use "sqrt" (the default for classification) or a fraction such as 0.5.',
    );
  }
  const cw = merged.classWeight;
  if (cw !== 'none' && cw !== 'balanced' && cw !== 'balanced_subsample') {
    throw invalidArgument(
      'params.classWeight',
      '"none", "balanced" or "balanced_subsample"',
      JSON.stringify(cw),
      'Use "balanced" to weight classes by inverse frequency, or "none".',
    );
  }
  if (merged.oobScore === true && merged.bootstrap !== true) {
    throw invalidArgument(
      'params.oobScore',
      'oobScore only together with bootstrap: true',
      'oobScore: true with bootstrap: false',
      'Set bootstrap to true (out-of-bag rows exist only with bootstrap sampling) or oobScore to false.',
    );
  }
  return merged as unknown as ForestParams;
}

/** Number of features tried per split for `nFeatures` features. */
export function featuresPerSplit(maxFeatures: MaxFeatures, nFeatures: number): number {
  let k: number;
  if (maxFeatures === 'sqrt') k = Math.floor(Math.sqrt(nFeatures));
  else if (maxFeatures === 'log2') k = Math.floor(Math.log2(nFeatures));
  else if (maxFeatures === 'all') k = nFeatures;
  else if (maxFeatures < 1) k = Math.floor(maxFeatures * nFeatures);
  else k = maxFeatures;
  return Math.max(1, Math.min(nFeatures, k));
}
