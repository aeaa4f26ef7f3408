/**
 * The aquaops model file: JSON `{"format":"aquaops-model","version":1,"createdBy":"@aquaops/ml",
 * "meta":…,"model":<toState()>,"checksum":"sha256:<hex>"}` where the checksum covers the
 * canonical JSON of every other field. Loading refuses anything that is not exactly such a file
 * — wrong format, unknown version, checksum mismatch, unknown model kind — with an MlError
 * that says what to do, because a silently wrong model is worse than none.
 */
import type { ModelCatalog } from '../catalog.js';
import { MlError } from '../errors.js';
import type { Classifier, ModelState } from '../model.js';
import { canonicalJson } from './canonical.js';
import { sha256 } from './sha256.js';

export const MODEL_FORMAT = 'aquaops-model';
export const MODEL_FORMAT_VERSION = 1;
export const SUPPORTED_MODEL_VERSIONS: readonly number[] = [1];
const CREATED_BY = '@aquaops/ml';

export interface ModelFile {
  readonly format: typeof MODEL_FORMAT;
  readonly version: number;
  readonly createdBy: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly model: ModelState;
  /** `sha256:<64 hex>` */
  readonly checksum: string;
}

function formatError(argument: string, expected: string, found: string, fix: string): MlError {
  return new MlError('AQUAOPS_E_MODEL_FORMAT', { argument, expected, found, fix });
}

function checksumOf(body: Record<string, unknown>): string {
  return `sha256:${sha256(canonicalJson(body, 'modelFile'))}`;
}

/** Serialises a fitted model with metadata; the text is compact canonical JSON. */
export function saveModel(model: Classifier, meta: Readonly<Record<string, unknown>> = {}): string {
  const body = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    createdBy: CREATED_BY,
    meta,
    model: model.toState(),
  };
  const checksum = checksumOf(body);
  return (
    `{"format":${JSON.stringify(MODEL_FORMAT)},"version":${MODEL_FORMAT_VERSION},"createdBy":${JSON.stringify(CREATED_BY)},` +
    `"meta":${canonicalJson(meta, 'meta')},"model":${canonicalJson(body.model, 'model')},"checksum":"${checksum}"}`
  );
}

/** Parses and verifies a model file without building the model (e.g. to read `meta`). */
export function parseModelFile(text: string): ModelFile {
  const fix = 'Pass the text of a file written by saveModel (aquaops model export).';
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw formatError('model file', 'JSON text', `text that is not JSON (${e instanceof Error ? e.message : e})`, fix);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw formatError('model file', 'a JSON object', Array.isArray(doc) ? 'an array' : typeof doc, fix);
  }
  const d = doc as Record<string, unknown>;
  if (d.format !== MODEL_FORMAT) {
    throw formatError('format', `"${MODEL_FORMAT}"`, JSON.stringify(d.format) ?? 'nothing', fix);
  }
  if (typeof d.version !== 'number' || !SUPPORTED_MODEL_VERSIONS.includes(d.version)) {
    throw formatError(
      'version',
      `a supported format version (${SUPPORTED_MODEL_VERSIONS.join(', ')})`,
      JSON.stringify(d.version) ?? 'nothing',
      'The file was written by a different aquaops version; load it with that version or retrain and save again.',
    );
  }
  if (typeof d.checksum !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(d.checksum)) {
    throw formatError('checksum', '"sha256:" followed by 64 hex digits', JSON.stringify(d.checksum) ?? 'nothing', fix);
  }
  const meta = d.meta ?? {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw formatError('meta', 'an object', JSON.stringify(meta), fix);
  }
  const { checksum, ...body } = d;
  const expected = checksumOf(body);
  if (expected !== checksum) {
    throw new MlError('AQUAOPS_E_MODEL_CHECKSUM', {
      argument: 'checksum',
      expected: `${expected} (computed from the file's content)`,
      found: checksum,
      fix: 'The file was modified or corrupted after it was saved; restore it from the registry or retrain.',
    });
  }
  if (typeof d.model !== 'object' || d.model === null) {
    throw formatError('model', 'a model state object', JSON.stringify(d.model), fix);
  }
  return {
    format: MODEL_FORMAT,
    version: d.version,
    createdBy: typeof d.createdBy === 'string' ? d.createdBy : '',
    meta: meta as Record<string, unknown>,
    model: d.model as ModelState,
    checksum,
  };
}

/** Verifies a model file and rebuilds the fitted model through `catalog`. */
export function loadModel(text: string, catalog: ModelCatalog): Classifier {
  return catalog.fromState(parseModelFile(text).model);
}
