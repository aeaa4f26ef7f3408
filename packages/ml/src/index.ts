/**
 * Public surface of @aquaops/ml: a plain list of named re-exports (no `export *`), so every
 * exported name is deliberate and a bundler can drop what a browser page does not use.
 * Model families append their own export lines below.
 */

export type { MlErrorCode, MlErrorDetails } from './errors.js';
export { invalidArgument, MlError } from './errors.js';
export type { Labels, Matrix } from './matrix.js';
export {
  at,
  checkFitInput,
  checkPredictInput,
  column,
  fromRows,
  matrix,
  row,
  takeLabels,
  takeRows,
} from './matrix.js';
export { Rng } from './rng.js';
export type {
  Classifier,
  ExplainOptions,
  Explanation,
  ExplanationMethod,
  ExplanationSpace,
  FitOptions,
  ModelSpec,
  ModelState,
  ParamRange,
  ProgressFn,
} from './model.js';
export type { Tree, TreeJson } from './tree/tree.js';
export { nodeCount, predictTreeColumnMajor, predictTreeRow, treeFromJson, treeToJson } from './tree/tree.js';
export {
  ensembleExpectedValue,
  ensembleShap,
  ensembleShapRow,
  treeDepth,
  treeExpectedValue,
  treeShapRow,
} from './tree/shap.js';

// metrics
export type { BootstrapInterval, BootstrapOptions, MetricFn } from './metrics/bootstrap.js';
export { bootstrapCi, quantileSorted } from './metrics/bootstrap.js';
export type { CalibrationBin } from './metrics/probabilistic.js';
export { brierScore, calibrationCurve, expectedCalibrationError, logLoss } from './metrics/probabilistic.js';
export type { PrCurve, RocCurve, ThresholdCounts } from './metrics/ranking.js';
export { averagePrecision, prAuc, prCurve, rocAuc, rocCurve, thresholdCounts } from './metrics/ranking.js';
export type { BinaryReport } from './metrics/report.js';
export { binaryReport } from './metrics/report.js';
export type { ConfusionMatrix } from './metrics/threshold-metrics.js';
export {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  f1,
  fromConfusion,
  mcc,
  precision,
  recall,
  specificity,
} from './metrics/threshold-metrics.js';

// splits, preprocessing, pipelines
export type { Fold, TrainTestSplit } from './split.js';
export { foldsFromTestSets, repeatedStratifiedKFold, stratifiedKFold, stratifiedTrainTestSplit } from './split.js';
export type { Transformer, TransformerSpec, TransformerState } from './preprocess/transformer.js';
export type { ImputeStrategy, SimpleImputerParams } from './preprocess/imputer.js';
export { SimpleImputer, simpleImputerSpec } from './preprocess/imputer.js';
export type { StandardScalerParams } from './preprocess/scaler.js';
export { StandardScaler, standardScalerSpec } from './preprocess/scaler.js';
export type { ComponentConfig, PipelineParams } from './preprocess/pipeline.js';
export { builtinTransformers, createPipelineSpec, imputedPipeline, Pipeline } from './preprocess/pipeline.js';

// calibration and decision thresholds
export type {
  CalibratedExplanation,
  CalibratedParams,
  CalibrationMethod,
  Calibrator,
  CalibratorState,
  ScoreSource,
} from './calibration.js';
export {
  CalibratedClassifier,
  calibratedSpecFor,
  calibratorFromState,
  createCalibrator,
  IsotonicCalibrator,
  PlattCalibrator,
} from './calibration.js';
export type { ThresholdChoice, ThresholdCriterion } from './threshold.js';
export { chooseThreshold } from './threshold.js';

// serialisation and the model catalogue
export type { AnyModelSpec, CatalogOptions, ModelCatalog } from './catalog.js';
export { createCatalog } from './catalog.js';
export { canonicalJson } from './serialize/canonical.js';
export { sha256, sha256Bytes, utf8Encode } from './serialize/sha256.js';
export type { ModelFile } from './serialize/model-file.js';
export {
  loadModel,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  parseModelFile,
  SUPPORTED_MODEL_VERSIONS,
  saveModel,
} from './serialize/model-file.js';

// hyperparameter search and model selection
export type { CvResult } from './tuning/cv.js';
export { crossValidate, meanStd } from './tuning/cv.js';
export type { HalvingOptions, RungResult } from './tuning/halving.js';
export { rungSchedule, successiveHalving } from './tuning/halving.js';
export type { Objective, SelectionMetric, SelectionMetricName } from './tuning/objective.js';
export { objectiveFor, recallAtPrecision } from './tuning/objective.js';
export type { ScoredCandidate, Selection } from './tuning/select.js';
export { selectOneStandardError } from './tuning/select.js';
export type { ParamValue } from './tuning/space.js';
export { sampleParam, sampleParams } from './tuning/space.js';
export { defaultCatalog, defaultModelSpecs } from './default-catalog.js';
export type { SyntheticData } from './datasets/synthetic.js';
export { SYNTHETIC_FEATURES, syntheticPotability } from './datasets/synthetic.js';

// classic model families, ensembles and KernelSHAP
export type { LogisticFitInfo, LogisticParams } from './linear/logistic.js';
export { LOGISTIC_KIND, LogisticRegression, logisticRegressionSpec } from './linear/logistic.js';
export type { KnnParams } from './knn/knn.js';
export { KNeighborsClassifier, KNN_KIND, knnSpec } from './knn/knn.js';
export type { KernelKind } from './svm/smo.js';
export type { SvmParams } from './svm/svm.js';
export { SupportVectorClassifier, SVM_KIND, svmSpec } from './svm/svm.js';
export type { GaussianNbParams } from './bayes/gaussian-nb.js';
export { GAUSSIAN_NB_KIND, GaussianNb, gaussianNbSpec } from './bayes/gaussian-nb.js';
export type { QdaParams } from './bayes/qda.js';
export { Qda, QDA_KIND, qdaSpec } from './bayes/qda.js';
export type { MemberConfig, ModelFactory, StackingParams, VotingParams } from './ensemble/ensemble.js';
export {
  createStackingSpec,
  createVotingSpec,
  STACKING_KIND,
  StackingEnsemble,
  stratifiedFolds,
  VOTING_KIND,
  VotingEnsemble,
} from './ensemble/ensemble.js';
export type { CoalitionValuesFn, KernelShapOptions } from './explain/kernel-shap.js';
export { DEFAULT_BACKGROUND_ROWS, kernelShap, sampleBackground } from './explain/kernel-shap.js';

// gradient boosting (worker-thread backend: @aquaops/ml/node)
export type { GbmClassWeight, GbmParams } from './gbm/params.js';
export { gbmDefaults, gbmSearchSpace, resolveGbmParams } from './gbm/params.js';
export type { GbmEvalHistory, GbmState } from './gbm/gbm.js';
export { GradientBoostingClassifier, gbmSpec } from './gbm/gbm.js';
export type { GbmBuffers, GbmExecutor, GbmExecutorFactory } from './gbm/kernels.js';
export { serialExecutor } from './gbm/kernels.js';

// random forests and extra-trees
export type { ForestClassWeight, ForestParams, MaxFeatures } from './forest/params.js';
export {
  extraTreesDefaults,
  extraTreesSearchSpace,
  featuresPerSplit,
  randomForestDefaults,
  randomForestSearchSpace,
  resolveForestParams,
} from './forest/params.js';
export type { ForestKind, ForestState, OobScore } from './forest/forest.js';
export {
  ExtraTreesClassifier,
  extraTreesSpec,
  ForestClassifier,
  RandomForestClassifier,
  randomForestSpec,
} from './forest/forest.js';
