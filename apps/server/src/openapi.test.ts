/**
 * The OpenAPI 3.1 document is checked structurally (required fields, path parameters, response
 * keys, security schemes, every $ref resolving) and every schema in it is compiled as JSON Schema
 * 2020-12 (the OAS 3.1 dialect); live responses are then validated against the documented schemas.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOD_SAMPLE, type TestServer, testServer } from './testing/fixtures.js';

type Json = Record<string, unknown>;
let srv: TestServer;
let doc: Json;

beforeAll(async () => {
  srv = await testServer();
  const res = await srv.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  doc = res.json();
});
afterAll(async () => {
  await srv.app.close();
});

function walk(v: unknown, visit: (o: Json) => void): void {
  if (Array.isArray(v)) for (const x of v) walk(x, visit);
  else if (v !== null && typeof v === 'object') {
    visit(v as Json);
    for (const x of Object.values(v)) walk(x, visit);
  }
}

function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v !== null && typeof v === 'object') {
    const out: Json = {};
    for (const [k, x] of Object.entries(v))
      out[k] = k === '$ref' && typeof x === 'string' ? `openapi.json${x}` : rewriteRefs(x);
    return out;
  }
  return v;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function operations(): { path: string; method: string; op: Json }[] {
  const out: { path: string; method: string; op: Json }[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json))
      if (METHODS.includes(method)) out.push({ path, method, op: op as Json });
  }
  return out;
}

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'openapi.json', components: rewriteRefs(doc.components) });
  return ajv;
}

describe('OpenAPI document', () => {
  it('has the OAS 3.1 top-level structure', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(Object.keys(doc.paths as Json)).toEqual(
      expect.arrayContaining([
        '/api/v1/predict',
        '/api/v1/feedback',
        '/api/v1/models',
        '/v2/models/{m}/infer',
        '/readyz',
      ]),
    );
  });

  it('declares every path parameter, uses valid response keys, and every response has a description', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(14);
    for (const { path, op } of ops) {
      const declared = ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'path');
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), path).toEqual([...templated].sort());
      for (const p of declared) expect(p.required, `${path} ${String(p.name)}`).toBe(true);
      const responses = op.responses as Json;
      expect(Object.keys(responses).length, path).toBeGreaterThan(0);
      for (const [code, r] of Object.entries(responses)) {
        expect(code, path).toMatch(/^([1-5][0-9]{2}|[1-5]XX|default)$/);
        expect(typeof (r as Json).description, `${path} ${code}`).toBe('string');
      }
      for (const req of (op.security as Json[] | undefined) ?? []) {
        for (const name of Object.keys(req))
          expect(Object.keys((doc.components as Json).securitySchemes as Json)).toContain(name);
      }
    }
  });

  it('resolves every $ref and compiles every schema as JSON Schema 2020-12', () => {
    const schemas = (doc.components as Json).schemas as Json;
    walk(doc, (o) => {
      if (typeof o.$ref === 'string') {
        const m = /^#\/components\/schemas\/(.+)$/.exec(o.$ref);
        expect(m, o.$ref).not.toBeNull();
        expect(schemas).toHaveProperty([m![1]!]);
      }
    });
    const ajv = newAjv();
    let compiled = 0;
    walk(doc.paths, (o) => {
      if (o.schema !== undefined && typeof o.schema === 'object') {
        ajv.compile(rewriteRefs(o.schema) as Json);
        compiled++;
      }
    });
    expect(compiled).toBeGreaterThan(20);
  });

  it('documents what the server actually answers: predict and error bodies validate', async () => {
    const ajv = newAjv();
    const post = ((doc.paths as Json)['/api/v1/predict'] as Json).post as Json;
    const content = (r: unknown) => ((r as Json).content as Json)['application/json'] as Json;
    const ok = ajv.compile(rewriteRefs(content((post.responses as Json)['200']).schema) as Json);
    const bad = ajv.compile(rewriteRefs(content((post.responses as Json)['4XX']).schema) as Json);
    const req = ajv.compile(rewriteRefs(content(post.requestBody).schema) as Json);
    expect(req(GOOD_SAMPLE)).toBe(true);
    expect(req({ ...GOOD_SAMPLE, ph: '7' })).toBe(false);
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([GOOD_SAMPLE]),
    });
    expect(ok(res.json()), JSON.stringify(ok.errors)).toBe(true);
    const err = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"ph":1}',
    });
    expect(bad(err.json()), JSON.stringify(bad.errors)).toBe(true);
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});
