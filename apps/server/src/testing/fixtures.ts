/**
 * Test fixtures: the water-potability signature (units, physical bounds, WHO/EPA guideline values
 * from shared/data/README.md), a small logistic-regression classifier with exact linear SHAP
 * (fitted by gradient descent, so it is a real model, not canned numbers), a deterministic
 * synthetic sample generator, and helpers that build an app on in-memory boundaries.
 */
import type { ModelSignature } from '@aquaops/contracts';
import { buildApp, type ServerApp } from '../app.js';
import { DEFAULT_CONFIG, hashApiKey, parseApiKeyHash, type ServerConfig } from '../config.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from '../model/memory.js';
import type { ServedClassifier, ServedExplanation, ServedMatrix } from '../model/types.js';

const WHO = 'WHO GDWQ 4th ed.';
const EPA = 'US EPA';

export const SIGNATURE: ModelSignature = {
  schema: { name: 'water_potability', version: '1' },
  label: { name: 'Potability', positive: 1 },
  verdicts: { positive: 'potable', negative: 'not_potable' },
  features: [
    {
      name: 'ph',
      type: 'number',
      unit: 'pH',
      min: 0,
      max: 14,
      guidelines: [{ source: EPA, min: 6.5, max: 8.5, healthBased: false, note: 'secondary, non-enforceable' }],
    },
    { name: 'Hardness', type: 'number', unit: 'mg/L', min: 0, max: 2000 },
    {
      name: 'Solids',
      type: 'number',
      unit: 'mg/L',
      min: 0,
      max: 200000,
      guidelines: [{ source: EPA, max: 500, healthBased: false, note: 'secondary' }],
    },
    {
      name: 'Chloramines',
      type: 'number',
      unit: 'mg/L',
      min: 0,
      max: 50,
      guidelines: [
        { source: WHO, max: 3, healthBased: true, note: 'monochloramine' },
        { source: EPA, max: 4, healthBased: true, note: 'maximum residual disinfectant level' },
      ],
    },
    {
      name: 'Sulfate',
      type: 'number',
      unit: 'mg/L',
      min: 0,
      max: 2000,
      guidelines: [{ source: EPA, max: 250, healthBased: false, note: 'secondary' }],
    },
    { name: 'Conductivity', type: 'number', unit: 'µS/cm', min: 0, max: 5000 },
    { name: 'Organic_carbon', type: 'number', unit: 'mg/L', min: 0, max: 100 },
    {
      name: 'Trihalomethanes',
      type: 'number',
      unit: 'µg/L',
      min: 0,
      max: 1000,
      guidelines: [{ source: EPA, max: 80, healthBased: true, note: 'maximum contaminant level (total)' }],
    },
    {
      name: 'Turbidity',
      type: 'number',
      unit: 'NTU',
      min: 0,
      max: 100,
      guidelines: [{ source: WHO, max: 5, healthBased: false, note: 'acceptability' }],
    },
  ],
  passthrough: ['siteId'],
};

const MEANS = [7.08, 196, 22000, 7.12, 334, 426, 14.3, 66.4, 3.97];
const STDS = [1.59, 33, 8700, 1.58, 41, 81, 3.3, 16.2, 0.78];

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Synthetic samples near the dataset's per-feature means/stds; the label depends on sulfate and pH. */
export function syntheticData(n: number, seed: number): { rows: number[][]; y: number[] } {
  const rand = mulberry32(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = MEANS.map((m, j) => Math.max(0.01, m + STDS[j]! * gauss(rand)));
    rows.push(r);
    const score = -(r[4]! - 334) / 41 - 0.6 * Math.abs(r[0]! - 7) + 0.5 * gauss(rand);
    y.push(score > -0.4 ? 1 : 0);
  }
  return { rows, y };
}

export function sampleObject(row: readonly (number | null)[]): Record<string, number | null> {
  const o: Record<string, number | null> = {};
  SIGNATURE.features.forEach((f, j) => {
    o[f.name] = row[j] ?? null;
  });
  return o;
}

/** Logistic regression on standardised inputs; missing values are imputed with the training mean. */
export class LogisticFixture implements ServedClassifier {
  readonly kind = 'logistic-fixture';
  readonly handlesMissing = true;
  readonly nFeatures: number;
  private mu: number[];
  private sd: number[];
  private w: number[];
  private b = 0;

  constructor(nFeatures: number) {
    this.nFeatures = nFeatures;
    this.mu = new Array<number>(nFeatures).fill(0);
    this.sd = new Array<number>(nFeatures).fill(1);
    this.w = new Array<number>(nFeatures).fill(0);
  }

  fit(rows: readonly (readonly number[])[], y: readonly number[], epochs = 200, lr = 0.5): this {
    const n = rows.length;
    const d = this.nFeatures;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (const r of rows) s += r[j]!;
      this.mu[j] = s / n;
      let v = 0;
      for (const r of rows) v += (r[j]! - this.mu[j]!) ** 2;
      this.sd[j] = Math.sqrt(v / n) || 1;
    }
    const Z = rows.map((r) => r.map((x, j) => (x - this.mu[j]!) / this.sd[j]!));
    const v = new Array<number>(d).fill(0);
    let c = 0;
    for (let e = 0; e < epochs; e++) {
      const g = new Array<number>(d).fill(0);
      let gb = 0;
      for (let i = 0; i < n; i++) {
        let m = c;
        for (let j = 0; j < d; j++) m += v[j]! * Z[i]![j]!;
        const err = 1 / (1 + Math.exp(-m)) - y[i]!;
        for (let j = 0; j < d; j++) g[j]! += (err * Z[i]![j]!) / n;
        gb += err / n;
      }
      for (let j = 0; j < d; j++) v[j]! -= lr * g[j]!;
      c -= lr * gb;
    }
    // Back to raw units: margin = b + sum w_j x_j.
    this.w = v.map((vj, j) => vj / this.sd[j]!);
    this.b = c - v.reduce((s, vj, j) => s + (vj * this.mu[j]!) / this.sd[j]!, 0);
    return this;
  }

  private value(X: ServedMatrix, i: number, j: number): number {
    const x = X.data[j * X.nRows + i]!;
    return Number.isNaN(x) ? this.mu[j]! : x;
  }

  predictMargin(X: ServedMatrix): Float64Array {
    const out = new Float64Array(X.nRows);
    for (let i = 0; i < X.nRows; i++) {
      let m = this.b;
      for (let j = 0; j < this.nFeatures; j++) m += this.w[j]! * this.value(X, i, j);
      out[i] = m;
    }
    return out;
  }

  predictProba(X: ServedMatrix): Float64Array {
    return this.predictMargin(X).map((m) => 1 / (1 + Math.exp(-m)));
  }

  /** Exact SHAP of a linear model under feature independence: phi_j = w_j (x_j − E[x_j]). */
  explain(X: ServedMatrix): ServedExplanation {
    const d = this.nFeatures;
    const phi = new Float64Array(X.nRows * d);
    let base = this.b;
    for (let j = 0; j < d; j++) base += this.w[j]! * this.mu[j]!;
    for (let i = 0; i < X.nRows; i++) {
      for (let j = 0; j < d; j++) phi[i * d + j] = this.w[j]! * (this.value(X, i, j) - this.mu[j]!);
    }
    return { space: 'log-odds', base, phi, nRows: X.nRows, nFeatures: d, output: this.predictMargin(X) };
  }

  toState() {
    return { kind: this.kind, params: {}, state: { mu: this.mu, sd: this.sd, w: this.w, b: this.b } };
  }
}

/** A model whose probabilities are NaN: must be refused by verification. */
export class BrokenFixture extends LogisticFixture {
  override predictProba(X: ServedMatrix): Float64Array {
    return new Float64Array(X.nRows).fill(Number.NaN);
  }
}

export function fittedModel(seed: number, n = 400): LogisticFixture {
  const { rows, y } = syntheticData(n, seed);
  return new LogisticFixture(SIGNATURE.features.length).fit(rows, y);
}

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
let cachedHash: string | undefined;
export function adminHash(): string {
  cachedHash ??= hashApiKey(ADMIN_KEY, { N: 1024 });
  return cachedHash;
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const h = parseApiKeyHash(adminHash());
  if (typeof h === 'string') throw new Error(h);
  return {
    ...DEFAULT_CONFIG,
    port: 0,
    logLevel: 'silent',
    modelPollIntervalMs: 50,
    adminKeyHashes: [h],
    predictionLog: { capacity: 1000, batchSize: 100, flushIntervalMs: 20 },
    ...overrides,
  };
}

export interface TestServer extends ServerApp {
  readonly source: InMemoryModelSource;
  readonly sink: InMemoryPredictionSink;
  readonly feedback: InMemoryFeedbackStore;
}

/** App with v1 (champion) and v2 of `water-potability` registered in memory. */
export async function testServer(
  overrides: Partial<ServerConfig> = {},
  opts: { champion?: boolean } = {},
): Promise<TestServer> {
  const source = new InMemoryModelSource();
  source.addVersion({
    name: 'water-potability',
    classifier: fittedModel(1),
    signature: SIGNATURE,
    metrics: { roc_auc: 0.71 },
    card: { intendedUse: 'tests' },
  });
  source.addVersion({ name: 'water-potability', classifier: fittedModel(2), signature: SIGNATURE, threshold: 0.45 });
  if (opts.champion !== false)
    await source.setAlias('water-potability', 'champion', 1, { reason: 'initial', actor: 'test' });
  const sink = new InMemoryPredictionSink();
  const feedback = new InMemoryFeedbackStore();
  const built = await buildApp({ source, admin: source, sink, feedback, processMetrics: false }, testConfig(overrides));
  return { ...built, source, sink, feedback };
}

export const GOOD_SAMPLE = sampleObject([7.1, 200, 21000, 7.0, 480, 420, 14, 66, 4]);
