/**
 * k-nearest-neighbour classifier (kind `knn`): brute-force squared Euclidean search over the
 * row-major training set, uniform or inverse-distance votes scaled by sample weights, KernelSHAP
 * explanations in probability space (with a distance-reuse fast path) and JSON state.
 */
import { checkFitInput, checkPredictInput, type Matrix } from '../matrix.js';
import type {
  Classifier,
  Explanation,
  ExplainOptions,
  FitOptions,
  ModelSpec,
  ModelState,
  ParamRange,
} from '../model.js';
import {
  backgroundFromJson,
  backgroundToJson,
  type CoalitionValuesFn,
  kernelShap,
  sampleBackground,
} from '../explain/kernel-shap.js';
import {
  checkChoice,
  checkNumber,
  checkSampleWeight,
  coalitionDistances,
  formatError,
  mergeParams,
  notFitted,
  stateFloats,
  stateNumber,
  stateObject,
  toRowMajor,
  restoreParams,
  explainOpts,
} from '../explain/support.js';

export type KnnParams = {
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  /** Seed of the background sample kept for explanations. */
  readonly seed: number;
};

export const KNN_KIND = 'knn';
const DEFAULTS: KnnParams = { k: 5, weights: 'uniform', seed: 0 };

function validate(p: Partial<KnnParams> | undefined): KnnParams {
  const m = mergeParams(KNN_KIND, DEFAULTS, p);
  checkNumber('k', m.k, { min: 1, max: 10000, integer: true });
  checkChoice('weights', m.weights, ['uniform', 'distance'] as const);
  checkNumber('seed', m.seed, { integer: true });
  return m;
}

export class KNeighborsClassifier implements Classifier {
  readonly kind = KNN_KIND;
  readonly params: KnnParams;
  readonly handlesMissing = false;
  nFeatures = 0;
  private nTrain = 0;
  /** Row-major training features. */
  private train: Float64Array = new Float64Array(0);
  private labels: Uint8Array = new Uint8Array(0);
  /** Per-row vote weights (sample weights; all 1 when none were given). */
  private rowWeight: Float64Array = new Float64Array(0);
  private background: Matrix | undefined;

  constructor(params?: Partial<KnnParams>) {
    this.params = validate(params);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: false, model: KNN_KIND });
    const sw = checkSampleWeight(options?.sampleWeight, X.nRows);
    this.nFeatures = X.nCols;
    this.nTrain = X.nRows;
    this.train = toRowMajor(X.data, X.nRows, X.nCols);
    this.labels = labels;
    this.rowWeight = sw === undefined ? new Float64Array(X.nRows).fill(1) : Float64Array.from(sw);
    this.background = sampleBackground(X, undefined, this.params.seed);
    return this;
  }

  predictProba(X: Matrix): Float64Array {
    if (this.background === undefined) throw notFitted(KNN_KIND, 'predictProba');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: KNN_KIND });
    const n = X.nRows;
    const d = this.nFeatures;
    const nt = this.nTrain;
    const k = Math.min(this.params.k, nt);
    const train = this.train;
    const q = new Float64Array(d);
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) q[j] = X.data[j * n + i] as number;
      let filled = 0;
      let worst = Number.POSITIVE_INFINITY;
      for (let t = 0; t < nt; t++) {
        let s = 0;
        const off = t * d;
        for (let j = 0; j < d; j++) {
          const diff = (train[off + j] as number) - (q[j] as number);
          s += diff * diff;
          if (s >= worst) break; // cannot enter the top k (ties keep the earlier index)
        }
        if (s >= worst) continue;
        filled = insertNeighbour(bestD, bestI, filled, k, s, t);
        if (filled === k) worst = bestD[k - 1] as number;
      }
      out[i] = this.vote(bestD, bestI, k);
    }
    return out;
  }

  /** KernelSHAP in probability space (kNN has no margin). */
  explain(X: Matrix, options?: ExplainOptions): Explanation {
    if (this.background === undefined) throw notFitted(KNN_KIND, 'explain');
    checkPredictInput(X, this.nFeatures, { allowMissing: false, model: KNN_KIND });
    return kernelShap((Z) => this.predictProba(Z), X, options?.background ?? this.background, {
      space: 'probability',
      ...explainOpts(options, this.params.seed),
      coalitionValues: this.coalitionValues,
    });
  }

  /**
   * KernelSHAP's coalition values without synthetic rows: the squared distances from every
   * (background row, training row) pair are updated only for the features whose membership
   * changes between consecutive coalitions (~2x faster than the generic path on 2,600 rows).
   * Equals the generic values up to the rounding of exactly tied distances.
   */
  private readonly coalitionValues: CoalitionValuesFn = (x, bg, mask, count, out) => {
    const nt = this.nTrain;
    const B = bg.nRows;
    const distances = coalitionDistances(x, bg, this.train, nt, this.nFeatures);
    const k = Math.min(this.params.k, nt);
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    for (let c = 0; c < count; c++) {
      const dist = distances(mask, c);
      let total = 0;
      for (let b = 0; b < B; b++) {
        let filled = 0;
        let worst = Number.POSITIVE_INFINITY;
        const o = b * nt;
        for (let t = 0; t < nt; t++) {
          // Rounding can leave a tiny negative distance where the true one is 0.
          const s = Math.max(0, dist[o + t] as number);
          if (s >= worst) continue;
          filled = insertNeighbour(bestD, bestI, filled, k, s, t);
          if (filled === k) worst = bestD[k - 1] as number;
        }
        total += this.vote(bestD, bestI, k);
      }
      out[c] = total / B;
    }
  };

  /** Weighted share of class 1 among the k sorted neighbours (squared distances in bestD). */
  private vote(bestD: Float64Array, bestI: Int32Array, k: number): number {
    let num = 0;
    let den = 0;
    const byDistance = this.params.weights === 'distance';
    if (byDistance && bestD[0] === 0) {
      for (let r = 0; r < k && bestD[r] === 0; r++) {
        const w = this.rowWeight[bestI[r] as number] as number;
        den += w;
        num += w * (this.labels[bestI[r] as number] as number);
      }
    } else {
      for (let r = 0; r < k; r++) {
        const t = bestI[r] as number;
        const w = (this.rowWeight[t] as number) * (byDistance ? 1 / Math.sqrt(bestD[r] as number) : 1);
        den += w;
        num += w * (this.labels[t] as number);
      }
    }
    return den > 0 ? num / den : 0.5;
  }

  toState(): ModelState {
    if (this.background === undefined) throw notFitted(KNN_KIND, 'toState');
    return {
      kind: KNN_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        nTrain: this.nTrain,
        train: Array.from(this.train),
        labels: Array.from(this.labels),
        rowWeight: Array.from(this.rowWeight),
        background: backgroundToJson(this.background),
      },
    };
  }

  static fromState(s: ModelState): KNeighborsClassifier {
    const o = stateObject(s, KNN_KIND);
    const m: KNeighborsClassifier = restoreParams(
      KNN_KIND,
      () => new KNeighborsClassifier(s.params as Partial<KnnParams>),
    );
    const d = stateNumber(KNN_KIND, o, 'nFeatures', true);
    const nt = stateNumber(KNN_KIND, o, 'nTrain', true);
    m.nFeatures = d;
    m.nTrain = nt;
    m.train = stateFloats(KNN_KIND, o, 'train', nt * d);
    const lab = stateFloats(KNN_KIND, o, 'labels', nt);
    m.labels = new Uint8Array(nt);
    for (let i = 0; i < nt; i++) {
      const v = lab[i] as number;
      if (v !== 0 && v !== 1) throw formatError(KNN_KIND, `labels[${i}]`, '0 or 1', String(v));
      m.labels[i] = v;
    }
    m.rowWeight = stateFloats(KNN_KIND, o, 'rowWeight', nt);
    m.background = backgroundFromJson(o.background, d, KNN_KIND);
    return m;
  }
}

/**
 * Inserts candidate t at squared distance s into the ascending top-k buffer holding `filled`
 * entries (the last one drops out when it is full; ties keep the earlier index) and returns the
 * new fill count. Callers skip candidates at or beyond the current k-th distance first.
 */
function insertNeighbour(
  bestD: Float64Array,
  bestI: Int32Array,
  filled: number,
  k: number,
  s: number,
  t: number,
): number {
  const n = filled < k ? filled + 1 : k;
  let pos = n - 1;
  while (pos > 0 && (bestD[pos - 1] as number) > s) {
    bestD[pos] = bestD[pos - 1] as number;
    bestI[pos] = bestI[pos - 1] as number;
    pos--;
  }
  bestD[pos] = s;
  bestI[pos] = t;
  return n;
}

const SEARCH: Record<string, ParamRange> = {
  k: { type: 'int', min: 3, max: 101, log: true },
  weights: { type: 'choice', values: ['uniform', 'distance'] },
};

export const knnSpec: ModelSpec<KnnParams> = {
  kind: KNN_KIND,
  label: 'k-nearest neighbours',
  defaults: DEFAULTS,
  searchSpace: SEARCH,
  create: (params) => new KNeighborsClassifier(params),
  fromState: (state) => KNeighborsClassifier.fromState(state),
};
