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
import { type ModelCatalog, saveModel } from '@aquaops/ml';
import {
  type ArtifactStore,
  type JsonObject,
  type MetricWithCi,
  ModelRegistry,
  type ModelVersion,
  type PromotionDecision,
  type PromotionPolicy,
  type RegistryStore,
  RunTracker,
  type TrialRecord as RunTrial,
} from '@aquaops/registry';
import { evaluationReport, modelCard, reportSvgs } from './report.js';
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
}

export interface TrainJobResult {
  readonly runId: string;
  readonly result: TrainResult;
  readonly dataVersion: string;
  readonly schema: DatasetSchema;
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
  const tracker = new RunTracker(options.store);
  const run = await tracker.start({
    name: options.runName ?? `train ${basename(options.dataFile)}`,
    params: jsonParams(options),
    data: { version: dataVersion, schemaName: schema.name, schemaVersion: schema.version },
    seed: options.seed ?? 42,
  });
  let result: TrainResult;
  try {
    result = await trainModels({ X: dataset.X, y: dataset.y, featureNames: dataset.featureNames }, catalog, options);
  } catch (err) {
    await tracker.fail(run.id, err, options.signal?.aborted === true ? 'interrupted' : 'failed');
    throw err;
  }
  const m = result.metric;
  const trials: RunTrial[] = result.trials.map((t, index) => ({
    index,
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
    await tracker.fail(run.id, new AquaopsError('AQUAOPS_E_TRAIN_INTERRUPTED', 'interrupted by the user; finished trials kept'), 'interrupted');
    return { runId: run.id, result, dataVersion, schema };
  }
  await tracker.finish(run.id, { testMetrics, durations });
  if (options.register === false) return { runId: run.id, result, dataVersion, schema };

  const registry = new ModelRegistry(options.store, options.artifacts);
  const modelName = options.modelName ?? schema.name;
  const signature = signatureFromSchema(schema);
  const report = evaluationReport(result);
  const card = modelCard(result, {
    modelName,
    dataFile: basename(options.dataFile),
    dataVersion,
    schema: { name: schema.name, version: schema.version },
    verdicts: signature.verdicts,
    runId: run.id,
    synthetic: options.synthetic === true,
  });
  const testSetHash = createHash('sha256')
    .update(`${dataVersion}:`)
    .update(Buffer.from(result.split.testRows.buffer, result.split.testRows.byteOffset, result.split.testRows.byteLength))
    .digest('hex');
  const modelText = saveModel(result.model, {
    name: modelName,
    runId: run.id,
    dataVersion,
    threshold: result.threshold.threshold,
    featureNames: [...dataset.featureNames],
  });
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const json = (v: unknown): Uint8Array => enc(`${JSON.stringify(v, null, 2)}\n`);
  const artifacts: Record<string, { data: Uint8Array; contentType: string }> = {
    'model.json': { data: enc(modelText), contentType: 'application/json' },
    'signature.json': { data: json(signature), contentType: 'application/json' },
    'profile.json': { data: json(result.profile), contentType: 'application/json' },
    'importance.json': { data: json({ space: result.importanceSpace, features: result.importance }), contentType: 'application/json' },
    'evaluation.json': { data: json(report), contentType: 'application/json' },
    'model-card.md': { data: enc(card), contentType: 'text/markdown' },
  };
  for (const [name, svg] of Object.entries(reportSvgs(report, signature.verdicts))) {
    artifacts[name] = { data: enc(svg), contentType: 'image/svg+xml' };
  }
  const t = result.test.report;
  const metrics: Record<string, number> = {
    cv_mean: result.chosen.mean,
    cv_std: result.chosen.std,
    test_accuracy: t.accuracy,
    test_balanced_accuracy: t.balancedAccuracy,
    test_f1: t.f1,
    test_precision: t.precision,
    test_recall: t.recall,
    test_log_loss: t.logLoss,
    test_brier: t.brier,
    test_ece: t.ece,
  };
  if (t.rocAuc !== null) metrics.test_roc_auc = t.rocAuc;
  if (t.prAuc !== null) metrics.test_pr_auc = t.prAuc;
  metrics[`cv_${m}`] = result.chosen.mean;
  const version = await registry.register({
    model: modelName,
    description: `Potability classifier for schema ${schema.name}`,
    runId: run.id,
    kind: result.modelConfig.kind,
    family: result.chosen.family,
    metrics,
    threshold: result.threshold.threshold,
    tags: { schema: `${schema.name}@${schema.version}`, ...(options.synthetic === true ? { synthetic: 'true' } : {}) },
    dataVersion,
    testSetHash,
    signature: signature as unknown as JsonObject,
    artifacts,
    createdBy: options.actor ?? 'aquaops train',
  });
  const { decision } = await registry.autoPromote(modelName, version.version, options.policy ?? DEFAULT_POLICY, options.actor ?? 'aquaops train');
  return { runId: run.id, result, dataVersion, schema, version, promotion: decision };
}
