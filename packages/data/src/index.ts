/**
 * @aquaops/data — dataset schemas, streaming CSV ingest, quality reports, synthetic samples,
 * DVC-compatible versioning and pipelines. A plain list of named re-exports.
 */
export type { ColumnRole, ColumnSchema, ColumnType, DatasetSchema, LabelSpec } from './schema/types.js';
export { featureColumns, roleColumn } from './schema/types.js';
export { didYouMean, editDistance, parseSchema } from './schema/parse.js';
export { builtinSchemas, loadSchema, signatureFromSchema } from './schema/load.js';
export type { CsvReadOptions, CsvRecord, CsvStats } from './ingest/csv.js';
export { readCsvRecords } from './ingest/csv.js';
export type { CellIssue, HeaderInfo, IssueKind, ParsedRow } from './ingest/row.js';
export { isMissingToken } from './ingest/row.js';
export type { IngestOptions, ScanSummary, ValidateOptions } from './ingest/validate.js';
export { readRows, scanFile, validateCsv, validateCsvPair } from './ingest/validate.js';
export type { Dataset, LoadOptions } from './ingest/load.js';
export { loadDataset } from './ingest/load.js';
export type {
  AccumulatorOptions,
  ColumnQuality,
  DuplicateExample,
  GuidelineExceedance,
  QualityReport,
  SourceExceedance,
} from './quality/report.js';
export { QualityAccumulator } from './quality/report.js';
export type { QualityThresholds, RuleLevel, RuleResult, Threshold, ThresholdOverrides } from './quality/rules.js';
export { DEFAULT_THRESHOLDS, loadThresholds, parseThresholds, resolveThresholds } from './quality/rules.js';
export type { ColumnStats } from './quality/sketch.js';
export { ColumnSketch, DEFAULT_RESERVOIR } from './quality/sketch.js';
export { FingerprintSet, RowHasher } from './quality/hashset.js';
export { renderJson, renderMarkdown, renderTable } from './quality/render.js';
export type { SampleMeta, SampleOptions } from './sample/generate.js';
export {
  POTABILITY_STATS,
  POTABLE_RATE,
  SampleGenerator,
  sampleComment,
  sampleCsv,
  sampleCsvBlocks,
  sampleDataset,
  writeSampleCsv,
} from './sample/generate.js';
export type { AtomicWriteOptions } from './fs/atomic.js';
export { cloneFileAtomic, copyFileAtomic, writeFileAtomic, writeStreamAtomic } from './fs/atomic.js';
export type { DirEntry, FileHasher } from './dvc/hash.js';
export { dirManifest, HashingStream, listFiles, md5Bytes, md5File, pythonJsonString } from './dvc/hash.js';
export type { HashedFile } from './dvc/hash-cache.js';
export { HashCache } from './dvc/hash-cache.js';
export { isMd5, ObjectCache, objectRelPath } from './dvc/cache.js';
export type { Remote } from './dvc/remote.js';
export { LocalRemote } from './dvc/remote.js';
export type { IniSections, RemoteConfig } from './dvc/config.js';
export { DvcConfig, formatIni, parseIni } from './dvc/config.js';
export type { DvcFile, DvcFileDep, DvcFileOut, OutHash } from './dvc/dvcfile.js';
export { formatDvcFile, parseDvcFile, readDvcFile, writeDvcFile } from './dvc/dvcfile.js';
export type {
  OnProgress,
  OutState,
  ProgressEvent,
  RepoOptions,
  StatusEntry,
  TrackedOut,
  TransferResult,
} from './dvc/repo.js';
export { DvcRepo } from './dvc/repo.js';
export type { ImportUrlOptions, ImportUrlResult } from './dvc/import-url.js';
export { importUrl } from './dvc/import-url.js';
export type { OutKind, ParamsRef, PipelineDef, Stage, StageOut } from './pipeline/dvcyaml.js';
export { flatten, loadParamsFile, loadPipeline, lookupParam, parsePipeline } from './pipeline/dvcyaml.js';
export type { LockEntry, LockFile, LockStage } from './pipeline/lock.js';
export { formatLock, parseLock, readLock, writeLock } from './pipeline/lock.js';
export type { ReproEvent, ReproOptions, ReproResult, StageOutcome, StageStatus } from './pipeline/repro.js';
export { buildGraph, repro } from './pipeline/repro.js';
export type { DiffByFile, DiffEntry, FlatValues, ValuesByFile } from './pipeline/metrics.js';
export { diffValues, gitShow, metricsDiff, metricsShow, paramsDiff } from './pipeline/metrics.js';
export type { SplitOptions, SplitResult } from './pipeline/split.js';
export { csvFields, csvRecords, splitCsv, splitCsvFile } from './pipeline/split.js';
export type { SchemaSampleOptions } from './sample/from-schema.js';
export { sampleCsvForSchema } from './sample/from-schema.js';
