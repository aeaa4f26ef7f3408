/**
 * The training job as `aquaops train`, the pipeline's train stage and the embedded default run
 * it: load and validate the data through its schema, record an experiment run, search and
 * select a model, and — unless told not to — register it as a new model version with every
 * artifact (model file, signature, reference profile, importance, evaluation report with SVG
 * curves, model card) and apply the promotion policy. An interrupted search keeps its finished
 * trials in the run record and registers nothing.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { type DatasetSchema, loadDataset, loadSchema, md5File, signatureFromSchema } from '@aquaops/data';
import type { ModelCatalog } from '@aquaops/ml';
import {
  type ArtifactStore,
  type JsonObject,
  type MetricWithCi,
  type ModelVersion,
  type PromotionDecision,
  type PromotionPolicy,
  type RegistryStore,
  RunTracker,
  type TrialRecord as RunTrial,
} from '@aquaops/registry';
import { type ModelBundle, buildBundle, registerBundle, writeBundle } from './bundle.js';
import { resolveFamilies } from './families.js';
import { type TrainOptions, type TrainResult, trainModels } from './train.js';

export interface TrainJobOptions extends TrainOptions {
  readonly dataFile: string;
  /** Built-in schema name or a schema file path (default `water-potability`). */
  readonly schema?: string;
  /** Registered model name (default: the schema's name). */
  readonly modelName?: string;
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  /** Default: held-out ROC-AUC must improve by at least 0 (strictly better). */
  readonly policy?: PromotionPolicy;
  /** Who is registering (audit trail). */
  readonly actor?: string;
  /** Register the selected model (default true). */
  readonly register?: boolean;
  /** The data is synthetic (sample generator) — said in the model card and tags. */
  readonly synthetic?: boolean;
  readonly runName?: string;
  /** A separate held-out CSV (same schema); default: hold out `testFraction` of the data. */
  readonly testFile?: string;
  /** Also write the model bundle to this directory. */
  readonly outDir?: string;
}

export interface TrainJobResult {
  readonly runId: string;
  readonly result: TrainResult;
  readonly dataVersion: string;
  readonly schema: DatasetSchema;
  readonly bundle?: ModelBundle;
  readonly version?: ModelVersion;
  readonly promotion?: PromotionDecision;
}

export const DEFAULT_POLICY: PromotionPolicy = { metric: 'test_roc_auc', higherIsBetter: true, minImprovement: 0 };

function jsonParams(o: TrainJobOptions): JsonObject {
  const p: Record<string, string | number | boolean | string[] | null> = {
    dataFile: o.dataFile,
    schema: o.schema ?? 'water-potability',
    families: o.families === undefined ? null : [...o.families],
    trialsPerFamily: o.trialsPerFamily ?? 12,
    timeBudgetMs: o.timeBudgetMs ?? null,
    folds: o.folds ?? 5,
    testFraction: o.testFraction ?? 0.2,
    metric: o.metric?.name ?? 'roc_auc',
    seed: o.seed ?? 42,
    calibration: o.calibration ?? 'auto',
    ensemble: o.ensemble === true,
    threshold: o.threshold?.kind ?? 'f1',
  };
  if (o.metric?.atPrecision !== undefined) p.atPrecision = o.metric.atPrecision;
  return p as JsonObject;
}

function ciOf(ci: { estimate: number; lower: number; upper: number; level: number }): MetricWithCi {
  return { value: ci.estimate, lower: ci.lower, upper: ci.upper, level: ci.level };
}

export async function runTrainingJob(catalog: ModelCatalog, options: TrainJobOptions): Promise<TrainJobResult> {
  const schema = await loadSchema(options.schema ?? 'water-potability');
  const dataset = await loadDataset(options.dataFile, schema);
  const dataVersion = await md5File(options.dataFile);
  const testData =
    options.testFile === undefined
      ? undefined
      : { set: await loadDataset(options.testFile, schema), version: await md5File(options.testFile) };
  // Usage errors (unknown family, bad data) must fail before a run is recorded.
  resolveFamilies(catalog, options.families);
  const tracker = new RunTracker(options.store);
  await tracker.reapDeadRuns();
  const run = await tracker.start({
    name: options.runName ?? `train ${basename(options.dataFile)}`,
    params: jsonParams(options),
    data: { version: dataVersion, schemaName: schema.name, schemaVersion: schema.version },
    seed: options.seed ?? 42,
  });
  let result: TrainResult;
  try {
    result = await trainModels(
      {
        X: dataset.X,
        y: dataset.y,
        featureNames: dataset.featureNames,
        ...(testData === undefined ? {} : { test: { X: testData.set.X, y: testData.set.y } }),
      },
      catalog,
      options,
    );
  } catch (err) {
    await tracker.fail(run.id, err, options.signal?.aborted === true ? 'interrupted' : 'failed');
    throw err;
  }
  const m = result.metric;
  const trials: RunTrial[] = result.trials.map((t) => ({
    index: t.id,
    family: t.family,
    params: t.params as JsonObject,
    foldMetrics: t.foldScores.map((v, fold) => ({ fold, metrics: { [m]: v } })),
    mean: Number.isFinite(t.mean) ? { [m]: t.mean } : {},
    std: Number.isFinite(t.std) ? { [m]: t.std } : {},
    durationMs: t.fitMs + t.predictMs,
    status: t.status,
    ...(t.error === undefined ? {} : { error: t.error }),
  }));
  await tracker.logTrials(run.id, trials);
  await tracker.logFolds(
    run.id,
    result.chosen.foldScores.map((v, fold) => ({ fold, metrics: { [m]: v } })),
  );
  const ci = result.test.ci;
  const testMetrics: Record<string, MetricWithCi> = {
    roc_auc: ciOf(ci.rocAuc),
    pr_auc: ciOf(ci.prAuc),
    accuracy: ciOf(ci.accuracy),
    balanced_accuracy: ciOf(ci.balancedAccuracy),
    f1: ciOf(ci.f1),
    log_loss: ciOf(ci.logLoss),
  };
  const durations = {
    search: result.durations.searchMs,
    final_fit: result.durations.finalFitMs,
    evaluate: result.durations.evaluateMs,
    total: result.durations.totalMs,
  };
  if (result.interrupted) {
    await tracker.fail(
      run.id,
      new AquaopsError('AQUAOPS_E_TRAIN_INTERRUPTED', 'interrupted by the user; finished trials kept'),
      'interrupted',
    );
    return { runId: run.id, result, dataVersion, schema };
  }
  const summary = {
    selection: {
      rule: result.selection.rule,
      metric: result.metric,
      bestTrial: result.selection.bestTrialId,
      chosenTrial: result.selection.chosenTrialId,
      candidates: result.selection.candidates.map((c) => ({ ...c })),
    },
    chosen: {
      family: result.chosen.family,
      params: result.chosen.params,
      cvMean: result.chosen.mean,
      cvStd: result.chosen.std,
    },
    modelConfig: result.modelConfig,
    threshold: {
      value: result.threshold.threshold,
      criterion: result.threshold.criterion.kind,
      oofValue: result.threshold.value,
    },
    calibration: {
      method: result.calibration.method,
      applied: result.calibration.applied,
      reason: result.calibration.reason,
    },
    split: {
      trainRows: result.split.trainRows.length,
      testRows: result.split.testRows.length,
      separateTest: result.split.separateTest,
    },
    threads: result.threads,
  } as unknown as JsonObject;
  await tracker.finish(run.id, { testMetrics, durations, summary });
  // The held-out set's identity: the promotion policy only compares versions tested on the same rows.
  const testSetHash =
    testData === undefined
      ? createHash('sha256')
          .update(`${dataVersion}:`)
          .update(
            Buffer.from(
              result.split.testRows.buffer,
              result.split.testRows.byteOffset,
              result.split.testRows.byteLength,
            ),
          )
          .digest('hex')
      : `md5:${testData.version}`;

  const bundle = buildBundle(result, {
    modelName: options.modelName ?? schema.name,
    runId: run.id,
    dataFile: options.dataFile,
    dataVersion,
    testSetHash,
    signature: signatureFromSchema(schema),
    synthetic: options.synthetic === true,
    featureNames: dataset.featureNames,
  });
  if (options.outDir !== undefined) await writeBundle(bundle, options.outDir);
  if (options.register === false) return { runId: run.id, result, dataVersion, schema, bundle };
  const { version, promotion: decision } = await registerBundle(
    bundle,
    options.store,
    options.artifacts,
    options.policy ?? DEFAULT_POLICY,
    options.actor ?? 'aquaops train',
  );
  return { runId: run.id, result, dataVersion, schema, bundle, version, promotion: decision };
}
