/**
 * Hyperparameters of the histogram gradient-boosting classifier: their LightGBM-compatible
 * defaults, the validation every boundary runs (each error names the parameter, the allowed range
 * and how to fix it), and the search space the tuner samples. Kept apart from the trainer so the
 * model catalogue and the CLI can read defaults and ranges without pulling in the training code.
 */
import { invalidArgument } from '../errors.js';
import type { ParamRange } from '../model.js';

/** Per-class weights: none, inverse-frequency (`balanced`), or explicit weights of class 0 and 1. */
export type GbmClassWeight = 'none' | 'balanced' | { readonly 0: number; readonly 1: number };

export type GbmParams = {
  readonly numIterations: number;
  readonly learningRate: number;
  readonly numLeaves: number;
  /** -1 = unlimited. */
  readonly maxDepth: number;
  readonly minDataInLeaf: number;
  readonly minSumHessianInLeaf: number;
  readonly lambdaL1: number;
  readonly lambdaL2: number;
  readonly minGainToSplit: number;
  readonly featureFraction: number;
  readonly baggingFraction: number;
  readonly baggingFreq: number;
  /** Bins for non-missing values per feature (one more bin is always kept for missing values). */
  readonly maxBin: number;
  /** Rows sampled (seeded) to find bin boundaries. */
  readonly binSampleCount: number;
  /** 0 = off; otherwise stop when validation log-loss has not improved for this many rounds. */
  readonly earlyStoppingRounds: number;
  readonly seed: number;
  readonly classWeight: GbmClassWeight;
  readonly boostFromAverage: boolean;
};

export const gbmDefaults: GbmParams = {
  numIterations: 100,
  learningRate: 0.1,
  numLeaves: 31,
  maxDepth: -1,
  minDataInLeaf: 20,
  minSumHessianInLeaf: 1e-3,
  lambdaL1: 0,
  lambdaL2: 0,
  minGainToSplit: 0,
  featureFraction: 1,
  baggingFraction: 1,
  baggingFreq: 0,
  maxBin: 255,
  binSampleCount: 200_000,
  earlyStoppingRounds: 0,
  seed: 0,
  classWeight: 'none',
  boostFromAverage: true,
};

export const gbmSearchSpace: Readonly<Record<string, ParamRange>> = {
  numIterations: { type: 'int', min: 50, max: 500, log: true },
  learningRate: { type: 'float', min: 0.01, max: 0.3, log: true },
  numLeaves: { type: 'int', min: 4, max: 63, log: true },
  maxDepth: { type: 'choice', values: [-1, 3, 4, 5, 6, 8] },
  minDataInLeaf: { type: 'int', min: 1, max: 100, log: true },
  minSumHessianInLeaf: { type: 'float', min: 1e-3, max: 10, log: true },
  featureFraction: { type: 'float', min: 0.5, max: 1 },
  baggingFraction: { type: 'float', min: 0.5, max: 1 },
  baggingFreq: { type: 'choice', values: [0, 1, 5] },
  lambdaL2: { type: 'float', min: 1e-3, max: 10, log: true },
  minGainToSplit: { type: 'float', min: 0, max: 1 },
  classWeight: { type: 'choice', values: ['none', 'balanced'] },
};

type NumKey = {
  [K in keyof GbmParams]: GbmParams[K] extends number ? K : never;
}[keyof GbmParams];

interface NumRule {
  readonly int: boolean;
  readonly min: number;
  readonly max: number;
  /** Whether `min` itself is excluded. */
  readonly minOpen?: boolean;
  readonly text: string;
}

const numRules: Record<NumKey, NumRule> = {
  numIterations: { int: true, min: 1, max: 100_000, text: 'an integer in [1, 100000]' },
  learningRate: { int: false, min: 0, max: 10, minOpen: true, text: 'a number in (0, 10]' },
  numLeaves: { int: true, min: 2, max: 131_072, text: 'an integer in [2, 131072]' },
  maxDepth: { int: true, min: -1, max: 64, text: 'an integer in [-1, 64] (-1 = unlimited, 0 is not allowed)' },
  minDataInLeaf: { int: true, min: 1, max: 1e9, text: 'an integer >= 1' },
  minSumHessianInLeaf: { int: false, min: 0, max: 1e12, text: 'a number >= 0' },
  lambdaL1: { int: false, min: 0, max: 1e12, text: 'a number >= 0' },
  lambdaL2: { int: false, min: 0, max: 1e12, text: 'a number >= 0' },
  minGainToSplit: { int: false, min: 0, max: 1e12, text: 'a number >= 0' },
  featureFraction: { int: false, min: 0, max: 1, minOpen: true, text: 'a number in (0, 1]' },
  baggingFraction: { int: false, min: 0, max: 1, minOpen: true, text: 'a number in (0, 1]' },
  baggingFreq: { int: true, min: 0, max: 1e9, text: 'an integer >= 0 (0 = no bagging)' },
  maxBin: { int: true, min: 2, max: 255, text: 'an integer in [2, 255] (bins are stored as bytes)' },
  binSampleCount: { int: true, min: 100, max: 1e9, text: 'an integer >= 100' },
  earlyStoppingRounds: { int: true, min: 0, max: 1e9, text: 'an integer >= 0 (0 = off)' },
  seed: { int: true, min: -2147483648, max: 2147483647, text: 'a 32-bit integer' },
};

/** Merges `params` over the defaults and validates every value; throws MlError naming the bad one. */
export function resolveGbmParams(params: Partial<GbmParams> | Readonly<Record<string, unknown>> = {}): GbmParams {
  const known = new Set(Object.keys(gbmDefaults));
  for (const key of Object.keys(params)) {
    if (!known.has(key)) {
      throw invalidArgument(
        `params.${key}`,
        `one of ${[...known].join(', ')}`,
        `unknown parameter "${key}"`,
        'Remove it or fix its spelling (names are camelCase, e.g. numLeaves, learningRate).',
      );
    }
  }
  const merged = { ...gbmDefaults, ...(params as Partial<GbmParams>) } as Record<string, unknown>;
  for (const key of Object.keys(numRules) as NumKey[]) {
    const rule = numRules[key];
    const v = merged[key];
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!rule.int || Number.isInteger(v)) &&
      (rule.minOpen ? v > rule.min : v >= rule.min) &&
      v <= rule.max &&
      !(key === 'maxDepth' && v === 0);
    if (!ok) {
      throw invalidArgument(
        `params.${key}`,
        rule.text,
        typeof v === 'number' ? String(v) : `${typeof v} ${JSON.stringify(v)}`,
        `Set ${key} to ${rule.text}; the default is ${String(gbmDefaults[key])}.`,
      );
    }
  }
  if (typeof merged.boostFromAverage !== 'boolean') {
    throw invalidArgument(
      'params.boostFromAverage',
      'true or false',
      JSON.stringify(merged.boostFromAverage),
      'Pass a boolean (default true).',
    );
  }
  merged.classWeight = checkClassWeight(merged.classWeight);
  return merged as unknown as GbmParams;
}

function checkClassWeight(cw: unknown): GbmClassWeight {
  if (cw === 'none' || cw === 'balanced') return cw;
  if (typeof cw === 'object' && cw !== null && !Array.isArray(cw)) {
    const rec = cw as Record<string, unknown>;
    const w0 = rec['0'];
    const w1 = rec['1'];
    const keys = Object.keys(rec);
    if (
      keys.length === 2 &&
      typeof w0 === 'number' &&
      typeof w1 === 'number' &&
      Number.isFinite(w0) &&
      Number.isFinite(w1) &&
      w0 > 0 &&
      w1 > 0
    ) {
      return { 0: w0, 1: w1 };
    }
  }
  throw invalidArgument(
    'params.classWeight',
    "'none', 'balanced' or an object {0: w0, 1: w1} with positive finite weights",
    JSON.stringify(cw),
    "Use 'balanced' to weight classes by inverse frequency, or give both weights, e.g. {0: 1, 1: 2}.",
  );
}
