/**
 * The predict service's answer, row by row: reasons name the largest contributions in the order a
 * stable sort by magnitude gives (ties in feature order, near-zero ones left out), guideline flags
 * and `missing` follow the values, and with A/B routing every prediction lands back at its place
 * in the request and is logged with exactly what the client was told.
 */
import type { Routing } from '@aquaops/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServingModel } from '../../model/manager.js';
import type { ServedClassifier, ServedExplanation, ServedMatrix } from '../../model/types.js';
import { compileSampleValidator, type Sample } from '../../model/validation.js';
import {
  ADMIN_KEY,
  GOOD_SAMPLE,
  mulberry32,
  SIGNATURE,
  sampleObject,
  type TestServer,
  testServer,
} from '../../testing/fixtures.js';
import { scoreWith } from './service.js';

/** phi_j = x_j − 5 (missing → 0), margin = sum of phi: contributions, ties included, are set by the inputs. */
class OffsetClassifier implements ServedClassifier {
  readonly kind = 'offset-fixture';
  readonly handlesMissing = true;
  readonly nFeatures = SIGNATURE.features.length;

  private phi(X: ServedMatrix): Float64Array {
    const d = this.nFeatures;
    const phi = new Float64Array(X.nRows * d);
    for (let i = 0; i < X.nRows; i++) {
      for (let j = 0; j < d; j++) {
        const x = X.data[j * X.nRows + i]!;
        phi[i * d + j] = Number.isNaN(x) ? 0 : x - 5;
      }
    }
    return phi;
  }

  private margins(phi: Float64Array, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < this.nFeatures; j++) out[i]! += phi[i * this.nFeatures + j]!;
    return out;
  }

  predictProba(X: ServedMatrix): Float64Array {
    return this.margins(this.phi(X), X.nRows).map((m) => 1 / (1 + Math.exp(-m)));
  }

  explain(X: ServedMatrix): ServedExplanation {
    const phi = this.phi(X);
    return {
      space: 'log-odds',
      base: 0,
      phi,
      nRows: X.nRows,
      nFeatures: this.nFeatures,
      output: this.margins(phi, X.nRows),
    };
  }

  toState() {
    return { kind: this.kind, params: {}, state: {} };
  }
}

const serving: ServingModel = {
  model: {
    name: 'water-potability',
    version: 3,
    signature: SIGNATURE,
    classifier: new OffsetClassifier(),
    threshold: 0.5,
    checksum: 'sha256:test',
  },
  validate: compileSampleValidator(SIGNATURE),
  loadedAt: '2026-01-01T00:00:00.000Z',
};

/** The features a stable sort by |phi| (largest first) puts in the first three places, above 1e-9. */
function expectedReasonFeatures(phi: readonly number[]): string[] {
  return phi
    .map((p, j) => ({ p, name: SIGNATURE.features[j]!.name }))
    .filter(({ p }) => Math.abs(p) > 1e-9)
    .sort((a, b) => Math.abs(b.p) - Math.abs(a.p))
    .slice(0, 3)
    .map(({ name }) => name);
}

describe('scoreWith', () => {
  it('names the three largest contributions, ties in feature order, and skips near-zero ones', () => {
    const rand = mulberry32(7);
    // Offsets from a small set of integers, so ties and zeros are frequent.
    const rows = Array.from({ length: 300 }, () =>
      SIGNATURE.features.map(() => (rand() < 0.1 ? null : 5 + Math.round(rand() * 6) - 3)),
    );
    const samples = rows.map((r) => sampleObject(r) as Sample);
    const scored = scoreWith(
      serving,
      samples,
      samples.map(() => 'default'),
      samples.map((_, i) => `id-${i}`),
    );
    scored.forEach(({ prediction }, i) => {
      const phi = prediction.explanation!.contributions.map((c) => c.phi);
      expect(phi).toEqual(rows[i]!.map((v) => (v === null ? 0 : v - 5)));
      expect(prediction.explanation!.reasons.map((r) => r.split(' ')[0])).toEqual(expectedReasonFeatures(phi));
    });
  });

  it('words reasons, flags and missing values from the signature', () => {
    // Sulfate 480 (phi 475) and Solids 21000 dominate; ph is missing.
    const sample = { ...GOOD_SAMPLE, ph: null } as Sample;
    const [row] = scoreWith(serving, [sample], ['default'], ['id-0']);
    const p = row!.prediction;
    expect(p.explanation!.reasons).toEqual([
      'Solids 21000 mg/L pushed toward potable',
      'Sulfate 480 mg/L pushed toward potable',
      'Conductivity 420 µS/cm pushed toward potable',
    ]);
    expect(p.missing).toEqual(['ph']);
    expect(p.guidelines.flags.map((f) => f.feature)).not.toContain('ph');
    expect(p.guidelines.flags.find((f) => f.feature === 'Sulfate')).toEqual({
      feature: 'Sulfate',
      value: 480,
      source: 'US EPA',
      status: 'exceeds',
      healthBased: false,
      note: 'secondary',
      unit: 'mg/L',
      max: 250,
    });
    expect(p.model).toEqual({ name: 'water-potability', version: 3 });
    expect(row!.record.inputs).toEqual({ ...GOOD_SAMPLE, ph: null });
    // Contributions in probability add up to p − p_base (tolerance: float rounding).
    const sum = p.explanation!.contributions.reduce((s, c) => s + c.probability, 0);
    expect(Math.abs(sum - (p.probability - p.explanation!.baseProbability))).toBeLessThan(1e-9);
  });
});

describe('?explain=false', () => {
  it('answers the same verdicts without explanations, and refuses other values with a field error', async () => {
    const srv = await testServer();
    try {
      const ask = (query: string) =>
        srv.app.inject({
          method: 'POST',
          url: `/api/v1/predict${query}`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify([GOOD_SAMPLE, { ...GOOD_SAMPLE, Sulfate: null }]),
        });
      const full = await ask('');
      const lean = await ask('?explain=false');
      const explicit = await ask('?explain=true');
      expect([full.statusCode, lean.statusCode, explicit.statusCode]).toEqual([200, 200, 200]);
      type P = { probability: number; verdict: string; missing: string[]; explanation?: unknown; guidelines: unknown };
      const a = full.json().predictions as P[];
      const b = lean.json().predictions as P[];
      expect((explicit.json().predictions as P[]).every((p) => p.explanation !== undefined)).toBe(true);
      expect(a.every((p) => p.explanation !== undefined)).toBe(true);
      expect(b.every((p) => !('explanation' in p))).toBe(true);
      expect(b.map((p) => [p.probability, p.verdict, p.missing, p.guidelines])).toEqual(
        a.map((p) => [p.probability, p.verdict, p.missing, p.guidelines]),
      );
      for (const q of ['?explain=no', '?explain=', '?explain=false&explain=true']) {
        const bad = await ask(q);
        expect(bad.statusCode, q).toBe(400);
        expect(bad.json().code).toBe('AQUAOPS_E_VALIDATION');
        expect(bad.json().details[0].path).toBe('/querystring/explain');
      }
    } finally {
      await srv.app.close();
    }
  });
});

describe('prediction ids', () => {
  it('are UUIDv7, increasing across requests, so the log index grows at its end', async () => {
    const srv = await testServer();
    try {
      const ids: string[] = [];
      for (let r = 0; r < 3; r++) {
        const res = await srv.app.inject({
          method: 'POST',
          url: '/api/v1/predict',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify([GOOD_SAMPLE, GOOD_SAMPLE]),
        });
        expect(res.statusCode).toBe(200);
        for (const p of res.json().predictions as { predictionId: string }[]) ids.push(p.predictionId);
        await new Promise((done) => setTimeout(done, 2)); // a later millisecond
      }
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(ids.length);
      // Across requests (different milliseconds) the ids sort in time order.
      const firsts = [ids[0]!, ids[2]!, ids[4]!];
      expect([...firsts].sort()).toEqual(firsts);
    } finally {
      await srv.app.close();
    }
  });
});

describe('PredictService with A/B routing', () => {
  let srv: TestServer | undefined;
  afterEach(async () => {
    await srv?.app.close();
    srv = undefined;
  });

  it('answers in request order and logs each prediction as it was answered', async () => {
    srv = await testServer();
    const routing: Routing = {
      variants: [
        { version: 1, weight: 1 },
        { version: 2, weight: 1 },
      ],
      stickyKey: 'siteId',
    };
    const put = await srv.app.inject({
      method: 'PUT',
      url: '/api/v1/admin/routing',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      payload: JSON.stringify(routing),
    });
    expect(put.statusCode).toBe(200);
    const batch = Array.from({ length: 60 }, (_, i) => ({ ...GOOD_SAMPLE, Sulfate: 300 + i, siteId: `site-${i}` }));
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-ab' },
      payload: JSON.stringify(batch),
    });
    expect(res.statusCode).toBe(200);
    const predictions = res.json().predictions as {
      predictionId: string;
      route: string;
      model: { version: number };
      probability: number;
      verdict: string;
    }[];
    expect(new Set(predictions.map((p) => p.model.version))).toEqual(new Set([1, 2]));
    await srv.predictionLog.flush();
    const logged = new Map(srv.sink.records.map((r) => [r.predictionId, r]));
    predictions.forEach((p, i) => {
      expect(p.route).toBe(`ab:${p.model.version}`);
      const r = logged.get(p.predictionId);
      expect(r).toBeDefined();
      // The sample at position i, not another one routed to the same version.
      expect(r!.inputs.Sulfate).toBe(300 + i);
      expect(r!.passthrough).toEqual({ siteId: `site-${i}` });
      expect(r!.route).toBe(p.route);
      expect(r!.model.version).toBe(p.model.version);
      expect(r!.probability).toBe(p.probability);
      expect(r!.verdict).toBe(p.verdict);
      expect(r!.requestId).toBe('req-ab');
      expect(r!.shadow).toBe(false);
      expect(Number.isFinite(r!.latencyMs)).toBe(true);
    });
    const counted = (await srv.metrics.predictions.get()).values
      .filter((v) => v.labels.route === 'ab')
      .reduce((s, v) => s + v.value, 0);
    expect(counted).toBe(60);
  });
});
