/**
 * Evaluating a model bundle on a held-out CSV: the pipeline's evaluate stage. Loads the bundle's
 * model (checksum verified), reads the test file through the dataset schema, scores it at the
 * bundle's decision threshold and reports every metric with a bootstrap confidence interval —
 * as a flat JSON object that DVC's `metrics show/diff` understand.
 */
import { AquaopsError } from '@aquaops/contracts';
import { loadDataset, loadSchema } from '@aquaops/data';
import {
  accuracy,
  balancedAccuracy,
  binaryReport,
  bootstrapCi,
  f1,
  loadModel,
  logLoss,
  type ModelCatalog,
  prAuc,
  rocAuc,
} from '@aquaops/ml';
import type { ModelBundle } from './bundle.js';

export interface EvaluateOptions {
  /** Schema name or file; default: the bundle signature's schema name (built-in). */
  readonly schema?: string;
  readonly bootstrap?: number;
  readonly seed?: number;
}

export async function evaluateBundle(
  bundle: ModelBundle,
  testFile: string,
  catalog: ModelCatalog,
  options: EvaluateOptions = {},
): Promise<Record<string, number>> {
  const modelFile = bundle.files['model.json'];
  if (modelFile === undefined) throw new AquaopsError('AQUAOPS_E_NOT_FOUND', 'The bundle has no model.json.');
  const model = loadModel(new TextDecoder().decode(modelFile.data), catalog);
  const schema = await loadSchema(options.schema ?? bundle.meta.signature.schema.name);
  const names = bundle.meta.signature.features.map((f) => f.name);
  const data = await loadDataset(testFile, schema);
  if (data.featureNames.join(',') !== names.join(',')) {
    throw new AquaopsError(
      'AQUAOPS_E_USAGE',
      `The schema's features (${data.featureNames.join(', ')}) differ from the model's (${names.join(', ')}).`,
      {
        hint: 'Pass --schema with the schema the model was trained with.',
      },
    );
  }
  const p = model.predictProba(data.X);
  const t = bundle.meta.threshold;
  const r = binaryReport(data.y, p, t);
  const opts = { nBoot: options.bootstrap ?? 1000, seed: options.seed ?? 42, level: 0.95 };
  const out: Record<string, number> = {
    rows: r.n,
    threshold: t,
    accuracy: r.accuracy,
    balanced_accuracy: r.balancedAccuracy,
    precision: r.precision,
    recall: r.recall,
    specificity: r.specificity,
    f1: r.f1,
    log_loss: r.logLoss,
    brier: r.brier,
    ece: r.ece,
  };
  if (r.rocAuc !== null) out.roc_auc = r.rocAuc;
  if (r.prAuc !== null) out.pr_auc = r.prAuc;
  const cis: Record<string, (y: ArrayLike<number>, s: ArrayLike<number>) => number> = {
    roc_auc: rocAuc,
    pr_auc: prAuc,
    accuracy: (y, s) => accuracy(y, s, t),
    balanced_accuracy: (y, s) => balancedAccuracy(y, s, t),
    f1: (y, s) => f1(y, s, t),
    log_loss: logLoss,
  };
  for (const [k, fn] of Object.entries(cis)) {
    if (out[k] === undefined) continue;
    const ci = bootstrapCi(data.y, p, fn, opts);
    out[`${k}_ci_lower`] = ci.lower;
    out[`${k}_ci_upper`] = ci.upper;
  }
  return out;
}
