/** KServe V2 / Open Inference Protocol routes: health, metadata, per-feature and [N, F] tensors, errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_SAMPLE, SIGNATURE, type TestServer, testServer } from '../../testing/fixtures.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await testServer();
});
afterAll(async () => {
  await srv.app.close();
});

const names = SIGNATURE.features.map((f) => f.name);
const row = names.map((n) => GOOD_SAMPLE[n] as number);
const row2 = row.map((v, j) => (j === 0 ? 6.2 : v));

async function infer(body: unknown, model = 'water-potability') {
  return srv.app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

describe('KServe V2', () => {
  it('reports health, readiness and metadata', async () => {
    expect((await srv.app.inject({ method: 'GET', url: '/v2/health/live' })).json()).toEqual({ live: true });
    expect((await srv.app.inject({ method: 'GET', url: '/v2/health/ready' })).json()).toEqual({ ready: true });
    expect((await srv.app.inject({ method: 'GET', url: '/v2/models/water-potability/ready' })).json()).toEqual({
      name: 'water-potability',
      ready: true,
    });
    const meta = (await srv.app.inject({ method: 'GET', url: '/v2/models/water-potability' })).json();
    expect(meta.versions).toEqual(['1']);
    expect(meta.inputs.map((i: { name: string }) => i.name)).toEqual(names);
    expect(meta.outputs.map((o: { name: string }) => o.name)).toEqual(['probability', 'label', 'verdict']);
    const unknown = await srv.app.inject({ method: 'GET', url: '/v2/models/other' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'AQUAOPS_E_NOT_FOUND', error: expect.any(String) });
  });

  it('scores per-feature tensors and a single [N, F] tensor identically to /api/v1/predict', async () => {
    const perFeature = await infer({
      id: 'req-1',
      inputs: names.map((n, j) => ({ name: n, shape: [2], datatype: 'FP64', data: [row[j], row2[j]] })),
    });
    expect(perFeature.statusCode).toBe(200);
    const a = perFeature.json();
    expect(a).toMatchObject({ model_name: 'water-potability', model_version: '1', id: 'req-1' });
    const matrix = await infer({
      inputs: [{ name: 'input', shape: [2, names.length], datatype: 'FP64', data: [...row, ...row2] }],
      outputs: [{ name: 'probability' }],
    });
    const b = matrix.json();
    expect(b.outputs).toHaveLength(1);
    const rest = (
      await srv.app.inject({
        method: 'POST',
        url: '/api/v1/predict',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify([GOOD_SAMPLE, { ...GOOD_SAMPLE, ph: 6.2 }]),
      })
    ).json();
    const probs = rest.predictions.map((p: { probability: number }) => p.probability);
    expect(a.outputs[0]).toMatchObject({ name: 'probability', shape: [2], datatype: 'FP64' });
    for (let i = 0; i < 2; i++) {
      expect(a.outputs[0].data[i]).toBeCloseTo(probs[i], 12);
      expect(b.outputs[0].data[i]).toBeCloseTo(probs[i], 12);
      expect(a.outputs[1].data[i]).toBe(rest.predictions[i].verdict === 'potable' ? 1 : 0);
    }
  });

  it('answers bad tensors with 400 {error, code} naming the place', async () => {
    const short = await infer({
      inputs: names.map((n, j) => ({ name: n, shape: [2], datatype: 'FP64', data: j === 3 ? [1] : [row[j], row2[j]] })),
    });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'AQUAOPS_E_VALIDATION', error: expect.stringContaining('/inputs/3') });
    const unknownName = await infer({ inputs: [{ name: 'lead', shape: [1], datatype: 'FP64', data: [1] }] });
    expect(unknownName.statusCode).toBe(400);
    const outOfRange = await infer({
      inputs: [{ name: 'x', shape: [1, names.length], datatype: 'FP64', data: row.map((v, j) => (j === 0 ? 99 : v)) }],
    });
    expect(outOfRange.statusCode).toBe(400);
    expect(outOfRange.json().details[0].path).toBe('/0/ph');
    const wrongType = await infer({ inputs: [{ name: 'x', shape: [1, names.length], datatype: 'BYTES', data: row }] });
    expect([wrongType.statusCode, wrongType.json().code]).toEqual([400, 'AQUAOPS_E_VALIDATION']);
    expect((await infer({ inputs: [] }, 'nope')).statusCode).toBe(400);
  });
});
