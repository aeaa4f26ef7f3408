/**
 * Scoring one or many samples: validation against the serving model's signature, A/B routing per
 * sample, one batched predict + explain per model, and the answer a person can act on — verdict,
 * probability, additive contributions in model space and in probability, plain-word reasons, and
 * a separate rule-based guideline block. Every prediction is queued for the prediction log, and
 * the shadow version (if any) is scored after the response has gone.
 */
import { randomUUID } from 'node:crypto';
import { AquaopsError, type ErrorDetailBody, type GuidelineFlag, type Prediction } from '@aquaops/contracts';
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

/** Scores validated samples with one model (batched) and builds the wire predictions. */
export function scoreWith(
  serving: ServingModel,
  samples: readonly Sample[],
  routes: readonly string[],
  ids: readonly string[],
): ScoredRow[] {
  const m = serving.model;
  const feats = m.signature.features;
  const nf = feats.length;
  const rows = samples.map((s) => feats.map((f) => (s[f.name] as number | null | undefined) ?? null));
  const X = toMatrix(rows, nf);
  const proba = m.classifier.predictProba(X);
  const ex = m.classifier.explain(X);
  const pBase = ex.space === 'log-odds' ? sigmoid(ex.base) : ex.base;
  const { positive, negative } = m.signature.verdicts;
  const passNames = m.signature.passthrough ?? [];
  const out: ScoredRow[] = [];
  for (let i = 0; i < samples.length; i++) {
    const p = proba[i]!;
    const verdict = p >= m.threshold ? positive : negative;
    let sumPhi = 0;
    for (let j = 0; j < nf; j++) sumPhi += ex.phi[i * nf + j]!;
    const scale = Math.abs(sumPhi) > 1e-12 ? (p - pBase) / sumPhi : 0;
    const contributions = feats.map((f, j) => {
      const phi = ex.phi[i * nf + j]!;
      return { feature: f.name, value: rows[i]![j]!, phi, probability: phi * scale };
    });
    const ranked = contributions
      .map((c, j) => ({ c, j }))
      .filter(({ c }) => Math.abs(c.phi) > 1e-9)
      .sort((a, b) => Math.abs(b.c.phi) - Math.abs(a.c.phi))
      .slice(0, 3);
    const reasons = ranked.map(({ c, j }) => {
      const unit = feats[j]!.unit;
      const shown = c.value === null ? 'missing' : `${fmt(c.value)}${unit === undefined ? '' : ` ${unit}`}`;
      return `${c.feature} ${shown} pushed toward ${words(c.phi > 0 ? positive : negative)}`;
    });
    const flags: GuidelineFlag[] = [];
    feats.forEach((f, j) => {
      const v = rows[i]![j];
      if (v === null || v === undefined) return;
      for (const g of f.guidelines ?? []) {
        const status = g.max !== undefined && v > g.max ? 'exceeds' : g.min !== undefined && v < g.min ? 'below' : 'ok';
        const flag: GuidelineFlag = {
          feature: f.name,
          value: v,
          source: g.source,
          status,
          healthBased: g.healthBased,
          note: g.note,
        };
        if (f.unit !== undefined) flag.unit = f.unit;
        if (g.min !== undefined) flag.min = g.min;
        if (g.max !== undefined) flag.max = g.max;
        flags.push(flag);
      }
    });
    const missing = feats.filter((_, j) => rows[i]![j] === null).map((f) => f.name);
    const model =
      m.alias === undefined
        ? { name: m.name, version: m.version }
        : { name: m.name, version: m.version, alias: m.alias };
    const predictionId = ids[i]!;
    const inputs: Record<string, number | null> = {};
    feats.forEach((f, j) => {
      inputs[f.name] = rows[i]![j]!;
    });
    const passthrough: Record<string, string | number> = {};
    for (const k of passNames) {
      const v = samples[i]![k];
      if (typeof v === 'string' || typeof v === 'number') passthrough[k] = v;
    }
    const route = routes[i]!;
    out.push({
      prediction: {
        predictionId,
        verdict,
        probability: p,
        threshold: m.threshold,
        model,
        route,
        missing,
        explanation: { space: ex.space, base: ex.base, baseProbability: pBase, contributions, reasons },
        guidelines: { note: GUIDELINE_NOTE, flags },
      },
      record: {
        predictionId,
        timestamp: new Date().toISOString(),
        model,
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

export class PredictService {
  constructor(private readonly deps: PredictDeps) {}

  /** Validates, routes and scores; returns predictions in request order. */
  predict(body: unknown, requestId: string, startedAt: bigint = process.hrtime.bigint()): Prediction[] {
    const { manager, metrics, log } = this.deps;
    const current = manager.serving;
    if (current === undefined) {
      throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', 'no verified model is loaded yet', {
        hint: 'Retry shortly; GET /readyz says when the server can predict.',
      });
    }
    const { samples, batch } = samplesOf(body, this.deps.maxRows);
    const details: ErrorDetailBody[] = [];
    samples.forEach((s, i) => {
      if (details.length < MAX_DETAILS) details.push(...current.validate(s, batch ? `/${i}` : ''));
    });
    if (details.length > 0) throw validationError(details, samples.length);
    const valid = samples as readonly Sample[];

    const sticky = manager.routingConfig?.stickyKey;
    const ids = valid.map(() => randomUUID());
    const groups = new Map<ServingModel, { idx: number[]; routes: string[] }>();
    valid.forEach((s, i) => {
      const key =
        sticky !== undefined && (typeof s[sticky] === 'string' || typeof s[sticky] === 'number')
          ? String(s[sticky])
          : ids[i]!;
      const { serving, route } = manager.pick(key);
      const g = groups.get(serving) ?? { idx: [], routes: [] };
      g.idx.push(i);
      g.routes.push(route);
      groups.set(serving, g);
    });

    const missingProblems: ErrorDetailBody[] = [];
    for (const [serving, g] of groups) {
      if (serving.model.classifier.handlesMissing) continue;
      for (const i of g.idx) {
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
    for (const [serving, g] of groups) {
      const scored = scoreWith(
        serving,
        g.idx.map((i) => valid[i]!),
        g.routes,
        g.idx.map((i) => ids[i]!),
      );
      scored.forEach((s, k) => {
        result[g.idx[k]!] = s.prediction;
        records.push(s.record);
      });
    }
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    for (const r of records) {
      metrics.predictions.inc({
        model_version: String(r.model.version),
        verdict: r.verdict,
        route: r.route.startsWith('ab:') ? 'ab' : r.route,
      });
      metrics.predictionProbability.observe({ model_version: String(r.model.version) }, r.probability);
      log.push({ ...r, requestId, latencyMs: seconds * 1000 });
    }
    metrics.predictionDuration.observe({ route: 'predict' }, seconds);

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
      const scored = scoreWith(
        shadow,
        ok.map((i) => samples[i]!),
        ok.map(() => 'shadow'),
        ok.map((i) => ids[i]!),
      );
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      for (const s of scored) log.push({ ...s.record, requestId, latencyMs: ms, shadow: true });
    } catch {
      metrics.shadowErrors.inc();
    }
  }
}
