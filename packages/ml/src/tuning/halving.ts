/**
 * Successive halving over cross-validation folds: every configuration is first scored on a
 * few folds; only the best 1/eta move on to more folds, until the survivors are scored on all of
 * them. Most of the budget goes to promising configurations. Evaluation is injected (and
 * async), so the same schedule runs in-process, on worker threads, or in a browser.
 */
import { invalidArgument } from '../errors.js';

export interface HalvingOptions {
  /** Folds available in total (the last rung uses all). */
  readonly totalFolds: number;
  /** Folds in the first rung. */
  readonly minFolds: number;
  /** Keep the best 1/eta at each rung. */
  readonly eta: number;
  readonly greaterIsBetter: boolean;
  readonly signal?: { readonly aborted: boolean };
}

export interface RungResult<T> {
  readonly config: T;
  readonly folds: number;
  readonly mean: number;
}

/** The rung sizes (fold counts), e.g. 5 folds, min 1, eta 3 → [1, 3, 5]. */
export function rungSchedule(totalFolds: number, minFolds: number, eta: number): number[] {
  if (!Number.isInteger(totalFolds) || totalFolds < 1) {
    throw invalidArgument('totalFolds', 'a positive integer', String(totalFolds), 'Use at least one fold.');
  }
  if (!(eta > 1)) throw invalidArgument('eta', 'a number > 1', String(eta), 'Use e.g. eta = 3.');
  const rungs: number[] = [];
  let f = Math.max(1, Math.min(minFolds, totalFolds));
  while (f < totalFolds) {
    rungs.push(f);
    f = Math.min(totalFolds, Math.ceil(f * eta));
  }
  rungs.push(totalFolds);
  return rungs;
}

/**
 * Runs the schedule. `evaluate(config, nFolds)` returns the mean score over the first nFolds
 * folds (an evaluator may cache per-fold scores so promotion only pays for the new folds).
 * Returns every rung's results; the last rung's are the finalists.
 */
export async function successiveHalving<T>(
  configs: readonly T[],
  evaluate: (configs: readonly T[], nFolds: number) => Promise<readonly number[]>,
  options: HalvingOptions,
): Promise<RungResult<T>[][]> {
  const rungs = rungSchedule(options.totalFolds, options.minFolds, options.eta);
  const history: RungResult<T>[][] = [];
  let alive = [...configs];
  for (let r = 0; r < rungs.length && alive.length > 0; r++) {
    if (options.signal?.aborted === true) break;
    const folds = rungs[r] as number;
    const means = await evaluate(alive, folds);
    const results = alive.map((config, k) => ({ config, folds, mean: means[k] as number }));
    history.push(results);
    if (r === rungs.length - 1) break;
    const keep = Math.max(1, Math.floor(alive.length / options.eta));
    const sign = options.greaterIsBetter ? 1 : -1;
    const ranked = results
      .map((x, k) => ({ x, k }))
      .filter((e) => Number.isFinite(e.x.mean))
      .sort((a, b) => sign * (b.x.mean - a.x.mean) || a.k - b.k);
    alive = ranked.slice(0, keep).map((e) => e.x.config);
  }
  return history;
}
