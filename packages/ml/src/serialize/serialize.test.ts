import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog.js';
import { MlError } from '../errors.js';
import { fromRows } from '../matrix.js';
import { Rng } from '../rng.js';
import { SimpleImputer } from '../preprocess/imputer.js';
import { Pipeline } from '../preprocess/pipeline.js';
import { StandardScaler } from '../preprocess/scaler.js';
import { canonicalJson } from './canonical.js';
import { CentroidModel, centroidSpec } from './fixture-model.js';
import { loadModel, parseModelFile, saveModel } from './model-file.js';
import { sha256, sha256Bytes, utf8Encode } from './sha256.js';

describe('sha256', () => {
  it('matches the FIPS 180-2 test vectors', () => {
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Bytes(new Uint8Array(1_000_000).fill(0x61))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });
  it('pads correctly around the 55/56/64-byte block boundaries (vs the one-block vector above)', () => {
    // 56 bytes forces a second padding block; hashes of 55..65 'a's must all differ.
    const seen = new Set<string>();
    for (let n = 55; n <= 65; n++) seen.add(sha256('a'.repeat(n)));
    expect(seen.size).toBe(11);
    expect(sha256('a'.repeat(64))).toBe('ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb');
  });
  it('agrees with node:crypto on random strings of any length (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 300 },
    );
  });
  it('encodes UTF-8 like TextEncoder', () => {
    for (const s of ['pH ≤ 8.5', 'µS/cm', '😀', '\ud800x']) {
      expect(Array.from(utf8Encode(s))).toEqual(Array.from(new TextEncoder().encode(s)));
    }
  });
});

describe('canonicalJson', () => {
  it('sorts keys, drops undefined, prints numbers so they round-trip', () => {
    expect(canonicalJson({ b: 1, a: [0.1, 1e-300, undefined], c: undefined, d: { z: true, y: null } })).toBe(
      '{"a":[0.1,1e-300,null],"b":1,"d":{"y":null,"z":true}}',
    );
    const x = 0.1 + 0.2;
    expect(JSON.parse(canonicalJson(x))).toBe(x);
    expect(canonicalJson(Float64Array.of(1.5, 2))).toBe('[1.5,2]');
  });
  it('refuses values JSON cannot carry, naming where', () => {
    expect(() => canonicalJson({ w: [1, Number.NaN] }, 'model')).toThrowError(/model\.w\[1\]/);
    expect(() => canonicalJson({ m: new Map() })).toThrowError(/Map/);
  });
});

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: (number | null)[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = rng.int(2);
    y.push(label);
    rows.push([rng.next() < 0.15 ? null : rng.normal() + label, rng.normal() * 100 + 7000 * rng.next(), rng.normal()]);
  }
  return { X: fromRows(rows), y };
}

describe('saveModel / loadModel', () => {
  const catalog = createCatalog([centroidSpec]);
  const { X, y } = data(400, 3);
  const model = new Pipeline(
    [new SimpleImputer({ addIndicator: true }), new StandardScaler()],
    new CentroidModel(),
  ).fit(X, y);
  const text = saveModel(model, { dataset: 'water', trainedAt: '2026-11-26' });

  it('writes the documented envelope with a checksum over the rest', () => {
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['format', 'version', 'createdBy', 'meta', 'model', 'checksum']);
    expect(doc.format).toBe('aquaops-model');
    expect(doc.model.kind).toBe('pipeline');
    const { checksum, ...rest } = doc;
    expect(checksum).toBe(`sha256:${sha256(canonicalJson(rest))}`);
  });

  it('round-trips to bit-identical predictions and explanations', () => {
    const back = loadModel(text, catalog);
    expect(back.kind).toBe('pipeline');
    const a = model.predictProba(X);
    const b = back.predictProba(X);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    expect(Array.from(back.explain(X).phi)).toEqual(Array.from(model.explain(X).phi));
    expect(saveModel(back, { dataset: 'water', trainedAt: '2026-11-26' })).toBe(text);
    expect(parseModelFile(text).meta).toEqual({ dataset: 'water', trainedAt: '2026-11-26' });
  });

  it('still verifies after the JSON is re-formatted (checksum is over canonical JSON)', () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    expect(Array.from(loadModel(pretty, catalog).predictProba(X))).toEqual(Array.from(model.predictProba(X)));
  });

  function code(f: () => unknown): string {
    try {
      f();
    } catch (e) {
      return e instanceof MlError ? `${e.code} ${e.message}` : `not MlError: ${e}`;
    }
    return 'no error';
  }

  it('refuses non-JSON, wrong format, unknown version, tampering and unknown kinds', () => {
    expect(code(() => loadModel('{not json', catalog))).toMatch(/AQUAOPS_E_MODEL_FORMAT .*not JSON/);
    expect(code(() => loadModel('[1]', catalog))).toMatch(/AQUAOPS_E_MODEL_FORMAT/);
    const doc = JSON.parse(text);
    expect(code(() => loadModel(JSON.stringify({ ...doc, format: 'onnx' }), catalog))).toMatch(
      /AQUAOPS_E_MODEL_FORMAT format: expected "aquaops-model"/,
    );
    expect(code(() => loadModel(JSON.stringify({ ...doc, version: 2 }), catalog))).toMatch(
      /version: expected a supported format version \(1\), found 2/,
    );
    const tampered = text.replace('"strategy":"median"', '"strategy":"mean"');
    expect(tampered).not.toBe(text);
    const msg = code(() => loadModel(tampered, catalog));
    expect(msg).toMatch(/^AQUAOPS_E_MODEL_CHECKSUM/);
    expect(msg).toContain(JSON.parse(text).checksum);
    const other = createCatalog([]);
    expect(code(() => loadModel(text, other))).toMatch(/AQUAOPS_E_MODEL_FORMAT model.kind: .*"test-centroid"/);
  });
});

describe('createCatalog', () => {
  it('lists kinds including the built-in composites, creates and rejects unknown kinds', () => {
    const catalog = createCatalog([centroidSpec]);
    expect(catalog.kinds()).toEqual(['calibrated', 'pipeline', 'test-centroid']);
    expect(catalog.create('test-centroid', { scale: 3 }).params).toEqual({ scale: 3 });
    expect(() => catalog.create('svm')).toThrowError(/known model kind \(calibrated, pipeline, test-centroid\)/);
    expect(() => createCatalog([centroidSpec, centroidSpec])).toThrowError(/listed twice/);
    const p = catalog.create('pipeline', { steps: [{ kind: 'standard-scaler' }], model: { kind: 'test-centroid' } });
    expect(p.kind).toBe('pipeline');
  });
  it('wraps a crashing restore as AQUAOPS_E_MODEL_FORMAT', () => {
    const catalog = createCatalog([centroidSpec]);
    let err: unknown;
    try {
      catalog.fromState({ kind: 'test-centroid', params: {}, state: null });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlError);
    expect((err as MlError).code).toBe('AQUAOPS_E_MODEL_FORMAT');
  });
});
