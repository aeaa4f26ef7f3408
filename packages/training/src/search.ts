/**
 * Hyperparameter search per model family: the family's defaults plus seeded random samples of
 * its search space, pruned by successive halving over the inner CV folds (each rung only pays
 * for the folds a configuration has not been scored on yet). Every trial is recorded, including
 * failed ones, so a run can show exactly what was tried.
 */
import { type ComponentConfig, type ModelCatalog, Rng, meanStd, sampleParams, successiveHalving } from '@aquaops/ml';
import type { TrialExecutor } from './executor.js';
import { type Family, familyConfig, familySearchSpace } from './families.js';
import type { TrialOutcome, TrialTask } from './trial.js';

export interface TrialRecord {
  readonly id: number;
  readonly family: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly config: ComponentConfig;
  foldScores: number[];
  mean: number;
  std: number;
  stdErr: number;
  fitMs: number;
  predictMs: number;
  status: 'ok' | 'failed' | 'pruned';
  error?: string;
  /** Out-of-fold probabilities (kept for finalists scored on every fold). */
  oof?: Float64Array;
}

export interface SearchOptions {
  /** Configurations per family, the defaults included. */
  readonly trialsPerFamily: number;
  readonly totalFolds: number;
  readonly minFolds: number;
  readonly eta: number;
  readonly greaterIsBetter: boolean;
  readonly seed: number;
  readonly signal?: AbortSignal;
  /** Wall-clock deadline (ms since epoch): no new rung starts after it. */
  readonly deadline?: number;
  /** Allocates trial ids; a run numbers its trials 0, 1, 2, … in the order they are created (default: per search, from 0). */
  readonly nextTrialId?: () => number;
}

export interface FamilySearchResult {
  readonly family: Family;
  readonly trials: TrialRecord[];
  /** Best trial scored on all folds (undefined when every trial failed or the run was stopped first). */
  readonly best: TrialRecord | undefined;
}

export async function searchFamily(
  family: Family,
  catalog: ModelCatalog,
  executor: TrialExecutor,
  options: SearchOptions,
  onTrial?: (t: TrialRecord) => void,
): Promise<FamilySearchResult> {
  let local = 0;
  const nextTrialId = options.nextTrialId ?? ((): number => local++);
  const rng = new Rng(options.seed);
  const space = familySearchSpace(catalog, family);
  const paramSets: Record<string, unknown>[] = [{}];
  const seen = new Set<string>(['{}']);
  for (const seedParams of catalog.get(family.id).searchSeeds ?? []) {
    const key = JSON.stringify(seedParams);
    if (paramSets.length < options.trialsPerFamily && !seen.has(key)) {
      seen.add(key);
      paramSets.push({ ...seedParams });
    }
  }
  const hasSpace = Object.keys(space).length > 0;
  for (
    let attempts = 0;
    hasSpace && paramSets.length < options.trialsPerFamily && attempts < options.trialsPerFamily * 10;
    attempts++
  ) {
    const p = sampleParams(space, rng);
    const key = JSON.stringify(p);
    if (!seen.has(key)) {
      seen.add(key);
      paramSets.push(p);
    }
  }
  const trials = paramSets.map((params) => newTrial(nextTrialId(), family.id, params, familyConfig(family, params)));
  const byId = new Map(trials.map((t) => [t.id, t]));

  const evaluate = async (alive: readonly TrialRecord[], nFolds: number): Promise<number[]> => {
    if (options.deadline !== undefined && Date.now() > options.deadline && alive.some((t) => t.foldScores.length > 0)) {
      // Out of time: no new folds; keep the scores we have.
      return alive.map((t) => t.mean);
    }
    // OOF probabilities come back with every task (one float per training row): the winner's
    // full OOF vector is then assembled from its rungs without refitting anything.
    const tasks: TrialTask[] = alive
      .filter((t) => t.status === 'ok' && t.foldScores.length < nFolds)
      .map((t) => ({ id: t.id, config: t.config, fromFold: t.foldScores.length, toFold: nFolds, wantOof: true }));
    const merge = (o: TrialOutcome): void => {
      const t = byId.get(o.id);
      if (t === undefined) return;
      mergeOutcome(t, o);
      onTrial?.(t);
    };
    await executor.run(tasks, merge, options.signal);
    return alive.map((t) => (t.foldScores.length === nFolds ? t.mean : Number.NaN));
  };

  const halvingOptions = {
    totalFolds: options.totalFolds,
    minFolds: options.minFolds,
    eta: options.eta,
    greaterIsBetter: options.greaterIsBetter,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const history = await successiveHalving(trials, evaluate, halvingOptions);
  const finalists = (history.at(-1) ?? []).map((r) => r.config);
  for (const t of trials) if (t.status === 'ok' && t.foldScores.length < options.totalFolds) t.status = 'pruned';
  const sign = options.greaterIsBetter ? 1 : -1;
  let best: TrialRecord | undefined;
  for (const t of finalists) {
    if (t.status !== 'ok' || t.foldScores.length !== options.totalFolds) continue;
    if (best === undefined || sign * t.mean > sign * best.mean) best = t;
  }
  // OOF predictions are only needed for the winner; drop the rest to keep memory flat.
  for (const t of trials) if (t !== best) delete t.oof;
  return { family, trials, best };
}

function mergeOof(prev: Float64Array | undefined, next: Float64Array): Float64Array {
  if (prev === undefined) return next;
  const out = Float64Array.from(prev);
  for (let i = 0; i < next.length; i++) if (!Number.isNaN(next[i] as number)) out[i] = next[i] as number;
  return out;
}

/** A trial not yet scored. */
export function newTrial(
  id: number,
  family: string,
  params: Readonly<Record<string, unknown>>,
  config: ComponentConfig,
): TrialRecord {
  return {
    id,
    family,
    params,
    config,
    foldScores: [],
    mean: Number.NaN,
    std: Number.NaN,
    stdErr: Number.NaN,
    fitMs: 0,
    predictMs: 0,
    status: 'ok',
  };
}

/** Adds an outcome's folds (scores, times, OOF) to its trial and recomputes mean, std and standard error. */
export function mergeOutcome(t: TrialRecord, o: TrialOutcome): void {
  const from = t.foldScores.length;
  t.foldScores.push(...o.foldScores);
  t.fitMs += o.fitMs;
  t.predictMs += o.predictMs;
  if (o.oof !== undefined) t.oof = from === 0 ? o.oof : mergeOof(t.oof, o.oof);
  if (o.error !== undefined) {
    t.status = 'failed';
    t.error = o.error.message;
  }
  const ms = meanStd(t.foldScores);
  t.mean = t.status === 'failed' ? Number.NaN : ms.mean;
  t.std = ms.std;
  t.stdErr = t.foldScores.length > 0 ? ms.std / Math.sqrt(t.foldScores.length) : Number.NaN;
}
