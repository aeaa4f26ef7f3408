/**
 * Percentile bootstrap confidence intervals for any metric of (labels, scores). Rows are
 * resampled with replacement from a seeded `Rng`, so the interval is reproducible. Resamples on
 * which the metric is undefined (e.g. ROC-AUC on a one-class resample) are skipped and counted,
 * not silently turned into zeros.
 */
import { MlError, invalidArgument } from '../errors.js';
import { Rng } from '../rng.js';
import { checkBinaryInput } from './validate.js';

export type MetricFn = (yTrue: ArrayLike<number>, score: ArrayLike<number>) => number;

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  readonly nBoot?: number;
  /** Confidence level (default 0.95). */
  readonly level?: number;
  readonly seed?: number;
}

export interface BootstrapInterval {
  /** Metric on the full data. */
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  readonly level: number;
  /** Resamples on which the metric was defined (the interval uses these). */
  readonly nValid: number;
  /** Resamples skipped because the metric threw (e.g. one class only). */
  readonly nSkipped: number;
}

/** Quantile with linear interpolation between order statistics (numpy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

export function bootstrapCi(
  yTrue: ArrayLike<number>,
  score: ArrayLike<number>,
  metric: MetricFn,
  options: BootstrapOptions = {},
): BootstrapInterval {
  const nBoot = options.nBoot ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(nBoot) || nBoot < 1) {
    throw invalidArgument('nBoot', 'a positive integer', String(nBoot), 'Use e.g. 1000 resamples.');
  }
  if (!(level > 0 && level < 1)) {
    throw invalidArgument('level', 'a confidence level in (0, 1)', String(level), 'Use e.g. 0.95.');
  }
  const y = checkBinaryInput(yTrue, score);
  const estimate = metric(y, score);
  const n = y.length;
  const rng = new Rng(seed);
  const yb = new Uint8Array(n);
  const sb = new Float64Array(n);
  const values: number[] = [];
  let nSkipped = 0;
  for (let b = 0; b < nBoot; b++) {
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      yb[k] = y[i] as number;
      sb[k] = score[i] as number;
    }
    let v: number;
    try {
      v = metric(yb, sb);
    } catch (e) {
      if (e instanceof MlError) {
        nSkipped++;
        continue;
      }
      throw e;
    }
    if (Number.isFinite(v)) values.push(v);
    else nSkipped++;
  }
  if (values.length === 0) {
    throw new MlError('AQUAOPS_E_ML_ONE_CLASS', {
      argument: 'metric',
      expected: 'a metric defined on at least one bootstrap resample',
      found: `the metric failed on all ${nBoot} resamples`,
      fix: 'Use more rows (with both classes) or a metric that is defined on small samples.',
    });
  }
  const sorted = Float64Array.from(values).sort();
  const alpha = (1 - level) / 2;
  return {
    estimate,
    lower: quantileSorted(sorted, alpha),
    upper: quantileSorted(sorted, 1 - alpha),
    level,
    nValid: values.length,
    nSkipped,
  };
}
