/**
 * The Python-stack reference figures (../shared/baseline/cv.json and scale.json) and how our
 * variants map onto them, plus the pass/fail targets of the ML bench. The reference files are
 * read defensively: a missing or reshaped file leaves the comparison column empty instead of
 * failing the bench.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { VariantSummary } from './quality.js';

export interface RefMetric {
  readonly mean: number;
  readonly std: number;
}

export interface CvReference {
  readonly name: string;
  readonly spec: string;
  readonly accuracy?: RefMetric;
  readonly f1?: RefMetric;
  readonly rocAuc?: RefMetric;
  readonly logLoss?: RefMetric;
  readonly fitS?: RefMetric;
}

type MetricKey = 'accuracy' | 'f1' | 'rocAuc' | 'logLoss' | 'fitS';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function metric(summary: Record<string, unknown>, key: string): RefMetric | undefined {
  const m = summary[key];
  if (!isRecord(m) || typeof m.mean !== 'number' || typeof m.std !== 'number') return undefined;
  return { mean: m.mean, std: m.std };
}

/** Parses cv.json content into reference rows by model name. */
export function parseCvBaseline(json: string): Map<string, CvReference> {
  const out = new Map<string, CvReference>();
  const root: unknown = JSON.parse(json);
  if (!isRecord(root) || !isRecord(root.models)) return out;
  for (const [name, m] of Object.entries(root.models)) {
    if (!isRecord(m) || !isRecord(m.summary)) continue;
    const s = m.summary;
    const pick = (key: string, as: MetricKey): Partial<Record<MetricKey, RefMetric>> => {
      const v = metric(s, key);
      return v === undefined ? {} : { [as]: v };
    };
    out.set(name, {
      name,
      spec: typeof m.spec === 'string' ? m.spec : '',
      ...pick('accuracy', 'accuracy'),
      ...pick('f1', 'f1'),
      ...pick('roc_auc', 'rocAuc'),
      ...pick('log_loss', 'logLoss'),
      ...pick('fit_s', 'fitS'),
    });
  }
  return out;
}

export function readCvBaseline(file: string): Map<string, CvReference> {
  if (!existsSync(file)) return new Map();
  try {
    return parseCvBaseline(readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

/** Python rows to print beside each of our variants (family + variant kind). */
const CV_MAP: Readonly<Record<string, { readonly default: readonly string[]; readonly tuned: readonly string[] }>> = {
  gbm: { default: ['LGBM original', 'XGB original'], tuned: ['LGBM-tuned', 'HGB-tuned', 'XGB-tuned'] },
  'random-forest': { default: ['RF100 original'], tuned: ['RF500'] },
  'extra-trees': { default: ['RF100 original'], tuned: ['RF500'] },
  svm: { default: ['SVC+scaler'], tuned: ['SVC+scaler'] },
  knn: { default: ['KNN5+scaler'], tuned: ['KNN5+scaler'] },
  'logistic-regression': { default: ['LR+scaler'], tuned: ['LR+scaler'] },
};

export function referencesFor(summary: VariantSummary): string[] {
  if (summary.variantId === 'random-forest 500 trees') return ['RF500'];
  const m = CV_MAP[summary.family];
  if (m === undefined) return [];
  return [...(summary.kind === 'tuned' ? m.tuned : m.default)];
}

export interface Target {
  readonly name: string;
  readonly threshold: number;
  /** The variant that decided it (best mean ROC-AUC among the eligible ones). */
  readonly variantId: string | undefined;
  readonly value: number | undefined;
  readonly met: boolean;
}

function bestOf(summaries: readonly VariantSummary[], eligible: (s: VariantSummary) => boolean) {
  let best: VariantSummary | undefined;
  for (const s of summaries) {
    if (!eligible(s) || s.folds === 0 || s.failures > 0 || !Number.isFinite(s.rocAuc.mean)) continue;
    if (best === undefined || s.rocAuc.mean > best.rocAuc.mean) best = s;
  }
  return best;
}

/** The quality targets on mean ROC-AUC; a target whose family did not run is missed. */
export function qualityTargets(summaries: readonly VariantSummary[]): Target[] {
  const spec: { name: string; threshold: number; eligible: (s: VariantSummary) => boolean }[] = [
    { name: 'best aquaops model mean ROC-AUC', threshold: 0.692, eligible: () => true },
    { name: 'random forest mean ROC-AUC', threshold: 0.686, eligible: (s) => s.family === 'random-forest' },
    { name: 'gradient boosting mean ROC-AUC', threshold: 0.671, eligible: (s) => s.family === 'gbm' },
  ];
  return spec.map(({ name, threshold, eligible }) => {
    const best = bestOf(summaries, eligible);
    const value = best?.rocAuc.mean;
    return { name, threshold, variantId: best?.variantId, value, met: value !== undefined && value >= threshold };
  });
}

export interface ScaleReference {
  readonly model: string;
  readonly nTrain: number;
  readonly trainS: number;
  readonly testAuc: number;
  readonly batchRowsPerS: number;
  readonly singleRowP99Ms: number;
}

export function parseScaleBaseline(json: string): ScaleReference[] {
  const root: unknown = JSON.parse(json);
  if (!isRecord(root) || !Array.isArray(root.results)) return [];
  const out: ScaleReference[] = [];
  for (const r of root.results) {
    if (!isRecord(r) || typeof r.model !== 'string' || typeof r.n_train !== 'number') continue;
    const num = (k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : Number.NaN);
    out.push({
      model: r.model,
      nTrain: r.n_train,
      trainS: num('train_s_median'),
      testAuc: num('test_roc_auc'),
      batchRowsPerS: num('batch_predict_rows_per_s'),
      singleRowP99Ms: num('single_row_latency_ms_p99'),
    });
  }
  return out;
}

export function readScaleBaseline(file: string): ScaleReference[] {
  if (!existsSync(file)) return [];
  try {
    return parseScaleBaseline(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

export function findScale(refs: readonly ScaleReference[], model: string, nTrain: number): ScaleReference | undefined {
  return refs.find((r) => r.model === model && r.nTrain === nTrain);
}
