/**
 * Ensembles of any classifiers of the catalogue: soft voting and stacking. Members are given as
 * `{ kind, params }` and built through a factory supplied by the caller (the model catalogue),
 * so this module knows no model family; restoring goes through the catalogue's `resolve`.
 *
 * - Voting: P(1|x) = sum_k w_k p_k(x) / sum_k w_k. Explanation: when every member explains in
 *   probability space, the weighted sum of the member explanations (exact, method 'composite',
 *   each member against its own reference set); otherwise (e.g. members explaining in log-odds,
 *   whose weighted sum would not be the ensemble's output) KernelSHAP on the ensemble's
 *   probability, in probability space.
 * - Stacking: members' out-of-fold probabilities from an internal stratified K-fold (seeded)
 *   become, as log-odds, the features of a logistic-regression meta-model; the members are then
 *   refitted on all rows. The margin is the meta-model's log-odds; explanations are KernelSHAP
 *   in that log-odds space.
 * Both keep a background sample at fit time for KernelSHAP.
 */
import { invalidArgument } from '../errors.js';
import { checkFitInput, checkPredictInput, type Labels, type Matrix, matrix, takeLabels, takeRows } from '../matrix.js';
import type { Classifier, Explanation, ExplainOptions, FitOptions, ModelSpec, ModelState } from '../model.js';
import { Rng } from '../rng.js';
import { backgroundFromJson, backgroundToJson, kernelShap, sampleBackground } from '../explain/kernel-shap.js';
import {
  checkNumber,
  formatError,
  logit,
  mergeParams,
  notFitted,
  sigmoid,
  stateObject,
  restoreParams,
  explainOpts,
} from '../explain/support.js';
import { LogisticRegression } from '../linear/logistic.js';

export interface MemberConfig {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/** Builds an unfitted classifier of a kind (the model catalogue's `create`). */
export type ModelFactory = (kind: string, params: Readonly<Record<string, unknown>>) => Classifier;

export type VotingParams = {
  readonly members: readonly MemberConfig[];
  /** One non-negative weight per member (null = equal weights). */
  readonly weights: readonly number[] | null;
  readonly seed: number;
};

export type StackingParams = {
  readonly members: readonly MemberConfig[];
  /** Folds of the internal stratified cross-validation producing out-of-fold probabilities. */
  readonly folds: number;
  /** C of the logistic-regression meta-model. */
  readonly metaC: number;
  readonly seed: number;
};

export const VOTING_KIND = 'voting';
export const STACKING_KIND = 'stacking';

const VOTING_DEFAULTS: VotingParams = { members: [], weights: null, seed: 0 };
const STACKING_DEFAULTS: StackingParams = { members: [], folds: 5, metaC: 1, seed: 0 };

function checkMembers(v: unknown): readonly MemberConfig[] {
  const fix = 'Pass members as a non-empty array of { kind: string, params: object }.';
  if (!Array.isArray(v) || v.length === 0)
    throw invalidArgument('params.members', 'a non-empty array of member models', JSON.stringify(v) ?? String(v), fix);
  v.forEach((m: unknown, i) => {
    const o = m as { kind?: unknown; params?: unknown } | null;
    if (
      o === null ||
      typeof o !== 'object' ||
      typeof o.kind !== 'string' ||
      o.params === null ||
      typeof o.params !== 'object'
    )
      throw invalidArgument(
        `params.members[${i}]`,
        '{ kind: string, params: object }',
        JSON.stringify(m) ?? String(m),
        fix,
      );
  });
  return v as readonly MemberConfig[];
}

function buildMembers(create: ModelFactory, configs: readonly MemberConfig[]): Classifier[] {
  return configs.map((c) => create(c.kind, c.params));
}

function fitWithOptions(m: Classifier, X: Matrix, y: Labels, options: FitOptions | undefined, idx?: Int32Array): void {
  const sw = options?.sampleWeight;
  if (sw === undefined) m.fit(X, y);
  else if (idx === undefined) m.fit(X, y, { sampleWeight: sw });
  else m.fit(X, y, { sampleWeight: Float64Array.from(idx, (i) => sw[i] as number) });
}

function memberStates(members: readonly Classifier[]): ModelState[] {
  return members.map((m) => m.toState());
}

function restoreMembers(kind: string, v: unknown, resolve: (inner: ModelState) => Classifier): Classifier[] {
  if (!Array.isArray(v) || v.length === 0)
    throw formatError(kind, 'members', 'a non-empty array of model states', String(v));
  return v.map((s: unknown) => resolve(s as ModelState));
}

export class VotingEnsemble implements Classifier {
  readonly kind = VOTING_KIND;
  readonly params: VotingParams;
  readonly handlesMissing: boolean;
  nFeatures = 0;
  members: Classifier[];
  private readonly w: Float64Array;
  private background: Matrix | undefined;

  constructor(params: Partial<VotingParams> | undefined, create: ModelFactory) {
    const p = mergeParams(VOTING_KIND, VOTING_DEFAULTS, params);
    const members = checkMembers(p.members);
    const w = new Float64Array(members.length).fill(1);
    if (p.weights !== null) {
      if (!Array.isArray(p.weights) || p.weights.length !== members.length)
        throw invalidArgument(
          'params.weights',
          `${members.length} weights (one per member) or null`,
          JSON.stringify(p.weights),
          'Give one weight per member.',
        );
      p.weights.forEach((x, i) => {
        w[i] = checkNumber(`weights[${i}]`, x, { min: 0 });
      });
    }
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0))
      throw invalidArgument('params.weights', 'a positive sum', String(total), 'Give some member weight > 0.');
    for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) / total;
    checkNumber('seed', p.seed, { integer: true });
    this.params = p;
    this.w = w;
    this.members = buildMembers(create, members);
    this.handlesMissing = this.members.every((m) => m.handlesMissing);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: this.handlesMissing, model: VOTING_KIND });
    this.members.forEach((m, k) => {
      fitWithOptions(m, X, labels, options);
      options?.onProgress?.({ stage: 'members', done: k + 1, total: this.members.length });
    });
    this.nFeatures = X.nCols;
    this.background = sampleBackground(X, undefined, this.params.seed);
    return this;
  }

  predictProba(X: Matrix): Float64Array {
    if (this.background === undefined) throw notFitted(VOTING_KIND, 'predictProba');
    const out = new Float64Array(X.nRows);
    this.members.forEach((m, k) => {
      const p = m.predictProba(X);
      const wk = this.w[k] as number;
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + wk * (p[i] as number);
    });
    return out;
  }

  explain(X: Matrix, options?: ExplainOptions): Explanation {
    if (this.background === undefined) throw notFitted(VOTING_KIND, 'explain');
    const parts = this.members.map((m) => m.explain(X, options));
    if (parts.every((e) => e.space === 'probability')) {
      const d = X.nCols;
      const phi = new Float64Array(X.nRows * d);
      const output = new Float64Array(X.nRows);
      let base = 0;
      parts.forEach((e, k) => {
        const wk = this.w[k] as number;
        base += wk * e.base;
        for (let t = 0; t < phi.length; t++) phi[t] = (phi[t] as number) + wk * (e.phi[t] as number);
        for (let i = 0; i < output.length; i++) output[i] = (output[i] as number) + wk * (e.output[i] as number);
      });
      return { space: 'probability', method: 'composite', base, phi, nRows: X.nRows, nFeatures: d, output };
    }
    return kernelShap((Z) => this.predictProba(Z), X, options?.background ?? this.background, {
      space: 'probability',
      ...explainOpts(options, this.params.seed),
    });
  }

  toState(): ModelState {
    if (this.background === undefined) throw notFitted(VOTING_KIND, 'toState');
    return {
      kind: VOTING_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        members: memberStates(this.members),
        background: backgroundToJson(this.background),
      },
    };
  }

  static fromState(s: ModelState, resolve: (inner: ModelState) => Classifier, create: ModelFactory): VotingEnsemble {
    const o = stateObject(s, VOTING_KIND);
    const m: VotingEnsemble = restoreParams(
      VOTING_KIND,
      () => new VotingEnsemble(s.params as Partial<VotingParams>, create),
    );
    m.members = restoreMembers(VOTING_KIND, o.members, resolve);
    if (m.members.length !== m.params.members.length)
      throw formatError(VOTING_KIND, 'members', `${m.params.members.length} member states`, `${m.members.length}`);
    if (typeof o.nFeatures !== 'number' || !Number.isInteger(o.nFeatures))
      throw formatError(VOTING_KIND, 'nFeatures', 'an integer', String(o.nFeatures));
    m.nFeatures = o.nFeatures;
    m.background = backgroundFromJson(o.background, m.nFeatures, VOTING_KIND);
    return m;
  }
}

/** Seeded stratified fold assignment: each class's rows are shuffled and dealt round-robin. */
export function stratifiedFolds(y: Labels, k: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const fold = new Int32Array(y.length);
  for (let c = 0; c < 2; c++) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) idx.push(i);
    rng.shuffle(idx);
    idx.forEach((row, pos) => {
      fold[row] = pos % k;
    });
  }
  return fold;
}

export class StackingEnsemble implements Classifier {
  readonly kind = STACKING_KIND;
  readonly params: StackingParams;
  readonly handlesMissing: boolean;
  nFeatures = 0;
  members: Classifier[];
  meta: LogisticRegression | undefined;
  private readonly create: ModelFactory;
  private background: Matrix | undefined;

  constructor(params: Partial<StackingParams> | undefined, create: ModelFactory) {
    const p = mergeParams(STACKING_KIND, STACKING_DEFAULTS, params);
    checkMembers(p.members);
    checkNumber('folds', p.folds, { min: 2, max: 20, integer: true });
    checkNumber('metaC', p.metaC, { min: 0, exclusiveMin: true });
    checkNumber('seed', p.seed, { integer: true });
    this.params = p;
    this.create = create;
    this.members = buildMembers(create, p.members);
    this.handlesMissing = this.members.every((m) => m.handlesMissing);
  }

  fit(X: Matrix, y: ArrayLike<number>, options?: FitOptions): this {
    const labels = checkFitInput(X, y, { allowMissing: this.handlesMissing, model: STACKING_KIND });
    const K = this.params.folds;
    let pos = 0;
    for (let i = 0; i < labels.length; i++) pos += labels[i] as number;
    if (Math.min(pos, labels.length - pos) < K) {
      throw invalidArgument(
        'y',
        `at least ${K} rows of each class for the internal ${K}-fold cross-validation`,
        `${pos} positive and ${labels.length - pos} negative rows`,
        'Add data or lower params.folds.',
      );
    }
    const fold = stratifiedFolds(labels, K, this.params.seed);
    const n = X.nRows;
    const M = this.members.length;
    const Z = new Float64Array(n * M);
    const total = K * M + M;
    let done = 0;
    for (let f = 0; f < K; f++) {
      const tr: number[] = [];
      const te: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? te : tr).push(i);
      const trIdx = Int32Array.from(tr);
      const Xtr = takeRows(X, trIdx);
      const ytr = takeLabels(labels, trIdx);
      const Xte = takeRows(X, te);
      this.params.members.forEach((cfg, k) => {
        const m = this.create(cfg.kind, cfg.params);
        fitWithOptions(m, Xtr, ytr, options, trIdx);
        const p = m.predictProba(Xte);
        te.forEach((row, r) => {
          Z[k * n + row] = logit(p[r] as number, 1e-6);
        });
        options?.onProgress?.({ stage: 'stacking-cv', done: ++done, total });
      });
    }
    this.meta = new LogisticRegression({ C: this.params.metaC }).fit(matrix(n, M, Z), labels);
    this.members.forEach((m) => {
      fitWithOptions(m, X, labels, options);
      options?.onProgress?.({ stage: 'members', done: ++done, total });
    });
    this.nFeatures = X.nCols;
    this.background = sampleBackground(X, undefined, this.params.seed);
    return this;
  }

  /** Log-odds of the meta-model on the members' probabilities (as log-odds). */
  predictMargin(X: Matrix): Float64Array {
    const meta = this.meta;
    if (meta === undefined) throw notFitted(STACKING_KIND, 'predictMargin');
    const n = X.nRows;
    const M = this.members.length;
    const Z = new Float64Array(n * M);
    this.members.forEach((m, k) => {
      const p = m.predictProba(X);
      for (let i = 0; i < n; i++) Z[k * n + i] = logit(p[i] as number, 1e-6);
    });
    return meta.predictMargin(matrix(n, M, Z));
  }

  predictProba(X: Matrix): Float64Array {
    const z = this.predictMargin(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i] as number);
    return z;
  }

  /** KernelSHAP in the meta-model's log-odds. */
  explain(X: Matrix, options?: ExplainOptions): Explanation {
    if (this.background === undefined) throw notFitted(STACKING_KIND, 'explain');
    checkPredictInput(X, this.nFeatures, { allowMissing: this.handlesMissing, model: STACKING_KIND });
    return kernelShap((Z) => this.predictMargin(Z), X, options?.background ?? this.background, {
      space: 'log-odds',
      ...explainOpts(options, this.params.seed),
    });
  }

  toState(): ModelState {
    if (this.meta === undefined || this.background === undefined) throw notFitted(STACKING_KIND, 'toState');
    return {
      kind: STACKING_KIND,
      params: { ...this.params },
      state: {
        nFeatures: this.nFeatures,
        members: memberStates(this.members),
        meta: this.meta.toState(),
        background: backgroundToJson(this.background),
      },
    };
  }

  static fromState(s: ModelState, resolve: (inner: ModelState) => Classifier, create: ModelFactory): StackingEnsemble {
    const o = stateObject(s, STACKING_KIND);
    const m: StackingEnsemble = restoreParams(
      STACKING_KIND,
      () => new StackingEnsemble(s.params as Partial<StackingParams>, create),
    );
    m.members = restoreMembers(STACKING_KIND, o.members, resolve);
    if (m.members.length !== m.params.members.length)
      throw formatError(STACKING_KIND, 'members', `${m.params.members.length} member states`, `${m.members.length}`);
    m.meta = LogisticRegression.fromState(o.meta as ModelState);
    if (m.meta.nFeatures !== m.members.length)
      throw formatError(
        STACKING_KIND,
        'meta.nFeatures',
        `${m.members.length} (one per member)`,
        String(m.meta.nFeatures),
      );
    if (typeof o.nFeatures !== 'number' || !Number.isInteger(o.nFeatures))
      throw formatError(STACKING_KIND, 'nFeatures', 'an integer', String(o.nFeatures));
    m.nFeatures = o.nFeatures;
    m.background = backgroundFromJson(o.background, m.nFeatures, STACKING_KIND);
    return m;
  }
}

/** The voting family's spec, bound to the catalogue's factory (members are built through it). */
export function createVotingSpec(create: ModelFactory): ModelSpec<VotingParams> {
  return {
    kind: VOTING_KIND,
    label: 'Soft-voting ensemble',
    defaults: VOTING_DEFAULTS,
    create: (params) => new VotingEnsemble(params, create),
    fromState: (state, resolve) => VotingEnsemble.fromState(state, resolve, create),
  };
}

/** The stacking family's spec, bound to the catalogue's factory. */
export function createStackingSpec(create: ModelFactory): ModelSpec<StackingParams> {
  return {
    kind: STACKING_KIND,
    label: 'Stacking ensemble (logistic-regression meta-model)',
    defaults: STACKING_DEFAULTS,
    searchSpace: { metaC: { type: 'float', min: 0.01, max: 100, log: true } },
    create: (params) => new StackingEnsemble(params, create),
    fromState: (state, resolve) => StackingEnsemble.fromState(state, resolve, create),
  };
}
