/**
 * `GradientBoostingClassifier` (kind `gbm`): LightGBM-style histogram gradient boosting for
 * binary log-loss, with native missing values, class weights, bagging, feature sampling and early
 * stopping on a validation set. This module owns the model's life cycle — input validation,
 * binning, the boosting loop, prediction through a flattened forest, TreeSHAP explanations and
 * JSON state; tree growth lives in `train.ts` and the hot loops behind a `GbmExecutor`, which a
 * caller can swap for the worker-thread backend of `@aquaops/ml/node` via `useExecutor`.
 */
import { MlError, invalidArgument } from '../errors.js';
import { checkBothClassesWeighted, softplus } from '../explain/support.js';
import { checkFitInput, checkPredictInput, type Matrix } from '../matrix.js';
import type { Classifier, ExplainOptions, Explanation, FitOptions, ModelSpec, ModelState } from '../model.js';
import { Rng } from '../rng.js';
import { ensembleExpectedValue, ensembleShap } from '../tree/shap.js';
import { type Tree, type TreeJson, treeFromJson, treeToJson } from '../tree/tree.js';
import { binMatrix } from './binning.js';
import { type GbmBuffers, type GbmExecutorFactory, serialExecutor } from './kernels.js';
import { type GbmParams, gbmDefaults, gbmSearchSpace, resolveGbmParams } from './params.js';
import { type FlatForest, flattenForest, forestBatch, forestRow } from './predictor.js';
import { type GrowContext, growTree, predictTreeBins, sampleFeatures } from './train.js';

export interface GbmState {
  readonly version: 1;
  readonly nFeatures: number;
  readonly initScore: number;
  readonly trees: readonly TreeJson[];
  /** Iterations actually kept (the best one when early stopping ran). */
  readonly bestIteration: number;
  /** Split gain per node, per tree (0 on leaves); feeds gain importance. */
  readonly gains?: readonly (readonly number[])[];
  readonly featureNames?: readonly string[];
}

/** Validation log-loss per iteration (empty without validation data). */
export interface GbmEvalHistory {
  readonly validLogLoss: readonly number[];
  readonly bestIteration: number;
}

// The plain form, not support.ts's branched sigmoid: node/parallel-predict.ts uses this exact
// formula, so both paths give bit-identical probabilities.
function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export class GradientBoostingClassifier implements Classifier {
  readonly kind = 'gbm';
  readonly params: GbmParams;
  readonly handlesMissing = true;
  nFeatures = 0;
  private trees: Tree[] = [];
  private gains: Float64Array[] = [];
  private initScore = 0;
  private forest: FlatForest | undefined;
  private featureNames: readonly string[] | undefined;
  private executorFactory: GbmExecutorFactory | undefined;
  private history: GbmEvalHistory = { validLogLoss: [], bestIteration: 0 };

  constructor(params: Partial<GbmParams> = {}) {
    this.params = resolveGbmParams(params);
  }

  /** Runs the hot loops through this executor factory (e.g. worker threads); `undefined` = inline. */
  useExecutor(factory: GbmExecutorFactory | undefined): this {
    this.executorFactory = factory;
    return this;
  }

  get numTrees(): number {
    return this.trees.length;
  }

  /** The fitted trees (shared representation; do not mutate). */
  get fittedTrees(): readonly Tree[] {
    return this.trees;
  }

  /** The fitted trees flattened for inference (what the parallel predictor of `@aquaops/ml/node` runs). */
  get flatForest(): FlatForest {
    return this.fitted();
  }

  get baseScore(): number {
    return this.initScore;
  }

  get evalHistory(): GbmEvalHistory {
    return this.history;
  }

  /** Per-feature importance: total split gain (`gain`) or number of splits (`split`), as LightGBM. */
  featureImportance(type: 'gain' | 'split' = 'gain'): Float64Array {
    this.fitted();
    const out = new Float64Array(this.nFeatures);
    this.trees.forEach((t, ti) => {
      const g = this.gains[ti];
      for (let n = 0; n < t.feature.length; n++) {
        const f = t.feature[n] as number;
        if (f >= 0) out[f] = (out[f] as number) + (type === 'gain' ? ((g?.[n] ?? 0) as number) : 1);
      }
    });
    return out;
  }

  fit(X: Matrix, y: ArrayLike<number>, options: FitOptions = {}): this {
    const p = this.params;
    const labels = checkFitInput(X, y, { allowMissing: true, model: 'gbm' });
    const { nRows, nCols } = X;
    const data = X.data;
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
    const valid = options.validation;
    if (valid !== undefined) {
      checkPredictInput(valid.X, nCols, { allowMissing: true, model: 'gbm' });
      if (valid.y.length !== valid.X.nRows) {
        throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
          argument: 'options.validation.y',
          expected: `${valid.X.nRows} labels (one per validation row)`,
          found: `${valid.y.length} labels`,
          fix: 'Give exactly one label per validation row.',
        });
      }
    }
    const onProgress = options.onProgress;

    const executor = (this.executorFactory ?? serialExecutor)();
    try {
      // Weights: sample weights times class weights.
      const weight = executor.allocFloat64(nRows);
      const sw = options.sampleWeight;
      if (sw !== undefined && sw.length !== nRows) {
        throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
          argument: 'options.sampleWeight',
          expected: `${nRows} weights (one per row)`,
          found: `${sw.length} weights`,
          fix: 'Give one non-negative weight per training row.',
        });
      }
      let nPos = 0;
      for (let i = 0; i < nRows; i++) nPos += labels[i] as number;
      const cw = p.classWeight;
      const w0 = cw === 'none' ? 1 : cw === 'balanced' ? nRows / (2 * (nRows - nPos)) : cw[0];
      const w1 = cw === 'none' ? 1 : cw === 'balanced' ? nRows / (2 * nPos) : cw[1];
      const label = executor.allocFloat64(nRows);
      let sumW = 0;
      let sumWy = 0;
      for (let i = 0; i < nRows; i++) {
        const s = sw === undefined ? 1 : (sw[i] as number);
        if (!(s >= 0) || !Number.isFinite(s)) {
          throw invalidArgument(
            `options.sampleWeight[${i}]`,
            'a finite weight >= 0',
            String(s),
            'Fix or drop the weight of that row.',
          );
        }
        const yi = labels[i] as number;
        const w = s * (yi === 1 ? w1 : w0);
        weight[i] = w;
        label[i] = yi;
        sumW += w;
        sumWy += w * yi;
      }
      checkBothClassesWeighted(sumW, sumWy);

      onProgress?.({ stage: 'binning', done: 0, total: 1 });
      const bins = executor.allocUint8(nRows * nCols);
      const binned = binMatrix(X, { maxBin: p.maxBin, sampleCount: p.binSampleCount, seed: p.seed }, bins);
      const binsByFeature = executor.allocUint8(nRows * nCols);
      for (let f = 0; f < nCols; f++) {
        const colBase = f * nRows;
        for (let i = 0, r = f; i < nRows; i++, r += nCols) binsByFeature[colBase + i] = bins[r] as number;
      }
      onProgress?.({ stage: 'binning', done: 1, total: 1 });
      // Uniform per-feature stride (see GbmBuffers.histOffset): costs a few padding bins per feature.
      let maxBins = 1;
      for (const fb of binned.features) maxBins = Math.max(maxBins, fb.nBins);
      const histStride = 2 * (maxBins + 1);
      const histOffset = new Int32Array(nCols + 1);
      for (let f = 0; f <= nCols; f++) histOffset[f] = f * histStride;
      const histSize = histOffset[nCols] as number;
      // One histogram per live leaf; a tree can't have more leaves than minDataInLeaf-sized groups
      // of rows, so a huge numLeaves on small data doesn't allocate histograms it can never use.
      const histSlots = Math.min(p.numLeaves, Math.max(2, Math.floor(nRows / p.minDataInLeaf) + 1));
      const histOffsetShared = executor.allocInt32(nCols + 1);
      histOffsetShared.set(histOffset);

      const buffers: GbmBuffers = {
        nRows,
        nFeatures: nCols,
        bins,
        binsByFeature,
        indices: executor.allocInt32(nRows),
        gradHess: executor.allocFloat64(2 * nRows),
        score: executor.allocFloat64(nRows),
        label,
        weight,
        hist: executor.allocFloat64(histSlots * histSize),
        histSize,
        histOffset: histOffsetShared,
        histStride,
        active: executor.allocInt32(nCols),
        scratch: executor.allocInt32(nRows),
        goRight: executor.allocUint8(256),
      };
      executor.bind(buffers);
      const ctx: GrowContext = {
        params: p,
        maxLeaves: histSlots,
        features: binned.features,
        buffers,
        executor,
      };

      const pavg = sumWy / sumW;
      const init = p.boostFromAverage ? Math.log(pavg / (1 - pavg)) : 0;
      buffers.score.fill(init);
      const rng = new Rng((p.seed ^ 0x5bd1e995) | 0);
      const bagging = p.baggingFreq > 0 && p.baggingFraction < 1;
      const bag = new Int32Array(nRows);
      let nBag = nRows;

      let validScore: Float64Array | undefined;
      if (valid !== undefined) validScore = new Float64Array(valid.X.nRows).fill(init);
      const validLoss: number[] = [];
      let bestLoss = Number.POSITIVE_INFINITY;
      let bestIter = 0;

      const trees: Tree[] = [];
      const gains: Float64Array[] = [];
      const { indices, score } = buffers;
      for (let it = 0; it < p.numIterations; it++) {
        const nActive = sampleFeatures(rng, nCols, p.featureFraction, buffers.active);
        if (bagging && it % p.baggingFreq === 0) {
          nBag = 0;
          for (let i = 0; i < nRows; i++) if (rng.next() < p.baggingFraction) bag[nBag++] = i;
          if (nBag === 0) bag[nBag++] = rng.int(nRows);
        }
        executor.gradients();
        if (bagging) indices.set(bag.subarray(0, nBag));
        else for (let i = 0; i < nRows; i++) indices[i] = i;
        const grown = growTree(ctx, bagging ? nBag : nRows, nActive);
        if (grown.nLeaves <= 1) break; // Nothing left to split (LightGBM stops here too).
        trees.push(grown.tree);
        gains.push(grown.gain);
        if (bagging) {
          for (let i = 0; i < nRows; i++) {
            score[i] = (score[i] as number) + predictTreeBins(grown, binned.features, bins, nCols, i);
          }
        } else {
          const val = grown.tree.value;
          for (let l = 0; l < grown.nLeaves; l++) {
            const v = val[grown.leafNode[l] as number] as number;
            const e = grown.leafEnd[l] as number;
            for (let k = grown.leafStart[l] as number; k < e; k++) {
              const i = indices[k] as number;
              score[i] = (score[i] as number) + v;
            }
          }
        }
        if (valid !== undefined && validScore !== undefined) {
          forestBatch(flattenForest([grown.tree]), valid.X.data, valid.X.nRows, nCols, validScore);
          let loss = 0;
          for (let i = 0; i < validScore.length; i++) {
            const m = validScore[i] as number;
            loss += valid.y[i] === 1 ? softplus(-m) : softplus(m);
          }
          loss /= validScore.length;
          validLoss.push(loss);
          if (loss < bestLoss) {
            bestLoss = loss;
            bestIter = it + 1;
          }
        }
        onProgress?.({ stage: 'boosting', done: it + 1, total: p.numIterations });
        if (p.earlyStoppingRounds > 0 && valid !== undefined && it + 1 - bestIter >= p.earlyStoppingRounds) break;
      }
      if (p.earlyStoppingRounds > 0 && valid !== undefined && bestIter > 0) {
        trees.length = bestIter;
        gains.length = bestIter;
      }
      this.trees = trees;
      this.gains = gains;
      this.initScore = init;
      this.nFeatures = nCols;
      this.featureNames = X.featureNames;
      this.forest = flattenForest(trees);
      this.history = { validLogLoss: validLoss, bestIteration: trees.length };
      return this;
    } finally {
      executor.release();
    }
  }

  private fitted(): FlatForest {
    if (this.forest === undefined) {
      throw new MlError('AQUAOPS_E_ML_NOT_FITTED', {
        argument: 'model',
        expected: 'a fitted gbm model',
        found: 'an unfitted model',
        fix: 'Call fit() first, or restore a fitted model with gbmSpec.fromState().',
      });
    }
    return this.forest;
  }

  /** Raw log-odds; `nIterations` limits prediction to the first trees (staged prediction). */
  predictMargin(X: Matrix, nIterations?: number): Float64Array {
    const ff = this.fitted();
    checkPredictInput(X, this.nFeatures, { allowMissing: true, model: 'gbm' });
    const k = nIterations === undefined ? ff.nTrees : Math.max(0, Math.min(ff.nTrees, Math.floor(nIterations)));
    const out = new Float64Array(X.nRows).fill(this.initScore);
    forestBatch(ff, X.data, X.nRows, X.nCols, out, k);
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    const m = this.predictMargin(X);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i] as number);
    return m;
  }

  /** Probability for one dense row (length nFeatures, NaN = missing): the low-latency path. */
  predictRow(x: ArrayLike<number>): number {
    const ff = this.fitted();
    if (x.length !== this.nFeatures) {
      throw new MlError('AQUAOPS_E_ML_SHAPE_MISMATCH', {
        argument: 'x',
        expected: `${this.nFeatures} features`,
        found: `${x.length} values`,
        fix: 'Pass one value per training feature, in training order.',
      });
    }
    return sigmoid(this.initScore + forestRow(ff, x));
  }

  /** Path-dependent TreeSHAP in log-odds: base = init score + sum of tree expected values. */
  explain(X: Matrix, _options?: ExplainOptions): Explanation {
    this.fitted();
    checkPredictInput(X, this.nFeatures, { allowMissing: true, model: 'gbm' });
    const phi = new Float64Array(X.nRows * X.nCols);
    ensembleShap(this.trees, X, 1, phi);
    return {
      space: 'log-odds',
      method: 'tree-shap-path',
      base: this.initScore + ensembleExpectedValue(this.trees, 1),
      phi,
      nRows: X.nRows,
      nFeatures: X.nCols,
      output: this.predictMargin(X),
    };
  }

  toState(): ModelState {
    this.fitted();
    const state: GbmState = {
      version: 1,
      nFeatures: this.nFeatures,
      initScore: this.initScore,
      trees: this.trees.map(treeToJson),
      bestIteration: this.history.bestIteration,
      gains: this.gains.map((g) => Array.from(g)),
      ...(this.featureNames === undefined ? {} : { featureNames: [...this.featureNames] }),
    };
    const params: Record<string, unknown> = { ...this.params };
    return { kind: 'gbm', params, state };
  }

  static fromState(s: ModelState): GradientBoostingClassifier {
    const bad = (where: string, expected: string, found: string): MlError =>
      new MlError('AQUAOPS_E_MODEL_FORMAT', {
        argument: `state.${where}`,
        expected,
        found,
        fix: 'Restore from unmodified toState() output of a gbm model (re-export the model if it was edited).',
      });
    if (s.kind !== 'gbm') throw bad('kind', '"gbm"', JSON.stringify(s.kind));
    let model: GradientBoostingClassifier;
    try {
      model = new GradientBoostingClassifier(s.params as Partial<GbmParams>);
    } catch (e) {
      throw bad('params', 'valid gbm parameters', e instanceof Error ? e.message : String(e));
    }
    const st = s.state as Partial<GbmState> | null;
    if (typeof st !== 'object' || st === null) throw bad('state', 'an object', String(st));
    if (st.version !== 1) throw bad('state.version', '1', JSON.stringify(st.version));
    const nF = st.nFeatures;
    if (typeof nF !== 'number' || !Number.isInteger(nF) || nF < 1)
      throw bad('state.nFeatures', 'a positive integer', JSON.stringify(nF));
    if (typeof st.initScore !== 'number' || !Number.isFinite(st.initScore))
      throw bad('state.initScore', 'a finite number', JSON.stringify(st.initScore));
    if (!Array.isArray(st.trees)) throw bad('state.trees', 'an array of trees', typeof st.trees);
    const trees = st.trees.map((tj, ti) => checkTree(tj, ti, nF, bad));
    model.trees = trees;
    const g = st.gains;
    if (g !== undefined) {
      const ok =
        Array.isArray(g) &&
        g.length === trees.length &&
        g.every((a, i) => Array.isArray(a) && a.length === trees[i]?.feature.length && a.every(Number.isFinite));
      if (!ok) throw bad('state.gains', 'one finite number per node of every tree', 'a mismatching array');
      model.gains = g.map((a) => Float64Array.from(a));
    } else model.gains = trees.map((t) => new Float64Array(t.feature.length));
    model.initScore = st.initScore;
    model.nFeatures = nF;
    if (Array.isArray(st.featureNames) && st.featureNames.length === nF) model.featureNames = [...st.featureNames];
    model.forest = flattenForest(trees);
    model.history = { validLogLoss: [], bestIteration: trees.length };
    return model;
  }
}

function checkTree(
  tj: unknown,
  ti: number,
  nF: number,
  bad: (where: string, expected: string, found: string) => MlError,
): Tree {
  const where = `state.trees[${ti}]`;
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
    if (f < 0 || f >= nF) throw bad(`${where}.feature[${n}]`, `-1 or a feature index below ${nF}`, String(f));
    const l = t.left[n] as number;
    const r = t.right[n] as number;
    // Children always come after their parent, which also rules out cycles.
    if (l <= n || l >= m || r <= n || r >= m)
      throw bad(`${where}.left/right[${n}]`, `child indices in (${n}, ${m})`, `${l}, ${r}`);
  }
  return t;
}

/**
 * Configurations every search tries after the defaults. The first is XGBoost's classic tuned
 * recipe (depth-limited trees, learning rate 0.05, 300 rounds, 80% row and feature subsampling,
 * min child weight 1): on noisy tabular data with weak signal — the water-potability data is
 * one — shallow, heavily subsampled trees beat LightGBM's leaf-wise defaults.
 */
export const gbmSearchSeeds: readonly Partial<GbmParams>[] = [
  {
    numIterations: 300,
    learningRate: 0.05,
    numLeaves: 31,
    maxDepth: 5,
    minDataInLeaf: 1,
    minSumHessianInLeaf: 1,
    featureFraction: 0.8,
    baggingFraction: 0.8,
    baggingFreq: 1,
    lambdaL2: 1,
  },
  {
    numIterations: 300,
    learningRate: 0.03,
    numLeaves: 15,
    minDataInLeaf: 40,
    featureFraction: 0.7,
    baggingFraction: 0.7,
    baggingFreq: 1,
    lambdaL2: 1,
  },
];

export const gbmSpec: ModelSpec<GbmParams> = {
  kind: 'gbm',
  label: 'Gradient boosting (histogram, LightGBM-style)',
  defaults: gbmDefaults,
  searchSpace: gbmSearchSpace,
  searchSeeds: gbmSearchSeeds,
  create: (params) => new GradientBoostingClassifier(params),
  fromState: (state) => GradientBoostingClassifier.fromState(state),
};
