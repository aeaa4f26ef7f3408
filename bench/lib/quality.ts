/**
 * The quality half of the ML bench: each model variant (a family with its defaults, the family
 * tuned by an inner search, extra fixed configurations such as a 500-tree forest or a voting
 * ensemble) is fitted on every outer fold's training part and scored on its test part.
 * Preprocessing sits inside the family's pipeline and tuning runs `searchFamily` on an inner
 * stratified K-fold of the training part only, so no test row ever informs a fit. One
 * (variant, fold) pair is one task; tasks are independent and run on a worker pool.
 */
import {
  accuracy,
  type ComponentConfig,
  f1,
  type Fold,
  type Labels,
  logLoss,
  type Matrix,
  meanStd,
  type ModelCatalog,
  rocAuc,
  stratifiedKFold,
  takeLabels,
  takeRows,
} from '@aquaops/ml';
import { inProcessExecutor } from '../../packages/training/src/executor.js';
import { ALL_FAMILIES, type Family, familyConfig } from '../../packages/training/src/families.js';
import { searchFamily } from '../../packages/training/src/search.js';

export type VariantKind = 'default' | 'tuned' | 'fixed';

export interface Variant {
  /** Row label, e.g. "gbm", "gbm tuned", "random-forest 500 trees". */
  readonly id: string;
  readonly family: Family;
  readonly kind: VariantKind;
  /** The model config for default and fixed variants (tuned ones get theirs from the search). */
  readonly config?: ComponentConfig;
}

export interface TuneOptions {
  /** Configurations tried per family (the defaults included). */
  readonly trials: number;
  readonly innerFolds: number;
  readonly seed: number;
}

export interface QualityTask {
  readonly taskId: number;
  readonly variant: Variant;
  /** Index into the outer folds. */
  readonly fold: number;
}

export interface FoldMetrics {
  readonly accuracy: number;
  readonly f1: number;
  readonly rocAuc: number;
  readonly logLoss: number;
}

export interface QualityOutcome {
  readonly taskId: number;
  readonly variantId: string;
  readonly fold: number;
  readonly metrics?: FoldMetrics;
  /** Estimator params the inner search chose (tuned variants). */
  readonly chosen?: Readonly<Record<string, unknown>>;
  readonly fitMs: number;
  readonly predictMs: number;
  /** Wall time of the inner search (tuned variants). */
  readonly tuneMs: number;
  readonly error?: string;
}

export interface QualityData {
  readonly X: Matrix;
  readonly y: Labels;
  readonly folds: readonly Fold[];
}

/** Composite kinds: wrappers around other models, not families to benchmark on their own. */
const COMPOSITE_KINDS = new Set(['pipeline', 'calibrated', 'voting', 'stacking']);

export interface FamilyInventory {
  /** Families to run: ALL_FAMILIES present in the catalogue, then catalogue-only kinds. */
  readonly available: Family[];
  /** ALL_FAMILIES entries the catalogue lacks (e.g. a family still landing). */
  readonly missing: string[];
  /** Catalogue kinds with no ALL_FAMILIES entry, benchmarked with a generic wrapping. */
  readonly extra: string[];
}

/** What the running build provides: the training families list checked against the catalogue. */
export function familyInventory(catalog: ModelCatalog, families: readonly Family[] = ALL_FAMILIES): FamilyInventory {
  const available = families.filter((f) => catalog.has(f.id));
  const missing = families.filter((f) => !catalog.has(f.id)).map((f) => f.id);
  const known = new Set(families.map((f) => f.id));
  const extra = catalog.kinds().filter((k) => !known.has(k) && !COMPOSITE_KINDS.has(k));
  for (const kind of extra) {
    // A kind the trainer does not know yet: impute (and scale) only if it cannot take NaN itself.
    const handlesMissing = catalog.create(kind).handlesMissing;
    available.push({
      id: kind,
      label: catalog.get(kind).label,
      preprocess: handlesMissing
        ? []
        : [{ kind: 'simple-imputer', params: { strategy: 'median' } }, { kind: 'standard-scaler' }],
      simplicity: 100,
    });
  }
  return { available, missing, extra };
}

/** The name of a spec's tree-count parameter, if it has one (forests name it differently). */
export function treeCountParam(catalog: ModelCatalog, kind: string): string | undefined {
  const defaults = catalog.get(kind).defaults as Readonly<Record<string, unknown>>;
  return ['nEstimators', 'numTrees', 'nTrees', 'trees'].find((k) => typeof defaults[k] === 'number');
}

export function foldMetrics(yTrue: Labels, proba: Float64Array): FoldMetrics {
  return {
    accuracy: accuracy(yTrue, proba, 0.5),
    f1: f1(yTrue, proba, 0.5),
    rocAuc: rocAuc(yTrue, proba),
    logLoss: logLoss(yTrue, proba),
  };
}

async function tunedConfig(
  family: Family,
  trainX: Matrix,
  trainY: Labels,
  catalog: ModelCatalog,
  tune: TuneOptions,
  fold: number,
): Promise<{ config: ComponentConfig; chosen: Readonly<Record<string, unknown>> }> {
  const seed = tune.seed + fold;
  const inner = stratifiedKFold(trainY, tune.innerFolds, seed);
  const executor = inProcessExecutor({ X: trainX, y: trainY, folds: inner }, catalog, { name: 'roc_auc' });
  const result = await searchFamily(family, catalog, executor, {
    trialsPerFamily: tune.trials,
    totalFolds: tune.innerFolds,
    minFolds: 1,
    eta: 3,
    greaterIsBetter: true,
    seed,
  });
  if (result.best === undefined) {
    const failed = result.trials.find((t) => t.status === 'failed');
    throw new Error(`inner search found no usable configuration${failed?.error ? ` (${failed.error})` : ''}`);
  }
  return { config: result.best.config, chosen: result.best.params };
}

/** Fits one variant on one outer fold's training part and scores it on the test part. */
export async function runQualityTask(
  data: QualityData,
  catalog: ModelCatalog,
  task: QualityTask,
  tune: TuneOptions,
): Promise<QualityOutcome> {
  const base = { taskId: task.taskId, variantId: task.variant.id, fold: task.fold };
  let fitMs = 0;
  let predictMs = 0;
  let tuneMs = 0;
  try {
    const fold = data.folds[task.fold];
    if (fold === undefined) throw new RangeError(`outer fold ${task.fold} does not exist (${data.folds.length} folds)`);
    const trainX = takeRows(data.X, fold.train);
    const trainY = takeLabels(data.y, fold.train);
    let config = task.variant.config ?? familyConfig(task.variant.family, {});
    let chosen: Readonly<Record<string, unknown>> | undefined;
    if (task.variant.kind === 'tuned') {
      const t = performance.now();
      ({ config, chosen } = await tunedConfig(task.variant.family, trainX, trainY, catalog, tune, task.fold));
      tuneMs = performance.now() - t;
    }
    const t0 = performance.now();
    const model = catalog.create(config.kind, config.params ?? {}).fit(trainX, trainY);
    const t1 = performance.now();
    const proba = model.predictProba(takeRows(data.X, fold.test));
    const t2 = performance.now();
    fitMs = t1 - t0;
    predictMs = t2 - t1;
    const metrics = foldMetrics(takeLabels(data.y, fold.test), proba);
    return { ...base, metrics, fitMs, predictMs, tuneMs, ...(chosen === undefined ? {} : { chosen }) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ...base, fitMs, predictMs, tuneMs, error: msg };
  }
}

export interface MetricSummary {
  readonly mean: number;
  readonly std: number;
}

export interface VariantSummary {
  readonly variantId: string;
  readonly family: string;
  readonly kind: VariantKind;
  readonly folds: number;
  readonly failures: number;
  readonly firstError?: string;
  readonly accuracy: MetricSummary;
  readonly f1: MetricSummary;
  readonly rocAuc: MetricSummary;
  readonly logLoss: MetricSummary;
  readonly fitS: MetricSummary;
  readonly tuneS: MetricSummary;
  /** How often the inner search chose each params set (tuned variants), most frequent first. */
  readonly chosen: readonly { readonly params: string; readonly count: number }[];
  readonly perFoldRocAuc: readonly number[];
}

/** Mean ± sample std per variant over the folds that succeeded (failures are counted, not hidden). */
export function summarize(variants: readonly Variant[], outcomes: readonly QualityOutcome[]): VariantSummary[] {
  return variants.map((v) => {
    const mine = outcomes.filter((o) => o.variantId === v.id).sort((a, b) => a.fold - b.fold);
    const ok = mine.filter((o) => o.metrics !== undefined);
    const pick = (f: (m: FoldMetrics) => number): number[] => ok.map((o) => f(o.metrics as FoldMetrics));
    const chosenCounts = new Map<string, number>();
    for (const o of ok) {
      if (o.chosen === undefined) continue;
      const key = JSON.stringify(o.chosen);
      chosenCounts.set(key, (chosenCounts.get(key) ?? 0) + 1);
    }
    const firstError = mine.find((o) => o.error !== undefined)?.error;
    return {
      variantId: v.id,
      family: v.family.id,
      kind: v.kind,
      folds: ok.length,
      failures: mine.length - ok.length,
      ...(firstError === undefined ? {} : { firstError }),
      accuracy: meanStd(pick((m) => m.accuracy)),
      f1: meanStd(pick((m) => m.f1)),
      rocAuc: meanStd(pick((m) => m.rocAuc)),
      logLoss: meanStd(pick((m) => m.logLoss)),
      fitS: meanStd(ok.map((o) => o.fitMs / 1000)),
      tuneS: meanStd(ok.map((o) => o.tuneMs / 1000)),
      chosen: [...chosenCounts.entries()]
        .map(([params, count]) => ({ params, count }))
        .sort((a, b) => b.count - a.count),
      perFoldRocAuc: pick((m) => m.rocAuc),
    };
  });
}
