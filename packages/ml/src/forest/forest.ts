/**
 * Random forests (kind `random-forest`) and extra-trees (kind `extra-trees`): bagged ensembles of
 * weighted-Gini CART trees whose probability is the mean of the trees' leaf class-1 fractions.
 * This module owns the life cycle — validation, seeded bootstrap and class weights, growing the
 * trees through `TreeBuilder`, out-of-bag scores, prediction, TreeSHAP explanations (averaged
 * over trees, in probability space) and JSON state. Each tree draws from its own generator forked
 * from the seed in tree order, so the same seed gives the same model bit for bit.
 */
import { MlError, invalidArgument } from '../errors.js';
import { checkBothClassesWeighted } from '../explain/support.js';
import { checkFitInput, checkPredictInput, type Matrix } from '../matrix.js';
import { rocAuc } from '../metrics/ranking.js';
import type { Classifier, ExplainOptions, Explanation, FitOptions, ModelSpec, ModelState } from '../model.js';
import { Rng } from '../rng.js';
import { ensembleExpectedValue, ensembleShap } from '../tree/shap.js';
import {
  predictTreeColumnMajor,
  predictTreeRow,
  type Tree,
  type TreeJson,
  treeFromJson,
  treeToJson,
} from '../tree/tree.js';
import { binFeatures, type GrowOptions, TreeBuilder } from './builder.js';
import {
  extraTreesDefaults,
  extraTreesSearchSpace,
  type ForestParams,
  featuresPerSplit,
  randomForestDefaults,
  randomForestSearchSpace,
  resolveForestParams,
} from './params.js';

export type ForestKind = 'random-forest' | 'extra-trees';

/** Out-of-bag estimate: each row scored only by the trees that did not see it. */
export interface OobScore {
  readonly rocAuc: number;
  readonly accuracy: number;
  /** Rows that were out of bag for at least one tree (the others are not scored). */
  readonly nRows: number;
}

export interface ForestState {
  readonly version: 1;
  readonly nFeatures: number;
  readonly trees: readonly TreeJson[];
  readonly oob?: OobScore;
  readonly featureNames?: readonly string[];
}

const LABELS: Record<ForestKind, string> = { 'random-forest': 'random forest', 'extra-trees': 'extra-trees' };

export class ForestClassifier implements Classifier {
  readonly kind: ForestKind;
  readonly params: ForestParams;
  readonly handlesMissing = true;
  nFeatures = 0;
  private trees: Tree[] = [];
  private oob: OobScore | undefined;
  private featureNames: readonly string[] | undefined;

  constructor(kind: ForestKind, params: Partial<ForestParams> | Readonly<Record<string, unknown>> = {}) {
    this.kind = kind;
    this.params = resolveForestParams(kind === 'random-forest' ? randomForestDefaults : extraTreesDefaults, params);
  }

  /** The fitted trees (shared representation; do not mutate). */
  get fittedTrees(): readonly Tree[] {
    return this.trees;
  }

  /** Out-of-bag ROC-AUC and accuracy; available after `fit` with `oobScore: true`. */
  get oobScore(): OobScore {
    this.fitted();
    if (this.oob === undefined) {
      throw invalidArgument(
        'oobScore',
        'a model fitted with oobScore: true',
        'no out-of-bag score (oobScore was false, or no row was ever out of bag)',
        'Fit with params { oobScore: true, bootstrap: true } and enough trees that every row is left out at least once.',
      );
    }
    return this.oob;
  }

  fit(X: Matrix, y: ArrayLike<number>, options: FitOptions = {}): this {
    const p = this.params;
    const labels = checkFitInput(X, y, { allowMissing: true, model: this.kind });
    const { nRows, nCols, data } = X;
    for (let k = 0; k < data.length; k++) {
      const v = data[k] as number;
      if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
        const j = Math.floor(k / nRows);
        throw invalidArgument(
          `X[${k - j * nRows}, ${X.featureNames?.[j] ?? `feature ${j}`}]`,
          'a finite number or NaN (missing)',
          String(v),
          'Replace infinite values by NaN (missing) or clip them to a finite range before training.',
        );
      }
    }
    const sw = options.sampleWeight;
    if (sw !== undefined) {
      if (sw.length !== nRows) {
        throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
          argument: 'options.sampleWeight',
          expected: `${nRows} weights (one per row)`,
          found: `${sw.length} weights`,
          fix: 'Give one non-negative weight per training row.',
        });
      }
      for (let i = 0; i < nRows; i++) {
        const s = sw[i] as number;
        if (!(s >= 0) || !Number.isFinite(s)) {
          throw invalidArgument(
            `options.sampleWeight[${i}]`,
            'a finite weight >= 0',
            String(s),
            'Fix or drop the weight of that row.',
          );
        }
      }
    }
    let totalW = 0;
    let totalW1 = 0;
    let nPos = 0;
    for (let i = 0; i < nRows; i++) {
      const s = sw === undefined ? 1 : (sw[i] as number);
      totalW += s;
      totalW1 += labels[i] === 1 ? s : 0;
      nPos += labels[i] as number;
    }
    checkBothClassesWeighted(totalW, totalW1);
    const growOpts: GrowOptions = {
      mode: this.kind === 'random-forest' ? 'hist' : 'random',
      mtry: featuresPerSplit(p.maxFeatures, nCols),
      maxDepth: p.maxDepth,
      minSamplesSplit: p.minSamplesSplit,
      minSamplesLeaf: p.minSamplesLeaf,
      maxLeafNodes: p.maxLeafNodes,
      minDecrease: p.minImpurityDecrease * totalW,
    };
    const onProgress = options.onProgress;
    onProgress?.({ stage: 'binning', done: 0, total: 1 });
    const binned = growOpts.mode === 'hist' ? binFeatures(X, p.maxBins) : undefined;
    onProgress?.({ stage: 'binning', done: 1, total: 1 });
    const builder = new TreeBuilder(binned === undefined ? { X, y: labels } : { X, binned, y: labels });

    const cwGlobal0 = p.classWeight === 'balanced' ? nRows / (2 * (nRows - nPos)) : 1;
    const cwGlobal1 = p.classWeight === 'balanced' ? nRows / (2 * nPos) : 1;
    const nDraw = Math.max(1, Math.round(p.maxSamples * nRows));
    const counts = new Float64Array(nRows);
    const weight = new Float64Array(nRows);
    const oobSum = p.oobScore ? new Float64Array(nRows) : undefined;
    const oobN = p.oobScore ? new Int32Array(nRows) : undefined;
    const master = new Rng(p.seed);
    const trees: Tree[] = [];
    for (let t = 0; t < p.nEstimators; t++) {
      const rng = master.fork();
      if (p.bootstrap) {
        counts.fill(0);
        for (let k = 0; k < nDraw; k++) {
          const i = rng.int(nRows);
          counts[i] = (counts[i] as number) + 1;
        }
      } else counts.fill(1);
      let c0 = cwGlobal0;
      let c1 = cwGlobal1;
      if (p.classWeight === 'balanced_subsample') {
        let n1 = 0;
        let nAll = 0;
        for (let i = 0; i < nRows; i++) {
          nAll += counts[i] as number;
          if (labels[i] === 1) n1 += counts[i] as number;
        }
        // A bootstrap sample missing a class gives that class no rows, so its weight is moot.
        c0 = nAll - n1 > 0 ? nAll / (2 * (nAll - n1)) : 1;
        c1 = n1 > 0 ? nAll / (2 * n1) : 1;
      }
      for (let i = 0; i < nRows; i++) {
        const s = sw === undefined ? 1 : (sw[i] as number);
        weight[i] = (counts[i] as number) * s * (labels[i] === 1 ? c1 : c0);
      }
      const tree = builder.grow(weight, rng, growOpts);
      trees.push(tree);
      if (oobSum !== undefined && oobN !== undefined) {
        for (let i = 0; i < nRows; i++) {
          if (counts[i] !== 0) continue;
          oobSum[i] = (oobSum[i] as number) + predictTreeColumnMajor(tree, data, nRows, i);
          oobN[i] = (oobN[i] as number) + 1;
        }
      }
      onProgress?.({ stage: 'trees', done: t + 1, total: p.nEstimators });
    }
    this.trees = trees;
    this.nFeatures = nCols;
    this.featureNames = X.featureNames;
    this.oob = oobSum !== undefined && oobN !== undefined ? scoreOob(labels, oobSum, oobN) : undefined;
    return this;
  }

  private fitted(): void {
    if (this.trees.length === 0) {
      throw new MlError('AQUAOPS_E_ML_NOT_FITTED', {
        argument: 'model',
        expected: `a fitted ${this.kind} model`,
        found: 'an unfitted model',
        fix: `Call fit() first, or restore a fitted model with ${this.kind === 'random-forest' ? 'randomForestSpec' : 'extraTreesSpec'}.fromState().`,
      });
    }
  }

  /** Mean over trees of the leaf class-1 fraction. */
  predictProba(X: Matrix): Float64Array {
    this.fitted();
    checkPredictInput(X, this.nFeatures, { allowMissing: true, model: this.kind });
    const { nRows, data } = X;
    const out = new Float64Array(nRows);
    for (const t of this.trees) {
      for (let i = 0; i < nRows; i++) out[i] = (out[i] as number) + predictTreeColumnMajor(t, data, nRows, i);
    }
    const inv = 1 / this.trees.length;
    for (let i = 0; i < nRows; i++) out[i] = (out[i] as number) * inv;
    return out;
  }

  /** Probability for one dense row (length nFeatures, NaN = missing): the low-latency path. */
  predictRow(x: ArrayLike<number>): number {
    this.fitted();
    if (x.length !== this.nFeatures) {
      throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
        argument: 'x',
        expected: `${this.nFeatures} features`,
        found: `${x.length} values`,
        fix: 'Pass one value per training feature, in training order.',
      });
    }
    let s = 0;
    for (const t of this.trees) s += predictTreeRow(t, x);
    return s * (1 / this.trees.length);
  }

  /** Path-dependent TreeSHAP averaged over trees, in probability space. */
  explain(X: Matrix, _options?: ExplainOptions): Explanation {
    this.fitted();
    checkPredictInput(X, this.nFeatures, { allowMissing: true, model: this.kind });
    const scale = 1 / this.trees.length;
    const phi = new Float64Array(X.nRows * X.nCols);
    ensembleShap(this.trees, X, scale, phi);
    return {
      space: 'probability',
      method: 'tree-shap-path',
      base: ensembleExpectedValue(this.trees, scale),
      phi,
      nRows: X.nRows,
      nFeatures: X.nCols,
      output: this.predictProba(X),
    };
  }

  /**
   * Mean decrease in weighted Gini impurity per feature, normalised per tree and averaged
   * (scikit-learn's `feature_importances_`); sums to 1 unless no tree has a split.
   */
  featureImportance(): Float64Array {
    this.fitted();
    const out = new Float64Array(this.nFeatures);
    const per = new Float64Array(this.nFeatures);
    const impurity = (t: Tree, n: number): number => {
      const p = t.value[n] as number;
      return 2 * (t.cover[n] as number) * p * (1 - p);
    };
    let nUsed = 0;
    for (const t of this.trees) {
      per.fill(0);
      let sum = 0;
      for (let n = 0; n < t.feature.length; n++) {
        const f = t.feature[n] as number;
        if (f < 0) continue;
        const d = impurity(t, n) - impurity(t, t.left[n] as number) - impurity(t, t.right[n] as number);
        per[f] = (per[f] as number) + d;
        sum += d;
      }
      if (!(sum > 0)) continue;
      nUsed++;
      for (let f = 0; f < per.length; f++) out[f] = (out[f] as number) + (per[f] as number) / sum;
    }
    if (nUsed > 0) for (let f = 0; f < out.length; f++) out[f] = (out[f] as number) / nUsed;
    return out;
  }

  toState(): ModelState {
    this.fitted();
    const state: ForestState = {
      version: 1,
      nFeatures: this.nFeatures,
      trees: this.trees.map(treeToJson),
      ...(this.oob === undefined ? {} : { oob: this.oob }),
      ...(this.featureNames === undefined ? {} : { featureNames: [...this.featureNames] }),
    };
    return { kind: this.kind, params: { ...this.params }, state };
  }

  static fromState(kind: ForestKind, s: ModelState): ForestClassifier {
    const bad = (where: string, expected: string, found: string): MlError =>
      new MlError('AQUAOPS_E_MODEL_FORMAT', {
        argument: where,
        expected,
        found,
        fix: `Restore from unmodified toState() output of a ${kind} model (re-export the model if it was edited).`,
      });
    if (s.kind !== kind) throw bad('state.kind', JSON.stringify(kind), JSON.stringify(s.kind));
    let model: ForestClassifier;
    try {
      model = new ForestClassifier(kind, s.params);
    } catch (e) {
      throw bad('state.params', `valid ${kind} parameters`, e instanceof Error ? e.message : String(e));
    }
    const st = s.state as Partial<ForestState> | null;
    if (typeof st !== 'object' || st === null) throw bad('state.state', 'an object', String(st));
    if (st.version !== 1) throw bad('state.state.version', '1', JSON.stringify(st.version));
    const nF = st.nFeatures;
    if (typeof nF !== 'number' || !Number.isInteger(nF) || nF < 1)
      throw bad('state.state.nFeatures', 'a positive integer', JSON.stringify(nF));
    if (!Array.isArray(st.trees) || st.trees.length === 0)
      throw bad(
        'state.state.trees',
        'a non-empty array of trees',
        Array.isArray(st.trees) ? 'an empty array' : typeof st.trees,
      );
    model.trees = st.trees.map((tj, ti) => checkTree(tj, `state.state.trees[${ti}]`, nF, bad));
    model.nFeatures = nF;
    if (Array.isArray(st.featureNames) && st.featureNames.length === nF) model.featureNames = [...st.featureNames];
    const oob = st.oob;
    if (oob !== undefined) {
      const ok =
        typeof oob === 'object' &&
        oob !== null &&
        typeof oob.rocAuc === 'number' &&
        typeof oob.accuracy === 'number' &&
        typeof oob.nRows === 'number';
      if (!ok) throw bad('state.state.oob', '{ rocAuc, accuracy, nRows } numbers', JSON.stringify(oob));
      model.oob = { rocAuc: oob.rocAuc, accuracy: oob.accuracy, nRows: oob.nRows };
    }
    return model;
  }
}

function scoreOob(labels: Uint8Array, sum: Float64Array, n: Int32Array): OobScore | undefined {
  const ys: number[] = [];
  const ps: number[] = [];
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const k = n[i] as number;
    if (k === 0) continue;
    const p = (sum[i] as number) / k;
    ys.push(labels[i] as number);
    ps.push(p);
    if ((p >= 0.5 ? 1 : 0) === labels[i]) correct++;
  }
  if (ys.length === 0) return undefined;
  let pos = 0;
  for (const v of ys) pos += v;
  const auc = pos > 0 && pos < ys.length ? rocAuc(ys, ps) : Number.NaN;
  return { rocAuc: auc, accuracy: correct / ys.length, nRows: ys.length };
}

function checkTree(
  tj: unknown,
  where: string,
  nF: number,
  bad: (where: string, expected: string, found: string) => MlError,
): Tree {
  if (typeof tj !== 'object' || tj === null) throw bad(where, 'a tree object', String(tj));
  const rec = tj as Record<string, unknown>;
  const keys = ['feature', 'threshold', 'missingLeft', 'left', 'right', 'value', 'cover'] as const;
  let m = -1;
  for (const k of keys) {
    const a = rec[k];
    if (!Array.isArray(a) || !a.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw bad(`${where}.${k}`, 'an array of finite numbers', Array.isArray(a) ? 'non-numeric entries' : typeof a);
    if (m === -1) m = a.length;
    else if (a.length !== m) throw bad(`${where}.${k}`, `${m} entries (one per node)`, `${a.length}`);
  }
  if (m < 1) throw bad(`${where}.feature`, 'at least one node', '0');
  const t = treeFromJson(tj as TreeJson);
  for (let n = 0; n < m; n++) {
    const f = t.feature[n] as number;
    if (f === -1) continue;
    if (!Number.isInteger(f) || f < 0 || f >= nF)
      throw bad(`${where}.feature[${n}]`, `-1 or a feature index below ${nF}`, String(f));
    const l = t.left[n] as number;
    const r = t.right[n] as number;
    // Children always come after their parent, which also rules out cycles.
    if (l <= n || l >= m || r <= n || r >= m)
      throw bad(`${where}.left/right[${n}]`, `child indices in (${n}, ${m})`, `${l}, ${r}`);
  }
  return t;
}

function makeSpec(kind: ForestKind): ModelSpec<ForestParams> {
  const defaults = kind === 'random-forest' ? randomForestDefaults : extraTreesDefaults;
  return {
    kind,
    label: LABELS[kind],
    defaults,
    searchSpace: kind === 'random-forest' ? randomForestSearchSpace : extraTreesSearchSpace,
    create: (params?: Partial<ForestParams>) => new ForestClassifier(kind, params ?? {}),
    fromState: (state: ModelState) => ForestClassifier.fromState(kind, state),
  };
}

export const randomForestSpec: ModelSpec<ForestParams> = makeSpec('random-forest');
export const extraTreesSpec: ModelSpec<ForestParams> = makeSpec('extra-trees');

/** A random forest (kind `random-forest`): bootstrap samples, histogram split search. */
export class RandomForestClassifier extends ForestClassifier {
  constructor(params: Partial<ForestParams> | Readonly<Record<string, unknown>> = {}) {
    super('random-forest', params);
  }
}

/** Extra-trees (kind `extra-trees`): random thresholds, whole training set per tree by default. */
export class ExtraTreesClassifier extends ForestClassifier {
  constructor(params: Partial<ForestParams> | Readonly<Record<string, unknown>> = {}) {
    super('extra-trees', params);
  }
}
