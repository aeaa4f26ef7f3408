/**
 * Input checks shared by every metric: label and score vectors must be non-empty, of equal
 * length, labels strictly 0/1 and scores finite. Metrics are called at the edges of training,
 * monitoring and serving, so a bad vector must fail here with a message that names the index
 * and the fix rather than produce a silent NaN further down.
 */
import { MlError, invalidArgument } from '../errors.js';

/** Checks `yTrue` and `score` and returns the labels as a `Uint8Array` (no copy when already one). */
export function checkBinaryInput(yTrue: ArrayLike<number>, score: ArrayLike<number>, scoreName = 'score'): Uint8Array {
  if (yTrue.length === 0) {
    throw new MlError('AQUAOPS_E_ML_EMPTY_DATA', {
      argument: 'yTrue',
      expected: 'at least one label',
      found: 'an empty vector',
      fix: 'Compute metrics on a non-empty set of rows.',
    });
  }
  if (score.length !== yTrue.length) {
    throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
      argument: scoreName,
      expected: `${yTrue.length} values (one per label in yTrue)`,
      found: `${score.length} values`,
      fix: `Pass exactly one ${scoreName} per label.`,
    });
  }
  for (let i = 0; i < score.length; i++) {
    const s = score[i] as number;
    if (!Number.isFinite(s)) {
      throw invalidArgument(
        `${scoreName}[${i}]`,
        'a finite number',
        String(s),
        'Remove or fix rows whose prediction is NaN or infinite before computing metrics.',
      );
    }
  }
  return checkLabels(yTrue);
}

/** Checks that every label is 0 or 1. */
export function checkLabels(yTrue: ArrayLike<number>, argument = 'yTrue'): Uint8Array {
  const out = yTrue instanceof Uint8Array ? yTrue : new Uint8Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const v = yTrue[i] as number;
    if (v !== 0 && v !== 1) {
      if (!Number.isFinite(v)) {
        throw new MlError('AQUAOPS_E_ML_NON_FINITE_LABEL', {
          argument: `${argument}[${i}]`,
          expected: 'a label 0 or 1',
          found: String(v),
          fix: 'Drop rows whose label is missing before computing metrics.',
        });
      }
      throw invalidArgument(
        `${argument}[${i}]`,
        'a binary label 0 or 1',
        String(v),
        'Encode the label as 0 (negative) / 1 (positive).',
      );
    }
    if (out !== yTrue) out[i] = v;
  }
  return out;
}

/** Checks that scores lie in [0, 1] (probabilities). */
export function checkProbabilities(proba: ArrayLike<number>, argument = 'proba'): void {
  for (let i = 0; i < proba.length; i++) {
    const p = proba[i] as number;
    if (!(p >= 0 && p <= 1)) {
      throw invalidArgument(
        `${argument}[${i}]`,
        'a probability in [0, 1]',
        String(p),
        'Pass predicted probabilities (predictProba), not margins or labels outside 0..1.',
      );
    }
  }
}

/** Counts positives; throws ONE_CLASS when a ranking metric is undefined. */
export function requireBothClasses(y: Uint8Array, metric: string): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] as number;
  if (pos === 0 || pos === y.length) throw oneClassError(metric, pos === 0 ? 0 : 1, y.length);
  return pos;
}

/** The error for a metric that needs a class which is absent from `yTrue`. */
export function oneClassError(metric: string, presentClass: 0 | 1, n: number): MlError {
  return new MlError('AQUAOPS_E_ML_ONE_CLASS', {
    argument: 'yTrue',
    expected: `both classes (0 and 1) — ${metric} is undefined otherwise`,
    found: `only class ${presentClass} (${n} rows)`,
    fix: 'Evaluate on a set that contains positive and negative rows, or use a threshold metric such as accuracy.',
  });
}

export function checkThreshold(threshold: number): void {
  if (!Number.isFinite(threshold)) {
    throw invalidArgument(
      'threshold',
      'a finite number',
      String(threshold),
      'Pass a decision threshold such as 0.5 (rows with proba >= threshold are predicted positive).',
    );
  }
}
