/**
 * Scoring one or many samples: validation against the serving model's signature, A/B routing per
 * sample, one batched predict + explain per model, and the answer a person can act on — verdict,
 * probability, additive contributions in model space and in probability, plain-word reasons, and
 * a separate rule-based guideline block. Every prediction is queued for the prediction log, and
 * the shadow version (if any) is scored after the response has gone.
 */
import { v7 } from 'uuid';
import {
  AquaopsError,
  type ErrorDetailBody,
  type Guideline,
  type GuidelineFlag,
  type Prediction,
} from '@aquaops/contracts';
import type { ModelManager, ServingModel } from '../../model/manager.js';
import { toMatrix } from '../../model/manager.js';
import type { PredictionRecord } from '../../model/types.js';
import type { Sample } from '../../model/validation.js';
import type { PredictionLog } from '../../prediction-log.js';
import type { ServerMetrics } from '../metrics/metrics.js';

export const GUIDELINE_NOTE =
  "Rule-based comparison of each value with published guideline values; this is NOT the model's verdict.";

const MAX_DETAILS = 100;

export interface PredictDeps {
  readonly manager: ModelManager;
  readonly metrics: ServerMetrics;
  readonly log: PredictionLog;
  readonly maxRows: number;
}

export interface ScoredRow {
  readonly prediction: Prediction;
  readonly record: Omit<PredictionRecord, 'latencyMs' | 'requestId'>;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(a >= 100 ? 5 : 3)));
}

function words(verdict: string): string {
  return verdict.replace(/_/g, ' ');
}

/** Turns the request body into samples, or throws a 400/413 naming what is wrong. */
export function samplesOf(body: unknown, maxRows: number): { samples: readonly unknown[]; batch: boolean } {
  if (Array.isArray(body)) {
    if (body.length === 0) {
      throw new AquaopsError('AQUAOPS_E_VALIDATION', 'the request has no samples', {
        hint: 'Send one sample object or a non-empty array of them.',
        details: [{ path: '/', expected: 'at least 1 sample', found: 'an empty array' }],
      });
    }
    if (body.length > maxRows) {
      throw new AquaopsError(
        'AQUAOPS_E_TOO_MANY_ROWS',
        `the request has ${body.length} samples; the limit is ${maxRows}`,
        {
          hint: `Split it into batches of at most ${maxRows}.`,
          details: [{ path: '/', expected: `at most ${maxRows} samples`, found: `${body.length} samples` }],
        },
      );
    }
    return { samples: body, batch: true };
  }
  if (body !== null && typeof body === 'object') return { samples: [body], batch: false };
  throw new AquaopsError('AQUAOPS_E_VALIDATION', 'the body must be a sample object or an array of them', {
    hint: 'Send JSON like {"ph": 7.1, "Hardness": 200, ...} with every feature (null = missing).',
    details: [
      { path: '/', expected: 'an object or an array of objects', found: body === undefined ? 'no body' : typeof body },
    ],
  });
}

function validationError(details: ErrorDetailBody[], n: number): AquaopsError {
  return new AquaopsError('AQUAOPS_E_VALIDATION', `${details.length} problem(s) in ${n} sample(s)`, {
    hint: 'Fix the fields listed in details; the feature list, units and bounds are at GET /api/v1/models.',
    details: details.slice(0, MAX_DETAILS).map((d) => ({ path: d.path, expected: d.expected, found: d.got })),
  });
}

/** One guideline of one feature, in the order the flags are listed (feature, then guideline). */
interface GuidelineCheck {
  readonly j: number;
  readonly feature: string;
  readonly unit: string | undefined;
  readonly guideline: Guideline;
}

/**
 * What scoring needs from a model's signature, worked out once per served model instead of on
 * every row: feature names, unit suffixes, verdict words, the flattened guideline list and the
 * model reference.
 */
interface ScoringPlan {
  readonly names: readonly string[];
  /** How a feature's value reads in a reason after the number: ` mg/L`, or '' without a unit. */
  readonly unitSuffixes: readonly string[];
  /** Reason endings for a contribution toward the positive / the negative verdict. */
  readonly towardPositive: string;
  readonly towardNegative: string;
  readonly checks: readonly GuidelineCheck[];
  /** One object shared by all of the model's predictions, frozen: it is only ever serialised. */
  readonly model: Prediction['model'];
  readonly passthrough: readonly string[];
}

/** Keyed by the serving model, so a hot swap gets a fresh plan and the old one can be collected. */
const plans = new WeakMap<ServingModel, ScoringPlan>();

function planFor(serving: ServingModel): ScoringPlan {
  const cached = plans.get(serving);
  if (cached !== undefined) return cached;
  const m = serving.model;
  const feats = m.signature.features;
  const checks: GuidelineCheck[] = [];
  feats.forEach((f, j) => {
    for (const guideline of f.guidelines ?? []) checks.push({ j, feature: f.name, unit: f.unit, guideline });
  });
  const plan: ScoringPlan = {
    names: feats.map((f) => f.name),
    unitSuffixes: feats.map((f) => (f.unit === undefined ? '' : ` ${f.unit}`)),
    towardPositive: ` pushed toward ${words(m.signature.verdicts.positive)}`,
    towardNegative: ` pushed toward ${words(m.signature.verdicts.negative)}`,
    checks,
    model: Object.freeze(
      m.alias === undefined
        ? { name: m.name, version: m.version }
        : { name: m.name, version: m.version, alias: m.alias },
    ),
    passthrough: m.signature.passthrough ?? [],
  };
  plans.set(serving, plan);
  return plan;
}

/**
 * Indices of the `k` contributions of row `at` largest in magnitude (those above 1e-9), largest
 * first; equal ones keep feature order, exactly as a stable sort would. Insertion into a k-long
 * list instead of map/filter/sort/slice, which built a wrapper object per feature on every row.
 */
function strongest(phi: Float64Array, at: number, n: number, k: number): number[] {
  const top: number[] = [];
  for (let j = 0; j < n; j++) {
    const a = Math.abs(phi[at + j]!);
    if (!(a > 1e-9)) continue; // NaN never ranks either
    let pos = top.length;
    while (pos > 0 && Math.abs(phi[at + top[pos - 1]!]!) < a) pos--;
    if (pos < k) {
      top.splice(pos, 0, j);
      if (top.length > k) top.pop();
    }
  }
  return top;
}

function guidelineFlags(checks: readonly GuidelineCheck[], row: readonly (number | null)[]): GuidelineFlag[] {
  const flags: GuidelineFlag[] = [];
  for (const { j, feature, unit, guideline: g } of checks) {
    const v = row[j];
    if (v === null || v === undefined) continue;
    const status = g.max !== undefined && v > g.max ? 'exceeds' : g.min !== undefined && v < g.min ? 'below' : 'ok';
    const flag: GuidelineFlag = {
      feature,
      value: v,
      source: g.source,
      status,
      healthBased: g.healthBased,
      note: g.note,
    };
    if (unit !== undefined) flag.unit = unit;
    if (g.min !== undefined) flag.min = g.min;
    if (g.max !== undefined) flag.max = g.max;
    flags.push(flag);
  }
  return flags;
}

type Contribution = NonNullable<Prediction['explanation']>['contributions'][number];

/** Scores validated samples with one model (batched) and builds the wire predictions. */
export function scoreWith(
  serving: ServingModel,
  samples: readonly Sample[],
  routes: readonly string[],
  ids: readonly string[],
  explain = true,
): ScoredRow[] {
  const m = serving.model;
  const plan = planFor(serving);
  const { names, unitSuffixes } = plan;
  const nf = names.length;
  const rows = samples.map((s) => names.map((name) => (s[name] as number | null | undefined) ?? null));
  const X = toMatrix(rows, nf);
  const proba = m.classifier.predictProba(X);
  // The explanation is most of a prediction's cost; callers that throw it away skip it.
  const ex = explain ? m.classifier.explain(X) : undefined;
  const pBase = ex === undefined ? 0 : ex.space === 'log-odds' ? sigmoid(ex.base) : ex.base;
  const { positive, negative } = m.signature.verdicts;
  // One timestamp for the call: its rows were scored together, by the one batched call above.
  const timestamp = new Date().toISOString();
  const out: ScoredRow[] = [];
  for (let i = 0; i < samples.length; i++) {
    const row = rows[i]!;
    const at = i * nf;
    const p = proba[i]!;
    const verdict = p >= m.threshold ? positive : negative;
    const missing: string[] = [];
    const inputs: Record<string, number | null> = {};
    for (let j = 0; j < nf; j++) {
      const value = row[j]!;
      if (value === null) missing.push(names[j]!);
      inputs[names[j]!] = value;
    }
    let explanation: Prediction['explanation'];
    if (ex !== undefined) {
      let sumPhi = 0;
      for (let j = 0; j < nf; j++) sumPhi += ex.phi[at + j]!;
      const scale = Math.abs(sumPhi) > 1e-12 ? (p - pBase) / sumPhi : 0;
      const contributions: Contribution[] = [];
      for (let j = 0; j < nf; j++) {
        const phi = ex.phi[at + j]!;
        contributions.push({ feature: names[j]!, value: row[j]!, phi, probability: phi * scale });
      }
      const reasons = strongest(ex.phi, at, nf, 3).map((j) => {
        const value = row[j]!;
        const shown = value === null ? 'missing' : `${fmt(value)}${unitSuffixes[j]!}`;
        return `${names[j]!} ${shown}${ex.phi[at + j]! > 0 ? plan.towardPositive : plan.towardNegative}`;
      });
      explanation = { space: ex.space, base: ex.base, baseProbability: pBase, contributions, reasons };
    }
    const passthrough: Record<string, string | number> = {};
    for (const k of plan.passthrough) {
      const v = samples[i]![k];
      if (typeof v === 'string' || typeof v === 'number') passthrough[k] = v;
    }
    const predictionId = ids[i]!;
    const route = routes[i]!;
    const prediction: Prediction = {
      predictionId,
      verdict,
      probability: p,
      threshold: m.threshold,
      model: plan.model,
      route,
      missing,
      guidelines: { note: GUIDELINE_NOTE, flags: guidelineFlags(plan.checks, row) },
    };
    if (explanation !== undefined) prediction.explanation = explanation;
    out.push({
      prediction,
      record: {
        predictionId,
        timestamp,
        model: plan.model,
        route,
        inputs,
        passthrough,
        probability: p,
        verdict,
        threshold: m.threshold,
        shadow: false,
      },
    });
  }
  return out;
}

/** The samples one model scores: their indices in the request and the route each took. */
interface ModelGroup {
  readonly serving: ServingModel;
  readonly idx: number[];
  readonly routes: string[];
}

/**
 * Splits samples by the model A/B routing picks for each (sticky by `stickyKey` when the sample
 * has one, else by its prediction id), in order of first appearance. Without routing there is
 * one group; a list searched linearly suits the handful of variants a table can name.
 */
function groupByModel(manager: ModelManager, samples: readonly Sample[], ids: readonly string[]): ModelGroup[] {
  const sticky = manager.routingConfig?.stickyKey;
  const groups: ModelGroup[] = [];
  for (let i = 0; i < samples.length; i++) {
    const unit = sticky === undefined ? undefined : samples[i]![sticky];
    const key = typeof unit === 'string' || typeof unit === 'number' ? String(unit) : ids[i]!;
    const { serving, route } = manager.pick(key);
    let g = groups.find((x) => x.serving === serving);
    if (g === undefined) {
      g = { serving, idx: [], routes: [] };
      groups.push(g);
    }
    g.idx.push(i);
    g.routes.push(route);
  }
  return groups;
}

/**
 * The prediction-log entry of a scored row. Spelled out field by field on purpose: an object
 * spread followed by more properties (`{ ...r, requestId }`) takes V8's slow path, about 1.6 µs
 * per record, against a few nanoseconds for a literal.
 */
function logRecord(r: ScoredRow['record'], requestId: string, latencyMs: number, shadow: boolean): PredictionRecord {
  return {
    predictionId: r.predictionId,
    timestamp: r.timestamp,
    model: r.model,
    route: r.route,
    inputs: r.inputs,
    passthrough: r.passthrough,
    probability: r.probability,
    verdict: r.verdict,
    threshold: r.threshold,
    shadow,
    requestId,
    latencyMs,
  };
}

const PREDICT_ROUTE_LABELS = { route: 'predict' } as const;

export class PredictService {
  constructor(private readonly deps: PredictDeps) {}

  /**
   * Validates, routes and scores; returns predictions in request order. `explain: false` leaves
   * out the explanation (the KServe route, which has no place for it, and `?explain=false`).
   */
  predict(
    body: unknown,
    requestId: string,
    startedAt: bigint = process.hrtime.bigint(),
    options: { readonly explain?: boolean } = {},
  ): Prediction[] {
    const { manager, metrics, log } = this.deps;
    const current = manager.serving;
    if (current === undefined) {
      throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', 'no verified model is loaded yet', {
        hint: 'Retry shortly; GET /readyz says when the server can predict.',
      });
    }
    const { samples, batch } = samplesOf(body, this.deps.maxRows);
    const details: ErrorDetailBody[] = [];
    for (let i = 0; i < samples.length && details.length < MAX_DETAILS; i++) {
      const problems = current.validate(samples[i], batch ? `/${i}` : '');
      if (problems.length > 0) details.push(...problems);
    }
    if (details.length > 0) throw validationError(details, samples.length);
    const valid = samples as readonly Sample[];

    // UUIDv7 (time-ordered, RFC 9562): the prediction log's key index then grows at its end
    // instead of at random pages; with v4 ids the log's writer was the largest cost after the model.
    const ids = valid.map(() => v7());
    const groups = groupByModel(manager, valid, ids);

    const missingProblems: ErrorDetailBody[] = [];
    for (const { serving, idx } of groups) {
      if (serving.model.classifier.handlesMissing) continue;
      for (const i of idx) {
        for (const f of serving.model.signature.features) {
          if (valid[i]![f.name] === null)
            missingProblems.push({
              path: `${batch ? `/${i}` : ''}/${f.name}`,
              expected: 'a number (this model cannot take missing values)',
              got: 'null',
            });
        }
      }
    }
    if (missingProblems.length > 0) {
      throw new AquaopsError('AQUAOPS_E_ML_MISSING_NOT_SUPPORTED', 'the serving model cannot take missing values', {
        hint: 'Measure the listed features, or serve a model version with an imputer.',
        details: missingProblems
          .slice(0, MAX_DETAILS)
          .map((d) => ({ path: d.path, expected: d.expected, found: d.got })),
      });
    }

    const result = new Array<Prediction>(valid.length);
    const records: Omit<PredictionRecord, 'latencyMs' | 'requestId'>[] = [];
    for (const g of groups) {
      const scored = scoreWith(
        g.serving,
        g.idx.map((i) => valid[i]!),
        g.routes,
        g.idx.map((i) => ids[i]!),
        options.explain !== false,
      );
      for (let k = 0; k < scored.length; k++) {
        result[g.idx[k]!] = scored[k]!.prediction;
        records.push(scored[k]!.record);
      }
    }
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    for (const r of records) {
      const version = String(r.model.version);
      metrics.predictions.inc({
        model_version: version,
        verdict: r.verdict,
        route: r.route.startsWith('ab:') ? 'ab' : r.route,
      });
      metrics.predictionProbability.observe({ model_version: version }, r.probability);
      log.push(logRecord(r, requestId, seconds * 1000, false));
    }
    metrics.predictionDuration.observe(PREDICT_ROUTE_LABELS, seconds);

    const shadow = manager.shadow;
    if (shadow !== undefined) setImmediate(() => this.scoreShadow(shadow, valid, ids, requestId));
    return result;
  }

  /** Off the response path: failures only count, the client already has its answer. */
  private scoreShadow(
    shadow: ServingModel,
    samples: readonly Sample[],
    ids: readonly string[],
    requestId: string,
  ): void {
    const { metrics, log } = this.deps;
    try {
      const t0 = process.hrtime.bigint();
      const ok = shadow.model.classifier.handlesMissing
        ? samples.map((_, i) => i)
        : samples
            .map((s, i) => (shadow.model.signature.features.some((f) => s[f.name] === null) ? -1 : i))
            .filter((i) => i >= 0);
      if (ok.length === 0) return;
      // Only the log entry of a shadow scoring is kept, so its explanation would be wasted work.
      const scored = scoreWith(
        shadow,
        ok.map((i) => samples[i]!),
        ok.map(() => 'shadow'),
        ok.map((i) => ids[i]!),
        false,
      );
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      for (const s of scored) log.push(logRecord(s.record, requestId, ms, true));
    } catch {
      metrics.shadowErrors.inc();
    }
  }
}
