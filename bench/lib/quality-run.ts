/**
 * Orchestration of the quality bench: builds the variant list from what the catalogue offers,
 * shares the dataset with the worker pool once, runs every (variant, fold) task and summarises.
 * Progress goes to a callback; the entry script decides how to show it.
 */
import { fileURLToPath } from 'node:url';
import type { Fold, ModelCatalog } from '@aquaops/ml';
import { familyConfig } from '../../packages/training/src/families.js';
import { inlinePool, type TaskPool, workerPool } from './pool.js';
import {
  type FamilyInventory,
  type QualityData,
  type QualityOutcome,
  type QualityTask,
  runQualityTask,
  summarize,
  treeCountParam,
  type TuneOptions,
  type Variant,
  type VariantSummary,
} from './quality.js';

export interface QualityWorkerInit {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly folds: readonly Fold[];
  readonly tune: TuneOptions;
}

export interface QualityRunOptions {
  readonly families: readonly string[] | undefined;
  readonly folds: number | undefined;
  readonly workers: number;
  readonly tune: TuneOptions;
  /** Add a soft-voting ensemble of the best families when the catalogue has `voting`. */
  readonly voting: boolean;
  readonly onProgress?: (done: number, total: number, last: QualityOutcome) => void;
}

export interface QualityRun {
  readonly variants: readonly Variant[];
  readonly summaries: readonly VariantSummary[];
  readonly outcomes: readonly QualityOutcome[];
  readonly folds: number;
  /** Why optional variants were not run (e.g. no voting kind). */
  readonly notes: readonly string[];
}

/** Default and tuned variant per family, plus a 500-tree forest row like the Python RF500. */
export function buildVariants(catalog: ModelCatalog, inventory: FamilyInventory, only?: readonly string[]): Variant[] {
  const chosen = only === undefined ? inventory.available : inventory.available.filter((f) => only.includes(f.id));
  const out: Variant[] = [];
  for (const family of chosen) {
    out.push({ id: family.id, family, kind: 'default', config: familyConfig(family, {}) });
    if (Object.keys(catalog.get(family.id).searchSpace ?? {}).length > 0) {
      out.push({ id: `${family.id} tuned`, family, kind: 'tuned' });
    }
    if (family.id === 'random-forest') {
      const param = treeCountParam(catalog, family.id);
      if (param !== undefined) {
        out.push({
          id: 'random-forest 500 trees',
          family,
          kind: 'fixed',
          config: familyConfig(family, { [param]: 500 }),
        });
      }
    }
  }
  return out;
}

/** Checks --families names against the inventory; unknown names are refused with the choices. */
export function checkFamilyNames(inventory: FamilyInventory, names: readonly string[] | undefined): string[] {
  const ids = inventory.available.map((f) => f.id);
  const problems: string[] = [];
  for (const n of names ?? []) {
    if (ids.includes(n)) continue;
    problems.push(
      inventory.missing.includes(n)
        ? `family "${n}" is not in this build's model catalogue yet`
        : `unknown family "${n}" (available: ${ids.join(', ')})`,
    );
  }
  return problems;
}

function makePool(data: QualityData, catalog: ModelCatalog, folds: readonly Fold[], options: QualityRunOptions) {
  if (options.workers === 0) {
    return inlinePool<QualityTask, QualityOutcome>((t) => runQualityTask(data, catalog, t, options.tune));
  }
  const xs = new SharedArrayBuffer(data.X.data.byteLength);
  new Float64Array(xs).set(data.X.data);
  const ys = new SharedArrayBuffer(data.y.byteLength);
  new Uint8Array(ys).set(data.y);
  const init: QualityWorkerInit = {
    nRows: data.X.nRows,
    nCols: data.X.nCols,
    data: xs,
    y: ys,
    folds,
    tune: options.tune,
  };
  const script = fileURLToPath(new URL('./quality-worker.mjs', import.meta.url));
  return workerPool<QualityTask, QualityOutcome>(script, init, options.workers) as TaskPool<
    QualityTask,
    QualityOutcome
  >;
}

export async function runQualityBench(
  data: QualityData,
  catalog: ModelCatalog,
  inventory: FamilyInventory,
  options: QualityRunOptions,
): Promise<QualityRun> {
  const nFolds = Math.min(options.folds ?? data.folds.length, data.folds.length);
  const folds = data.folds.slice(0, nFolds);
  const variants = buildVariants(catalog, inventory, options.families);
  const notes: string[] = [];
  let taskId = 0;
  // Expensive variants first, so the last tasks to finish are short ones and both workers stay busy.
  const cost = (v: Variant): number => (v.kind === 'tuned' ? 2 : v.kind === 'fixed' ? 1 : 0);
  const tasksFor = (vs: readonly Variant[]): QualityTask[] =>
    [...vs]
      .sort((a, b) => cost(b) - cost(a))
      .flatMap((variant) => folds.map((_, fold) => ({ taskId: taskId++, variant, fold })));
  const tasks = tasksFor(variants);
  const votingPossible = options.voting && catalog.has('voting');
  if (options.voting && !votingPossible) notes.push('soft-voting ensemble not run: the catalogue has no "voting" kind');
  const total = (): number => tasks.length + (votingPossible ? folds.length : 0);
  const pool = makePool({ ...data, folds }, catalog, folds, options);
  const outcomes: QualityOutcome[] = [];
  let done = 0;
  const onDone = (o: QualityOutcome): void => {
    outcomes.push(o);
    done++;
    options.onProgress?.(done, total(), o);
  };
  try {
    await pool.run(tasks, onDone);
    const allVariants = [...variants];
    if (votingPossible) {
      const voting = votingVariant(summarize(variants, outcomes), variants);
      if (voting === undefined) notes.push('soft-voting ensemble not run: fewer than two families succeeded');
      else {
        // Members are picked by their outer-CV default scores: a mild optimistic bias, stated in the report.
        allVariants.push(voting);
        await pool.run(tasksFor([voting]), onDone);
      }
    }
    return { variants: allVariants, summaries: summarize(allVariants, outcomes), outcomes, folds: nFolds, notes };
  } finally {
    await pool.close();
  }
}

/** Soft voting over the default configurations of the three best families (by mean ROC-AUC). */
function votingVariant(summaries: readonly VariantSummary[], variants: readonly Variant[]): Variant | undefined {
  const best = summaries
    .filter((s) => s.kind === 'default' && s.failures === 0 && Number.isFinite(s.rocAuc.mean))
    .sort((a, b) => b.rocAuc.mean - a.rocAuc.mean)
    .slice(0, 3);
  if (best.length < 2) return undefined;
  const members = best.map((s) => {
    const v = variants.find((x) => x.id === s.variantId) as Variant;
    return v.config ?? familyConfig(v.family, {});
  });
  const first = variants.find((x) => x.id === best[0]?.variantId) as Variant;
  return {
    id: `voting(${best.map((s) => s.family).join('+')})`,
    family: { ...first.family, id: 'voting', label: 'Soft voting', preprocess: [] },
    kind: 'fixed',
    config: { kind: 'voting', params: { members: members.map((m) => ({ kind: m.kind, params: m.params ?? {} })) } },
  };
}
