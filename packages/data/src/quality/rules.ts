/**
 * Quality rules: each turns one measured figure of a report into pass / warn / fail against
 * configurable thresholds, and the worst rule result is the report's status. Defaults follow
 * the platform's policy: fail on unusable data (mostly-missing columns, non-binary labels, too
 * few rows, a truncated file, gross leakage), warn on things a person should look at.
 */

export type RuleLevel = 'pass' | 'warn' | 'fail';

/** A threshold pair; `null` disables that level. */
export interface Threshold {
  readonly warn: number | null;
  readonly fail: number | null;
}

export interface QualityThresholds {
  /** Accepted rows: warn/fail when BELOW. */
  readonly minRows: Threshold;
  /** Per-column missing fraction: warn/fail when above. */
  readonly missingRate: Threshold;
  /** Rejected / read rows. */
  readonly rejectedRate: Threshold;
  /** Duplicate rows / accepted rows. */
  readonly duplicateRate: Threshold;
  /** Rows with an id seen before / accepted rows. */
  readonly duplicateIdRate: Threshold;
  /** Minority-class fraction: warn/fail when BELOW. */
  readonly minorityRate: Threshold;
  /** Test rows identical to a training row / test rows. */
  readonly leakageRate: Threshold;
  /** Level for a constant feature column. */
  readonly constantColumn: RuleLevel;
}

export const DEFAULT_THRESHOLDS: QualityThresholds = {
  minRows: { warn: 200, fail: 20 },
  missingRate: { warn: 0.25, fail: 0.5 },
  rejectedRate: { warn: 0.05, fail: 0.5 },
  duplicateRate: { warn: 0, fail: null },
  duplicateIdRate: { warn: 0, fail: null },
  minorityRate: { warn: 0.1, fail: 0.01 },
  leakageRate: { warn: 0, fail: 0.01 },
  constantColumn: 'warn',
};

export interface RuleResult {
  readonly id: string;
  readonly level: RuleLevel;
  readonly value: number;
  /** The threshold that was crossed (or the warn threshold when passing). */
  readonly threshold: number | null;
  readonly message: string;
}

/** Level for a figure where larger is worse. */
export function above(value: number, t: Threshold): RuleLevel {
  if (t.fail !== null && value > t.fail) return 'fail';
  if (t.warn !== null && value > t.warn) return 'warn';
  return 'pass';
}

/** Level for a figure where smaller is worse. */
export function below(value: number, t: Threshold): RuleLevel {
  if (t.fail !== null && value < t.fail) return 'fail';
  if (t.warn !== null && value < t.warn) return 'warn';
  return 'pass';
}

export function thresholdFor(level: RuleLevel, t: Threshold): number | null {
  return level === 'fail' ? t.fail : t.warn;
}

export function worst(levels: readonly RuleLevel[]): RuleLevel {
  if (levels.includes('fail')) return 'fail';
  if (levels.includes('warn')) return 'warn';
  return 'pass';
}

/** Merges partial user thresholds over the defaults (each field independently). */
export function resolveThresholds(
  partial?: {
    readonly [K in keyof QualityThresholds]?: QualityThresholds[K] extends Threshold
      ? Partial<Threshold>
      : QualityThresholds[K];
  },
): QualityThresholds {
  const d = DEFAULT_THRESHOLDS;
  if (partial === undefined) return d;
  const m = (k: Exclude<keyof QualityThresholds, 'constantColumn'>): Threshold => ({ ...d[k], ...(partial[k] ?? {}) });
  return {
    minRows: m('minRows'),
    missingRate: m('missingRate'),
    rejectedRate: m('rejectedRate'),
    duplicateRate: m('duplicateRate'),
    duplicateIdRate: m('duplicateIdRate'),
    minorityRate: m('minorityRate'),
    leakageRate: m('leakageRate'),
    constantColumn: partial.constantColumn ?? d.constantColumn,
  };
}
