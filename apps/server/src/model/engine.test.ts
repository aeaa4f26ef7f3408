/**
 * The server serves the engine's own models: a fitted @aquaops/ml LogisticRegression satisfies
 * `ServedClassifier` (checked by the compiler here), passes verification, and predicts with an
 * explanation that adds up; since it cannot take missing values, a null is a 400 naming the field.
 */
import { type Classifier, fromRows, LogisticRegression } from '@aquaops/ml';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { GOOD_SAMPLE, SIGNATURE, syntheticData, testConfig } from '../testing/fixtures.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from './memory.js';
import type { ServedClassifier } from './types.js';

const asServed = (c: Classifier): ServedClassifier => c;

describe('engine models', () => {
  it('serves a fitted LogisticRegression from @aquaops/ml', async () => {
    const { rows, y } = syntheticData(300, 11);
    const model = new LogisticRegression().fit(fromRows(rows), Uint8Array.from(y));
    const source = new InMemoryModelSource();
    source.addVersion({ name: 'water-potability', classifier: asServed(model), signature: SIGNATURE });
    await source.setAlias('water-potability', 'champion', 1, { reason: 'r', actor: 't' });
    const { app } = await buildApp(
      { source, sink: new InMemoryPredictionSink(), feedback: new InMemoryFeedbackStore(), processMetrics: false },
      testConfig(),
    );
    const post = (body: unknown) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/predict',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const res = await post(GOOD_SAMPLE);
    expect(res.statusCode).toBe(200);
    const p = res.json().predictions[0];
    const direct = model.predictProba(fromRows([SIGNATURE.features.map((f) => GOOD_SAMPLE[f.name] as number)]))[0]!;
    expect(p.probability).toBeCloseTo(direct, 12);
    const missing = await post({ ...GOOD_SAMPLE, Sulfate: null });
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'AQUAOPS_E_ML_MISSING_NOT_SUPPORTED']);
    expect(missing.json().details[0].path).toBe('/Sulfate');
    await app.close();
  });
});
