/**
 * The selection rule, recorded with every training run: take the best mean CV score; among
 * candidates whose mean is within one standard error of it, take the simplest (lowest cost,
 * e.g. fit time), because a difference smaller than the noise of the estimate is no reason to
 * ship a slower, more complex model (Hastie, Tibshirani & Friedman's one-standard-error rule).
 */
import { invalidArgument } from '../errors.js';

export interface ScoredCandidate {
  readonly id: string;
  readonly mean: number;
  readonly stdErr: number;
  /** Lower is simpler (e.g. a family's rank: cheaper to serve and explain exactly). */
  readonly cost: number;
}

export interface Selection<C extends ScoredCandidate> {
  readonly best: C;
  readonly chosen: C;
  /** Candidates within one standard error of the best. */
  readonly withinOneSe: readonly C[];
  readonly rule: string;
}

export function selectOneStandardError<C extends ScoredCandidate>(
  candidates: readonly C[],
  greaterIsBetter: boolean,
): Selection<C> {
  const valid = candidates.filter((c) => Number.isFinite(c.mean));
  if (valid.length === 0) {
    throw invalidArgument(
      'candidates',
      'at least one candidate with a finite score',
      `${candidates.length} candidates, none scored`,
      'Check that the search produced results.',
    );
  }
  const sign = greaterIsBetter ? 1 : -1;
  let best = valid[0] as C;
  for (const c of valid) if (sign * c.mean > sign * best.mean || (c.mean === best.mean && c.cost < best.cost)) best = c;
  const se = Number.isFinite(best.stdErr) ? best.stdErr : 0;
  const within = valid.filter((c) => sign * (best.mean - c.mean) <= se);
  let chosen = best;
  for (const c of within) if (c.cost < chosen.cost) chosen = c;
  return {
    best,
    chosen,
    withinOneSe: within,
    rule: `best mean CV score (${greaterIsBetter ? 'higher' : 'lower'} is better); among the ${within.length} candidate(s) within one standard error (${se.toPrecision(3)}) of the best, the simplest (lowest rank)`,
  };
}
