/**
 * One trial of a search: a model configuration scored by cross-validation on a range of folds
 * of the training rows. The same function runs in-process and inside worker threads, so both
 * executors give identical numbers for the same seed.
 */
import {
  type ComponentConfig,
  type Fold,
  type Labels,
  type Matrix,
  type ModelCatalog,
  type Objective,
  takeLabels,
  takeRows,
} from '@aquaops/ml';

export interface TrialTask {
  readonly id: number;
  readonly config: ComponentConfig;
  /** Score folds [fromFold, toFold). */
  readonly fromFold: number;
  readonly toFold: number;
  /** Return out-of-fold probabilities for the scored folds. */
  readonly wantOof: boolean;
}

export interface TrialOutcome {
  readonly id: number;
  readonly foldScores: number[];
  readonly fitMs: number;
  readonly predictMs: number;
  /** Out-of-fold P(class 1) for the training rows of the scored folds' test parts; NaN elsewhere. */
  readonly oof?: Float64Array;
  readonly error?: { readonly code?: string; readonly message: string };
}

export interface TrialData {
  readonly X: Matrix;
  readonly y: Labels;
  readonly folds: readonly Fold[];
}

export function runTrial(data: TrialData, catalog: ModelCatalog, objective: Objective, task: TrialTask): TrialOutcome {
  const foldScores: number[] = [];
  let fitMs = 0;
  let predictMs = 0;
  const oof = task.wantOof ? new Float64Array(data.X.nRows).fill(Number.NaN) : undefined;
  try {
    for (let f = task.fromFold; f < task.toFold; f++) {
      const fold = data.folds[f];
      if (fold === undefined) throw new RangeError(`fold ${f} does not exist (${data.folds.length} folds)`);
      const model = catalog.create(task.config.kind, task.config.params ?? {});
      const t0 = performance.now();
      model.fit(takeRows(data.X, fold.train), takeLabels(data.y, fold.train));
      const t1 = performance.now();
      const p = model.predictProba(takeRows(data.X, fold.test));
      predictMs += performance.now() - t1;
      fitMs += t1 - t0;
      foldScores.push(objective.score(takeLabels(data.y, fold.test), p));
      if (oof !== undefined) for (let k = 0; k < fold.test.length; k++) oof[fold.test[k] as number] = p[k] as number;
    }
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return {
      id: task.id,
      foldScores,
      fitMs,
      predictMs,
      error: { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? err) },
    };
  }
  return oof === undefined
    ? { id: task.id, foldScores, fitMs, predictMs }
    : { id: task.id, foldScores, fitMs, predictMs, oof };
}
