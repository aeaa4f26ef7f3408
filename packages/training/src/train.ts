/**
 * A training run, end to end and honest: hold out a stratified test split; search every
 * family's hyperparameters by inner cross-validation on the training rows only; select a model
 * by the one-standard-error rule; choose the decision threshold and decide on calibration from
 * out-of-fold predictions; fit the final model on all training rows; evaluate it once on the
 * held-out rows with bootstrap confidence intervals. Progress goes through a callback; an abort
 * signal stops the search cleanly, keeping the trials that finished.
 */
import { availableParallelism } from 'node:os';
import {
  type BinaryReport,
  type BootstrapInterval,
  CalibratedClassifier,
  type CalibrationBin,
  type CalibrationMethod,
  type Classifier,
  type ComponentConfig,
  type Labels,
  type Matrix,
  type ModelCatalog,
  type PrCurve,
  type RocCurve,
  type SelectionMetric,
  type ThresholdChoice,
  type ThresholdCriterion,
  accuracy,
  balancedAccuracy,
  binaryReport,
  bootstrapCi,
  calibrationCurve,
  chooseThreshold,
  createCalibrator,
  expectedCalibrationError,
  f1,
  logLoss,
  objectiveFor,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  selectOneStandardError,
  stratifiedKFold,
  stratifiedTrainTestSplit,
  takeLabels,
  takeRows,
} from '@aquaops/ml';
import { AquaopsError } from '@aquaops/contracts';
import { type TrialExecutor, inProcessExecutor, workerPoolExecutor } from './executor.js';
import { type Family, resolveFamilies } from './families.js';
import { type ReferenceProfile, buildReferenceProfile } from './profile.js';
import { type FamilySearchResult, type TrialRecord, mergeOutcome, newTrial, searchFamily } from './search.js';

export interface TrainOptions {
  /** Families to compare (default: every family in the catalogue). */
  readonly families?: readonly string[];
  /** Configurations tried per family, defaults included (default 12). */
  readonly trialsPerFamily?: number;
  /** Wall-clock budget for the search, ms (default: none). */
  readonly timeBudgetMs?: number;
  /** Inner CV folds (default 5). */
  readonly folds?: number;
  /** Held-out share (default 0.2). */
  readonly testFraction?: number;
  readonly metric?: SelectionMetric;
  readonly seed?: number;
  /** Worker threads for trials (default: min(2, cores); 1 = in-process). */
  readonly threads?: number;
  readonly threshold?: ThresholdCriterion;
  /** 'auto' (default) applies calibration only when it lowers out-of-fold log-loss. */
  readonly calibration?: 'auto' | 'off' | CalibrationMethod;
  /**
   * Also score a soft-voting ensemble of the best three families (default false). It ranks as
   * the most complex candidate, so the one-standard-error rule picks it only when it is clearly
   * better than every single family. Off by default: when its members explain in different
   * spaces its explanations need KernelSHAP, seconds per row instead of microseconds.
   */
  readonly ensemble?: boolean;
  /** Bootstrap resamples for test confidence intervals (default 1000). */
  readonly bootstrap?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (e: TrainProgress) => void;
}

export interface TrainProgress {
  readonly phase: 'search' | 'select' | 'final-fit' | 'evaluate' | 'done';
  readonly family?: string;
  readonly trialsDone: number;
  readonly trialsTotal: number;
  readonly best?: { readonly family: string; readonly score: number };
  readonly elapsedMs: number;
  /** Estimated remaining ms for the search (undefined until measurable). */
  readonly etaMs?: number;
  readonly message?: string;
}

export interface TrainData {
  readonly X: Matrix;
  readonly y: Labels;
  readonly featureNames: readonly string[];
  /** A separate held-out set (e.g. the pipeline's split stage output); when absent, `testFraction` of X is held out. */
  readonly test?: { readonly X: Matrix; readonly y: Labels };
}

export interface CalibrationDecision {
  readonly method: 'none' | CalibrationMethod;
  readonly applied: boolean;
  /** Cross-fitted on OOF predictions: raw vs calibrated. */
  readonly oofLogLossRaw: number;
  readonly oofLogLossCalibrated: Readonly<Record<string, number>>;
  readonly oofEceRaw: number;
  readonly reason: string;
}

export interface TestEvaluation {
  readonly n: number;
  readonly report: BinaryReport;
  readonly ci: Readonly<
    Record<'rocAuc' | 'prAuc' | 'accuracy' | 'balancedAccuracy' | 'f1' | 'logLoss', BootstrapInterval>
  >;
  readonly curves: { readonly roc: RocCurve; readonly pr: PrCurve; readonly calibration: CalibrationBin[] };
  /** P(class 1) on the test rows, for promotion comparisons on the same held-out data. */
  readonly proba: Float64Array;
}

export interface TrainResult {
  readonly metric: string;
  readonly greaterIsBetter: boolean;
  readonly seed: number;
  /** Inner CV folds. */
  readonly folds: number;
  readonly interrupted: boolean;
  /** Row indices into the training data (and into the test set when one was given separately). */
  readonly split: {
    readonly trainRows: Int32Array;
    readonly testRows: Int32Array;
    readonly testFraction: number;
    readonly separateTest: boolean;
  };
  readonly families: readonly FamilySearchResult[];
  readonly trials: readonly TrialRecord[];
  readonly selection: {
    readonly rule: string;
    readonly bestTrialId: number;
    readonly chosenTrialId: number;
    readonly candidates: readonly {
      trialId: number;
      family: string;
      mean: number;
      stdErr: number;
      simplicityRank: number;
      fitMsPerFold: number;
    }[];
  };
  readonly chosen: TrialRecord;
  readonly threshold: ThresholdChoice;
  readonly calibration: CalibrationDecision;
  readonly modelConfig: ComponentConfig;
  readonly model: Classifier;
  readonly test: TestEvaluation;
  readonly profile: ReferenceProfile;
  readonly importance: readonly { feature: string; meanAbsPhi: number }[];
  readonly importanceSpace: string;
  readonly durations: {
    readonly searchMs: number;
    readonly finalFitMs: number;
    readonly evaluateMs: number;
    readonly totalMs: number;
  };
  readonly threads: number;
}

export async function trainModels(
  data: TrainData,
  catalog: ModelCatalog,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const t0 = Date.now();
  const seed = options.seed ?? 42;
  const metric = options.metric ?? { name: 'roc_auc' };
  const objective = objectiveFor(metric);
  const nFolds = options.folds ?? 5;
  const testFraction = options.testFraction ?? 0.2;
  const trialsPerFamily = options.trialsPerFamily ?? 12;
  const families: Family[] = resolveFamilies(catalog, options.families);
  if (!Number.isInteger(trialsPerFamily) || trialsPerFamily < 1) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `trialsPerFamily must be a positive integer, got ${trialsPerFamily}.`, {
      hint: 'Use e.g. --trials 12.',
    });
  }
  const emit = options.onProgress ?? (() => {});

  // Held-out split first: nothing below ever sees the test rows until the one final evaluation.
  const split =
    data.test === undefined
      ? stratifiedTrainTestSplit(data.y, testFraction, seed)
      : {
          train: Int32Array.from({ length: data.X.nRows }, (_, i) => i),
          test: Int32Array.from({ length: data.test.X.nRows }, (_, i) => i),
        };
  const Xtr = data.test === undefined ? takeRows(data.X, split.train) : data.X;
  const ytr = data.test === undefined ? takeLabels(data.y, split.train) : data.y;
  const Xte = data.test === undefined ? takeRows(data.X, split.test) : data.test.X;
  const yte = data.test === undefined ? takeLabels(data.y, split.test) : data.test.y;
  const folds = stratifiedKFold(ytr, nFolds, seed);

  const threads = Math.max(1, Math.min(options.threads ?? Math.min(2, availableParallelism()), 8));
  const trialData = { X: Xtr, y: ytr, folds };
  const executor: TrialExecutor =
    threads > 1 ? workerPoolExecutor(trialData, metric, threads) : inProcessExecutor(trialData, catalog, metric);

  const deadline = options.timeBudgetMs === undefined ? undefined : t0 + options.timeBudgetMs;
  const results: FamilySearchResult[] = [];
  const trialsTotal = families.length * trialsPerFamily + (options.ensemble === true && catalog.has('voting') ? 1 : 0);
  let trialsDone = 0;
  let best: { family: string; score: number } | undefined;
  let trialCounter = 0;
  const nextTrialId = (): number => trialCounter++;
  const sign = objective.greaterIsBetter ? 1 : -1;
  const emitSearch = (family: string, elapsedMs: number, etaMs?: number): void =>
    emit({
      phase: 'search',
      family,
      trialsDone,
      trialsTotal,
      ...(best ? { best } : {}),
      elapsedMs,
      ...(etaMs === undefined ? {} : { etaMs }),
    });
  try {
    for (let k = 0; k < families.length; k++) {
      const family = families[k] as Family;
      if (options.signal?.aborted === true) break;
      if (deadline !== undefined && Date.now() > deadline && results.some((r) => r.best !== undefined)) break;
      emitSearch(family.id, Date.now() - t0);
      const seen = new Set<number>();
      const r = await searchFamily(
        family,
        catalog,
        executor,
        {
          trialsPerFamily,
          totalFolds: nFolds,
          minFolds: 1,
          eta: 3,
          greaterIsBetter: objective.greaterIsBetter,
          seed: seed + 1000 * (k + 1),
          nextTrialId,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(deadline === undefined ? {} : { deadline }),
        },
        (t) => {
          if (!seen.has(t.id)) {
            seen.add(t.id);
            trialsDone++;
          }
          if (
            t.foldScores.length === nFolds &&
            Number.isFinite(t.mean) &&
            (best === undefined || sign * t.mean > sign * best.score)
          ) {
            best = { family: t.family, score: t.mean };
          }
          const elapsed = Date.now() - t0;
          const etaMs = trialsDone > 0 ? (elapsed / trialsDone) * Math.max(0, trialsTotal - trialsDone) : undefined;
          emitSearch(family.id, elapsed, etaMs);
        },
      );
      results.push(r);
    }
    const ensemble = await ensembleCandidate(results, catalog, executor, {
      enabled: options.ensemble === true,
      nFolds,
      greaterIsBetter: objective.greaterIsBetter,
      nextTrialId,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (ensemble !== undefined) {
      results.push(ensemble);
      trialsDone++;
      if (ensemble.best !== undefined && (best === undefined || sign * ensemble.best.mean > sign * best.score)) {
        best = { family: ensemble.family.id, score: ensemble.best.mean };
      }
    }
  } finally {
    await executor.close();
  }
  const searchMs = Date.now() - t0;
  const interrupted = options.signal?.aborted === true;

  const finalists = results.flatMap((r) => (r.best === undefined ? [] : [r.best]));
  if (finalists.length === 0) {
    const failures = results.flatMap((r) =>
      r.trials.filter((t) => t.status === 'failed').map((t) => `${t.family}: ${t.error}`),
    );
    throw new AquaopsError(
      'AQUAOPS_E_TRAIN_NO_MODEL',
      interrupted
        ? 'Training was interrupted before any model finished cross-validation.'
        : 'No candidate model could be trained.',
      {
        hint:
          failures.length > 0
            ? `Trial errors: ${failures.slice(0, 3).join('; ')}`
            : 'Allow more time or trials, or check the data.',
      },
    );
  }
  emit({ phase: 'select', trialsDone, trialsTotal, elapsedMs: Date.now() - t0 });
  const familyOf = new Map([...families, VOTING_FAMILY].map((f) => [f.id, f]));
  // Cost for the one-SE rule is the family's fixed simplicity rank (cheaper to serve and to explain
  // exactly ranks lower), not a measured time: timing noise must never change which model is chosen.
  const candidates = finalists.map((t) => ({
    id: String(t.id),
    trial: t,
    mean: t.mean,
    stdErr: t.stdErr,
    cost: familyOf.get(t.family)?.simplicity ?? Number.MAX_SAFE_INTEGER,
    fitMsPerFold: (t.fitMs + t.predictMs) / Math.max(1, t.foldScores.length),
  }));
  const sel = selectOneStandardError(candidates, objective.greaterIsBetter);
  const chosen = sel.chosen.trial;
  const oof = chosen.oof;
  if (oof === undefined) throw new Error('internal: the chosen trial has no out-of-fold predictions');

  // Calibration decided on OOF predictions, cross-fitted so the comparison is honest.
  const calibration = decideCalibration(oof, ytr, options.calibration ?? 'auto', seed);
  const oofForThreshold =
    calibration.applied && calibration.method !== 'none' ? crossFitCalibrated(oof, ytr, calibration.method, seed) : oof;
  const threshold = chooseThreshold(ytr, oofForThreshold, options.threshold ?? { kind: 'f1' });

  emit({ phase: 'final-fit', family: chosen.family, trialsDone, trialsTotal, elapsedMs: Date.now() - t0 });
  const tf = Date.now();
  const inner = catalog.create(chosen.config.kind, chosen.config.params ?? {}).fit(Xtr, ytr);
  let model: Classifier = inner;
  let modelConfig: ComponentConfig = chosen.config;
  if (calibration.applied && calibration.method !== 'none') {
    const params = { method: calibration.method, cv: nFolds, seed, model: chosen.config };
    const calibrator = createCalibrator(calibration.method).fit(oof, ytr);
    model = CalibratedClassifier.restore(
      () => catalog.create(chosen.config.kind, chosen.config.params ?? {}),
      params,
      inner,
      calibrator,
      'proba',
    );
    modelConfig = { kind: 'calibrated', params };
  }
  const finalFitMs = Date.now() - tf;

  emit({ phase: 'evaluate', family: chosen.family, trialsDone, trialsTotal, elapsedMs: Date.now() - t0 });
  const te = Date.now();
  const proba = model.predictProba(Xte);
  const test = evaluateTest(yte, proba, threshold.threshold, options.bootstrap ?? 1000, seed);
  const profile = buildReferenceProfile(Xtr, data.featureNames, ytr, oofForThreshold);
  const { importance, space } = globalImportance(model, Xtr, data.featureNames, seed);
  const evaluateMs = Date.now() - te;
  emit({ phase: 'done', family: chosen.family, trialsDone, trialsTotal, elapsedMs: Date.now() - t0 });

  return {
    metric: objective.name,
    greaterIsBetter: objective.greaterIsBetter,
    seed,
    folds: nFolds,
    interrupted,
    split: { trainRows: split.train, testRows: split.test, testFraction, separateTest: data.test !== undefined },
    families: results,
    trials: results.flatMap((r) => r.trials),
    selection: {
      rule: sel.rule,
      bestTrialId: sel.best.trial.id,
      chosenTrialId: chosen.id,
      candidates: candidates.map((c) => ({
        trialId: c.trial.id,
        family: c.trial.family,
        mean: c.mean,
        stdErr: c.stdErr,
        simplicityRank: c.cost,
        fitMsPerFold: c.fitMsPerFold,
      })),
    },
    chosen,
    threshold,
    calibration,
    modelConfig,
    model,
    test,
    profile,
    importance,
    importanceSpace: space,
    durations: { searchMs, finalFitMs, evaluateMs, totalMs: Date.now() - t0 },
    threads,
  };
}

/** Calibrated OOF scores: the calibrator for each fold is fitted on the other folds' OOF scores. */
function crossFitCalibrated(oof: Float64Array, y: Labels, method: CalibrationMethod, seed: number): Float64Array {
  const out = new Float64Array(oof.length);
  for (const f of stratifiedKFold(y, 5, seed + 7)) {
    const c = createCalibrator(method).fit(
      Float64Array.from(f.train, (i) => oof[i] as number),
      Uint8Array.from(f.train, (i) => y[i] as number),
    );
    const p = c.predict(Float64Array.from(f.test, (i) => oof[i] as number));
    f.test.forEach((i, k) => {
      out[i] = p[k] as number;
    });
  }
  return out;
}

function decideCalibration(
  oof: Float64Array,
  y: Labels,
  mode: 'auto' | 'off' | CalibrationMethod,
  seed: number,
): CalibrationDecision {
  const raw = logLoss(y, oof);
  const eceRaw = expectedCalibrationError(y, oof);
  if (mode === 'off') {
    return {
      method: 'none',
      applied: false,
      oofLogLossRaw: raw,
      oofLogLossCalibrated: {},
      oofEceRaw: eceRaw,
      reason: 'calibration turned off',
    };
  }
  const methods: CalibrationMethod[] = mode === 'auto' ? ['platt', 'isotonic'] : [mode];
  const scores: Record<string, number> = {};
  for (const m of methods) scores[m] = logLoss(y, crossFitCalibrated(oof, y, m, seed));
  let bestM: CalibrationMethod | undefined;
  for (const m of methods) if (bestM === undefined || (scores[m] as number) < (scores[bestM] as number)) bestM = m;
  const bestLoss = scores[bestM as CalibrationMethod] as number;
  // Apply only for a real gain (>= 0.5% relative log-loss), or when the user asked for a method.
  const helps = bestLoss < raw * 0.995;
  const applied = mode !== 'auto' || helps;
  return {
    method: applied ? (bestM as CalibrationMethod) : 'none',
    applied,
    oofLogLossRaw: raw,
    oofLogLossCalibrated: scores,
    oofEceRaw: eceRaw,
    reason:
      mode !== 'auto'
        ? `${mode} calibration requested`
        : helps
          ? `${bestM} calibration lowers cross-fitted OOF log-loss from ${raw.toFixed(4)} to ${bestLoss.toFixed(4)}`
          : `calibration does not lower OOF log-loss enough (raw ${raw.toFixed(4)}, best ${bestM} ${bestLoss.toFixed(4)}); not applied`,
  };
}

function evaluateTest(y: Labels, proba: Float64Array, threshold: number, nBoot: number, seed: number): TestEvaluation {
  const report = binaryReport(y, proba, threshold);
  const opts = { nBoot, seed, level: 0.95 };
  return {
    n: y.length,
    report,
    ci: {
      rocAuc: bootstrapCi(y, proba, rocAuc, opts),
      prAuc: bootstrapCi(y, proba, prAuc, opts),
      accuracy: bootstrapCi(y, proba, (a, b) => accuracy(a, b, threshold), opts),
      balancedAccuracy: bootstrapCi(y, proba, (a, b) => balancedAccuracy(a, b, threshold), opts),
      f1: bootstrapCi(y, proba, (a, b) => f1(a, b, threshold), opts),
      logLoss: bootstrapCi(y, proba, logLoss, opts),
    },
    curves: { roc: rocCurve(y, proba), pr: prCurve(y, proba), calibration: calibrationCurve(y, proba, 10) },
    proba,
  };
}

/** Mean |phi| per feature over a seeded sample of training rows (fewer rows for sampling-based explainers). */
function globalImportance(
  model: Classifier,
  X: Matrix,
  names: readonly string[],
  seed: number,
): { importance: { feature: string; meanAbsPhi: number }[]; space: string } {
  const probe = model.explain(takeRows(X, [0]), { seed });
  const limit = probe.method === 'kernel-shap' ? 40 : 400;
  const n = Math.min(limit, X.nRows);
  const step = X.nRows / n;
  const idx = Int32Array.from({ length: n }, (_, k) => Math.floor(k * step));
  const e = model.explain(takeRows(X, idx), { seed });
  const sums = new Float64Array(e.nFeatures);
  for (let i = 0; i < e.nRows; i++)
    for (let j = 0; j < e.nFeatures; j++)
      sums[j] = (sums[j] as number) + Math.abs(e.phi[i * e.nFeatures + j] as number);
  const importance = Array.from(sums, (s, j) => ({
    feature: names[j] ?? `feature_${j}`,
    meanAbsPhi: s / Math.max(1, e.nRows),
  }));
  importance.sort((a, b) => b.meanAbsPhi - a.meanAbsPhi);
  return { importance, space: `${e.space} (${e.method}, ${e.nRows} rows)` };
}

/** The family record of the ensemble candidate (no preprocessing of its own: members carry theirs). */
export const VOTING_FAMILY: Family = {
  id: 'voting',
  label: 'Soft-voting ensemble of the best families',
  preprocess: [],
  simplicity: 100,
};

/**
 * Scores a soft-voting ensemble of the three best families (by mean CV score) on the same
 * folds as every other trial. Returns undefined when it cannot be built (fewer than two
 * families finished, no `voting` kind, disabled, or interrupted).
 */
async function ensembleCandidate(
  results: readonly FamilySearchResult[],
  catalog: ModelCatalog,
  executor: TrialExecutor,
  o: {
    readonly enabled: boolean;
    readonly nFolds: number;
    readonly greaterIsBetter: boolean;
    readonly nextTrialId: () => number;
    readonly signal?: AbortSignal;
  },
): Promise<FamilySearchResult | undefined> {
  if (!o.enabled || !catalog.has('voting') || o.signal?.aborted === true) return undefined;
  const sign = o.greaterIsBetter ? 1 : -1;
  const top = results
    .flatMap((r) => (r.best === undefined ? [] : [r.best]))
    .sort((a, b) => sign * (b.mean - a.mean))
    .slice(0, 3);
  if (top.length < 2) return undefined;
  const params = { members: top.map((t) => t.config) };
  const trial = newTrial(o.nextTrialId(), VOTING_FAMILY.id, params, { kind: 'voting', params });
  const [out] = await executor.run(
    [{ id: trial.id, config: trial.config, fromFold: 0, toFold: o.nFolds, wantOof: true }],
    undefined,
    o.signal,
  );
  if (out === undefined) return undefined;
  mergeOutcome(trial, out);
  const complete = trial.status === 'ok' && trial.foldScores.length === o.nFolds;
  return { family: VOTING_FAMILY, trials: [trial], best: complete ? trial : undefined };
}
