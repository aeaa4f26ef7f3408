/**
 * @aquaops/training — training runs: hyperparameter search over model families on worker
 * threads, selection by the one-standard-error rule, threshold and calibration from out-of-fold
 * predictions, held-out evaluation with confidence intervals, and registration with artifacts.
 */
export type { TrialExecutor } from './executor.js';
export { inProcessExecutor, workerPoolExecutor } from './executor.js';
export type { Family } from './families.js';
export { ALL_FAMILIES, familyConfig, familySearchSpace, resolveFamilies } from './families.js';
export type { TrainJobOptions, TrainJobResult } from './job.js';
export { DEFAULT_POLICY, runTrainingJob } from './job.js';
export type { FeatureProfile, HistogramProfile, ReferenceProfile } from './profile.js';
export { buildReferenceProfile } from './profile.js';
export type { CardContext, EvaluationReport } from './report.js';
export { evaluationReport, modelCard, reportSvgs } from './report.js';
export type { FamilySearchResult, SearchOptions, TrialRecord } from './search.js';
export { searchFamily } from './search.js';
export type { TrainData, TrainOptions, TrainProgress, TrainResult } from './train.js';
export { trainModels } from './train.js';
export type { TrialOutcome, TrialTask } from './trial.js';
export { runTrial } from './trial.js';
export type { BundleContext, BundleMeta, ModelBundle, RegisterBundleResult } from './bundle.js';
export { buildBundle, readBundle, registerBundle, writeBundle } from './bundle.js';
export type { EvaluateOptions } from './evaluate.js';
export { evaluateBundle } from './evaluate.js';
