/**
 * Turns what the registry stores about a version into what the models view shows: the flat
 * metrics record (`cv_*`, `test_*`, `test_*_ci_lower/upper`) into rows of cross-validation and
 * held-out figures with their confidence intervals, and `evaluation.json` into ROC, precision–
 * recall and calibration curves and a confusion matrix. Unknown or partial inputs give fewer
 * rows or curves, never an exception.
 */
import type { Curve, Evaluation, MetricWithCi } from '../api/types.js';

const NICE: Readonly<Record<string, string>> = {
  roc_auc: 'ROC AUC',
  pr_auc: 'PR AUC',
  accuracy: 'Accuracy',
  balanced_accuracy: 'Balanced accuracy',
  f1: 'F1',
  precision: 'Precision',
  recall: 'Recall',
  log_loss: 'Log loss',
  brier: 'Brier score',
  ece: 'Calibration error (ECE)',
  rows: 'Rows',
  mean: 'Selection metric (mean)',
};

export function metricLabel(key: string): string {
  return NICE[key] ?? key.replace(/_/g, ' ');
}

/** Rows of metrics with CIs; `set` is `cross-validation`, `held-out` or `other`. */
export function metricRows(metrics: Readonly<Record<string, number>>): MetricWithCi[] {
  const rows: MetricWithCi[] = [];
  const keys = Object.keys(metrics).sort();
  const cvStd = metrics.cv_std;
  for (const k of keys) {
    const value = metrics[k]!;
    if (/_ci_(lower|upper)$/.test(k) || k === 'cv_std') continue;
    if (k.startsWith('cv_')) {
      const name = k.slice(3);
      if (name === 'mean' && keys.some((x) => x.startsWith('cv_') && !['cv_mean', 'cv_std'].includes(x))) continue;
      const row: MetricWithCi =
        cvStd === undefined
          ? { name, value, set: 'cross-validation' }
          : { name, value, lo: value - cvStd, hi: value + cvStd, set: 'cross-validation' };
      rows.push(row);
    } else if (k.startsWith('test_')) {
      const name = k.slice(5);
      const lo = metrics[`${k}_ci_lower`];
      const hi = metrics[`${k}_ci_upper`];
      rows.push(
        lo !== undefined && hi !== undefined
          ? { name, value, lo, hi, set: 'held-out' }
          : { name, value, set: 'held-out' },
      );
    } else rows.push({ name: k, value, set: 'other' });
  }
  return rows;
}

function nums(v: unknown): number[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
}

function curve(x: unknown, y: unknown): Curve | undefined {
  const a = nums(x);
  const b = nums(y);
  return a !== undefined && b !== undefined && a.length === b.length && a.length > 0 ? { x: a, y: b } : undefined;
}

function rec(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function snake(k: string): string {
  return k.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export function parseEvaluation(raw: unknown): Evaluation {
  const o = rec(raw);
  const roc = curve(rec(o.roc).fpr, rec(o.roc).tpr);
  const pr = curve(rec(o.pr).recall, rec(o.pr).precision);
  let calibration: Curve | undefined;
  const bins = Array.isArray(o.calibration)
    ? o.calibration
    : Array.isArray(rec(o.calibration).bins)
      ? (rec(o.calibration).bins as unknown[])
      : undefined;
  if (bins !== undefined) {
    const pts = bins
      .map(rec)
      .filter((b) => typeof b.meanPredicted === 'number' && typeof b.fractionPositive === 'number' && b.count !== 0);
    calibration = curve(
      pts.map((b) => b.meanPredicted),
      pts.map((b) => b.fractionPositive),
    );
  }
  const c = rec(o.confusion);
  const confusion = [c.tp, c.fp, c.tn, c.fn].every((x) => typeof x === 'number')
    ? { tp: c.tp as number, fp: c.fp as number, tn: c.tn as number, fn: c.fn as number }
    : undefined;
  const metrics: MetricWithCi[] = [];
  const test = rec(o.test);
  const ci = rec(o.ci);
  for (const [k, v] of Object.entries(test)) {
    if (typeof v !== 'number') continue;
    const iv = rec(ci[k]);
    const name = snake(k);
    metrics.push(
      typeof iv.lower === 'number' && typeof iv.upper === 'number'
        ? { name, value: v, lo: iv.lower, hi: iv.upper, set: 'held-out' }
        : { name, value: v, set: 'held-out' },
    );
  }
  return {
    ...(roc === undefined ? {} : { roc }),
    ...(pr === undefined ? {} : { pr }),
    ...(calibration === undefined ? {} : { calibration }),
    ...(confusion === undefined ? {} : { confusion }),
    metrics,
  };
}

/** Lineage fields found in a model card (run id, data version, family, …) as label/value pairs. */
export function lineage(card: Readonly<Record<string, unknown>>): [string, string][] {
  const wanted: [string, string[]][] = [
    ['Run', ['runId', 'run_id', 'run']],
    ['Data version', ['dataVersion', 'data_version', 'data']],
    ['Model family', ['family', 'kind']],
    ['Test set hash', ['testSetHash', 'test_set_hash']],
    ['Schema', ['schema']],
  ];
  const out: [string, string][] = [];
  const flat: Record<string, unknown> = { ...rec(card.lineage), ...card };
  for (const [label, keys] of wanted) {
    for (const k of keys) {
      const v = flat[k];
      if (typeof v === 'string' || typeof v === 'number') {
        out.push([label, String(v)]);
        break;
      }
    }
  }
  return out;
}
