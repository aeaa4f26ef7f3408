/**
 * The speed half of the ML bench: runs the GBM and random-forest speed benches (bench/gbm-speed.ts
 * and bench/forest-speed.ts, written separately and loaded dynamically so a missing one is
 * reported as "not available" rather than breaking the run) on the synthetic problem of
 * shared/baseline/README.md, samples the machine's load around each, and checks the figures
 * against the Python baseline (scale.json) and the targets.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findScale, type ScaleReference } from './baseline.js';
import { type LoadReport, withLoad } from './load.js';

export interface SpeedCheck {
  readonly name: string;
  readonly baseline: string;
  readonly ours: string;
  /** ours / baseline, where both are numbers. */
  readonly ratio: string;
  readonly target: string;
  /** undefined = not judged (e.g. smoke sizes, figure missing). */
  readonly met: boolean | undefined;
}

export interface SpeedSection {
  readonly name: string;
  readonly status: 'ok' | 'not available' | 'failed';
  readonly message?: string;
  readonly sizes?: string;
  readonly load?: LoadReport;
  readonly raw?: unknown;
  readonly checks: readonly SpeedCheck[];
}

export interface SpeedSizes {
  readonly gbmRows: number;
  readonly gbmTestRows: number;
  readonly forestRows: number;
  readonly forestTestRows: number;
  readonly forestTrees: number;
  /** Rows the forest bench explains to time TreeSHAP. */
  readonly forestShapRows: number;
  readonly threads: number;
}

export const FULL_SIZES: SpeedSizes = {
  gbmRows: 1_000_000,
  gbmTestRows: 200_000,
  forestRows: 100_000,
  forestTestRows: 200_000,
  forestTrees: 100,
  forestShapRows: 200,
  threads: 2,
};

export const SMOKE_SIZES: SpeedSizes = {
  gbmRows: 20_000,
  gbmTestRows: 10_000,
  forestRows: 5_000,
  forestTestRows: 5_000,
  forestTrees: 10,
  forestShapRows: 20,
  threads: 2,
};

type BenchFn = (opts: Record<string, number>) => Promise<unknown>;

/** Loads `exportName` from a sibling bench module; undefined (with the reason) when absent. */
export async function loadBenchFn(
  file: URL,
  exportName: string,
): Promise<{ fn: BenchFn; reason?: undefined } | { fn?: undefined; reason: string }> {
  const p = fileURLToPath(file);
  if (!existsSync(p)) return { reason: `${p} does not exist` };
  try {
    const mod = (await import(file.href)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') return { reason: `${p} does not export a function ${exportName}` };
    return { fn: fn as BenchFn };
  } catch (e) {
    return { reason: `${p} failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** First finite number among a result's candidate field names (sibling benches name fields freely). */
export function numField(raw: unknown, ...names: string[]): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  for (const n of names) {
    const v = r[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

const fmt = (v: number | undefined, digits: number, unit = ''): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)}${unit}`;
const fmtRate = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v / 1000).toLocaleString('en-US')}k rows/s`;
const ratioOf = (ours: number | undefined, base: number | undefined): string =>
  ours === undefined || base === undefined || !Number.isFinite(ours) || !Number.isFinite(base) || base === 0
    ? 'n/a'
    : `${(ours / base).toFixed(2)}×`;
const diffOf = (ours: number | undefined, base: number | undefined): string =>
  ours === undefined || base === undefined ? 'n/a' : `${ours - base >= 0 ? '+' : ''}${(ours - base).toFixed(4)}`;
/** Ratios against the baseline only mean something at the baseline's own data size. */
const comparers = (full: boolean) => ({
  ratio: full ? ratioOf : () => 'n/a (size)',
  diff: full ? diffOf : () => 'n/a (size)',
});
const judge = (judged: boolean, ours: number | undefined, ok: (v: number) => boolean): boolean | undefined =>
  judged && ours !== undefined && Number.isFinite(ours) ? ok(ours) : undefined;

/** The GBM targets of the issue, judged only at the full 1M-row size. */
export function gbmChecks(raw: unknown, refs: readonly ScaleReference[], full: boolean): SpeedCheck[] {
  const { ratio, diff } = comparers(full);
  const lgb = findScale(refs, 'LightGBM', 1_000_000);
  const train = numField(raw, 'trainSeconds', 'trainS');
  const auc = numField(raw, 'testAuc');
  const batch = numField(raw, 'batchRowsPerSecond', 'batchRowsPerS');
  const p99 = numField(raw, 'singleRowP99Us');
  const shap = numField(raw, 'shapUsPerRow');
  const trainLimit = lgb === undefined ? undefined : 1.5 * lgb.trainS;
  const lgbP99Us = lgb === undefined ? undefined : lgb.singleRowP99Ms * 1000;
  return [
    {
      name: 'GBM train 100 it, 31 leaves, 2 threads',
      baseline: `LightGBM ${fmt(lgb?.trainS, 2, ' s')}`,
      ours: fmt(train, 2, ' s'),
      ratio: ratio(train, lgb?.trainS),
      target: `≤ 1.5× = ${fmt(trainLimit, 2, ' s')}`,
      met: judge(full && trainLimit !== undefined, train, (v) => v <= (trainLimit as number)),
    },
    {
      name: 'GBM test ROC-AUC',
      baseline: `LightGBM ${fmt(lgb?.testAuc, 4)}`,
      ours: `${fmt(auc, 4)} (true logit ${fmt(numField(raw, 'oracleAuc'), 4)})`,
      ratio: diff(auc, lgb?.testAuc),
      target: `≥ LightGBM − 0.005 = ${fmt(lgb === undefined ? undefined : lgb.testAuc - 0.005, 4)}`,
      met: judge(full && lgb !== undefined, auc, (v) => v >= (lgb as ScaleReference).testAuc - 0.005),
    },
    {
      name: 'GBM batch prediction',
      baseline: `LightGBM ${fmtRate(lgb?.batchRowsPerS)}`,
      ours: fmtRate(batch),
      ratio: ratio(batch, lgb?.batchRowsPerS),
      target: '≥ 550k rows/s',
      met: judge(full, batch, (v) => v >= 550_000),
    },
    {
      name: 'GBM batch prediction, 1 thread',
      baseline: `LightGBM ${fmtRate(lgb?.batchRowsPerS)} (2 threads)`,
      ours: fmtRate(numField(raw, 'batchRowsPerSecond1Thread')),
      ratio: ratio(numField(raw, 'batchRowsPerSecond1Thread'), lgb?.batchRowsPerS),
      target: '(context)',
      met: undefined,
    },
    {
      name: 'GBM single-row p99',
      baseline: `LightGBM ${fmt(lgbP99Us, 1, ' µs')}`,
      ours: fmt(p99, 1, ' µs'),
      ratio: ratio(p99, lgbP99Us),
      target: '≤ 20 µs',
      met: judge(full, p99, (v) => v <= 20),
    },
    {
      name: 'GBM TreeSHAP (100 trees × 31 leaves)',
      baseline: 'n/a',
      ours: fmt(shap, 1, ' µs/row'),
      ratio: 'n/a',
      target: '≤ 100 µs/row',
      met: judge(full, shap, (v) => v <= 100),
    },
  ];
}

/** The random-forest target (100 trees, 100k rows, faster than scikit-learn) plus context rows. */
export function forestChecks(raw: unknown, refs: readonly ScaleReference[], full: boolean): SpeedCheck[] {
  const { ratio, diff } = comparers(full);
  const rf = findScale(refs, 'sklearn-RF', 100_000);
  const train = numField(raw, 'trainSeconds', 'trainS');
  const auc = numField(raw, 'testAuc');
  const batch = numField(raw, 'batchRowsPerSecond', 'batchRowsPerS');
  const p99 = numField(raw, 'singleRowP99Us');
  const shap = numField(raw, 'shapUsPerRow');
  const skP99Us = rf === undefined ? undefined : rf.singleRowP99Ms * 1000;
  return [
    {
      name: 'RF train 100 trees, 100k rows',
      baseline: `scikit-learn ${fmt(rf?.trainS, 2, ' s')}`,
      ours: fmt(train, 2, ' s'),
      ratio: ratio(train, rf?.trainS),
      target: `< ${fmt(rf?.trainS, 2, ' s')}`,
      met: judge(full && rf !== undefined, train, (v) => v < (rf as ScaleReference).trainS),
    },
    {
      name: 'RF test ROC-AUC',
      baseline: `scikit-learn ${fmt(rf?.testAuc, 4)}`,
      ours: fmt(auc, 4),
      ratio: diff(auc, rf?.testAuc),
      target: '(context)',
      met: undefined,
    },
    {
      name: 'RF batch prediction',
      baseline: `scikit-learn ${fmtRate(rf?.batchRowsPerS)}`,
      ours: fmtRate(batch),
      ratio: ratio(batch, rf?.batchRowsPerS),
      target: '(context)',
      met: undefined,
    },
    {
      name: 'RF single-row p99',
      baseline: `scikit-learn ${fmt(skP99Us, 0, ' µs')}`,
      ours: fmt(p99, 1, ' µs'),
      ratio: ratio(p99, skP99Us),
      target: '(context)',
      met: undefined,
    },
    {
      name: 'RF TreeSHAP',
      baseline: 'n/a',
      ours: fmt(shap, 1, ' µs/row'),
      ratio: 'n/a',
      target: '(context)',
      met: undefined,
    },
  ];
}

async function runSection(
  name: string,
  file: URL,
  exportName: string,
  opts: Record<string, number>,
  sizes: string,
  checks: (raw: unknown) => SpeedCheck[],
): Promise<SpeedSection> {
  const loaded = await loadBenchFn(file, exportName);
  if (loaded.fn === undefined) return { name, status: 'not available', message: loaded.reason, checks: [] };
  const fn = loaded.fn;
  try {
    const { value, load } = await withLoad(() => fn(opts));
    return { name, status: 'ok', sizes, load, raw: value, checks: checks(value) };
  } catch (e) {
    return { name, status: 'failed', sizes, message: e instanceof Error ? e.message : String(e), checks: [] };
  }
}

export interface SpeedRunOptions {
  readonly sizes: SpeedSizes;
  /** Whether the sizes are the (targets are judged only then). */
  readonly full: boolean;
  readonly refs: readonly ScaleReference[];
  readonly onSection?: (name: string) => void;
  /** Directory holding gbm-speed.ts and forest-speed.ts (default: bench/). */
  readonly benchDir?: URL;
}

export async function runSpeedBench(options: SpeedRunOptions): Promise<SpeedSection[]> {
  const dir = options.benchDir ?? new URL('../', import.meta.url);
  const s = options.sizes;
  options.onSection?.('gbm');
  const gbm = await runSection(
    'gbm',
    new URL('gbm-speed.ts', dir),
    'runGbmSpeedBench',
    { rows: s.gbmRows, testRows: s.gbmTestRows, threads: s.threads },
    `${s.gbmRows.toLocaleString('en-US')} train / ${s.gbmTestRows.toLocaleString('en-US')} test rows, ${s.threads} threads`,
    (raw) => gbmChecks(raw, options.refs, options.full),
  );
  options.onSection?.('random-forest');
  const forest = await runSection(
    'random-forest',
    new URL('forest-speed.ts', dir),
    'runForestSpeedBench',
    { rows: s.forestRows, testRows: s.forestTestRows, trees: s.forestTrees, shapRows: s.forestShapRows },
    `${s.forestRows.toLocaleString('en-US')} train / ${s.forestTestRows.toLocaleString('en-US')} test rows, ${s.forestTrees} trees`,
    (raw) => forestChecks(raw, options.refs, options.full),
  );
  return [gbm, forest];
}
