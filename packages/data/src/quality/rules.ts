/**
 * Quality rules: each turns one measured figure of a report into pass / warn / fail against
 * configurable thresholds, and the worst rule result is the report's status. Defaults follow
 * the platform's policy: fail on unusable data (mostly-missing columns, non-binary labels, too
 * few rows, a truncated file, gross leakage), warn on things a person should look at.
 */

import { readFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import type { ErrorDetail } from '@aquaops/contracts';
import { parse as parseYaml } from 'yaml';

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

/** User overrides: any subset of thresholds, each level independently. */
export type ThresholdOverrides = {
  readonly [K in keyof QualityThresholds]?: QualityThresholds[K] extends Threshold
    ? Partial<Threshold>
    : QualityThresholds[K];
};

/** Merges partial user thresholds over the defaults (each field independently). */
export function resolveThresholds(partial?: ThresholdOverrides): QualityThresholds {
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

const PAIR_KEYS = [
  'minRows',
  'missingRate',
  'rejectedRate',
  'duplicateRate',
  'duplicateIdRate',
  'minorityRate',
  'leakageRate',
] as const;

/**
 * Checks a thresholds document (YAML/JSON object), e.g. `{missingRate: {warn: 0.1, fail: 0.3},
 * constantColumn: fail}`; `null` disables a level. Throws AQUAOPS_E_USAGE listing every problem.
 */
export function parseThresholds(doc: unknown, source: string): ThresholdOverrides {
  const details: ErrorDetail[] = [];
  const out: Record<string, unknown> = {};
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    details.push({ path: source, expected: 'a mapping of rule thresholds', found: JSON.stringify(doc) ?? 'nothing' });
  } else {
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'constantColumn') {
        if (v === 'pass' || v === 'warn' || v === 'fail') out[k] = v;
        else details.push({ path: `${source} ${k}`, expected: 'pass, warn or fail', found: JSON.stringify(v) });
        continue;
      }
      if (!(PAIR_KEYS as readonly string[]).includes(k)) {
        details.push({
          path: `${source} ${k}`,
          expected: `one of ${[...PAIR_KEYS, 'constantColumn'].join(', ')}`,
          found: k,
        });
        continue;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        details.push({
          path: `${source} ${k}`,
          expected: '{warn?: number|null, fail?: number|null}',
          found: JSON.stringify(v),
        });
        continue;
      }
      const pair: Record<string, number | null> = {};
      for (const [lk, lv] of Object.entries(v)) {
        if (lk !== 'warn' && lk !== 'fail') {
          details.push({ path: `${source} ${k}.${lk}`, expected: 'warn or fail', found: lk });
        } else if (lv === null || (typeof lv === 'number' && Number.isFinite(lv) && lv >= 0)) pair[lk] = lv;
        else
          details.push({
            path: `${source} ${k}.${lk}`,
            expected: 'a non-negative number or null',
            found: JSON.stringify(lv),
          });
      }
      out[k] = pair;
    }
  }
  if (details.length > 0) {
    throw new AquaopsError(
      'AQUAOPS_E_USAGE',
      `Thresholds ${source}: ${details.map((d) => `${d.path}: expected ${d.expected}, found ${d.found}`).join('; ')}.`,
      { hint: 'Fix the thresholds file; see DEFAULT_THRESHOLDS for the keys and defaults.', details },
    );
  }
  return out as ThresholdOverrides;
}

/** Reads and checks a thresholds file (YAML or JSON). */
export async function loadThresholds(file: string): Promise<ThresholdOverrides> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AquaopsError(
      'AQUAOPS_E_USAGE',
      `Cannot read thresholds file ${file}: ${(err as { code?: string }).code ?? String(err)}.`,
      {
        hint: 'Check the path given to --thresholds.',
        cause: err,
      },
    );
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AquaopsError(
      'AQUAOPS_E_USAGE',
      `Thresholds file ${file} is not valid YAML/JSON: ${(err as Error).message}`,
      {
        hint: 'Fix the syntax at the line shown.',
        cause: err,
      },
    );
  }
  return parseThresholds(doc, file);
}
