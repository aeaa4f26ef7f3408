/**
 * The one store interface every backend (memory, SQLite, PostgreSQL) implements, and the checks
 * all of them apply at their boundary so that they accept and reject exactly the same inputs —
 * which is what lets one conformance suite test all three.
 */
import { AquaopsError, type Routing } from '@aquaops/contracts';
import type { AliasMove, ModelStore, NewModelVersion, RoutingChange } from '../features/models/store.js';
import type { Feedback, PredictionRecord, PredictionStore } from '../features/predictions/store.js';
import { ROUTES } from '../features/predictions/store.js';
import type { NewRun, RunStore, RunUpdate, TrialRecord } from '../features/runs/store.js';
import { RUN_STATUSES, TRIAL_STATUSES } from '../features/runs/store.js';
import { toJsonText } from '../json.js';

export interface RegistryStore extends RunStore, ModelStore, PredictionStore {
  /** What the store is, for messages (password masked), e.g. `sqlite:/tmp/r.db`. */
  readonly description: string;
  close(): Promise<void>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Aliases must not look like numbers, so `NAME@2` is always a version and `NAME@champion` an alias. */
const ALIAS_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const TAG_KEY_RE = /^[A-Za-z0-9_.:/-]{1,128}$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

function invalid(path: string, message: string, expected: string, found: unknown): AquaopsError {
  const shown = typeof found === 'string' ? found : (JSON.stringify(found) ?? String(found));
  return new AquaopsError('AQUAOPS_E_REGISTRY_INVALID', `${path}: ${message} (got ${shown.slice(0, 80)})`, {
    hint: `pass ${expected}`,
    details: [{ path, expected, found: shown }],
  });
}

export function checkModelName(name: unknown, path = 'model'): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw invalid(
      path,
      'invalid model name',
      'letters, digits, ".", "_" or "-" (max 128, starting alphanumeric)',
      name,
    );
  }
  return name;
}

export function checkAlias(alias: unknown, path = 'alias'): string {
  if (typeof alias !== 'string' || !ALIAS_RE.test(alias)) {
    throw invalid(path, 'invalid alias', 'a name starting with a letter or "_" (letters, digits, "_", "-")', alias);
  }
  return alias;
}

export function checkVersionNumber(v: unknown, path = 'version'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
    throw invalid(path, 'invalid version number', 'a positive integer', v);
  }
  return v;
}

function checkFinite(v: unknown, path: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(path, 'not a finite number', 'a finite number', v);
}

function checkMetricMap(m: unknown, path: string): void {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw invalid(path, 'not an object', 'an object of metric name → number', m);
  }
  for (const [k, v] of Object.entries(m)) checkFinite(v, `${path}.${k}`);
}

function checkIso(ts: unknown, path: string): void {
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts)) || !ts.endsWith('Z')) {
    throw invalid(path, 'not an ISO-8601 UTC timestamp', 'e.g. 2026-01-31T12:00:00.000Z', ts);
  }
}

export function checkNewRun(run: NewRun): void {
  if (typeof run.id !== 'string' || run.id.length === 0 || run.id.length > 128) {
    throw invalid('run.id', 'invalid run id', 'a non-empty string', run.id);
  }
  if (typeof run.name !== 'string' || run.name.length === 0) {
    throw invalid('run.name', 'empty', 'a non-empty name', run.name);
  }
  checkIso(run.createdAt, 'run.createdAt');
  if (run.seed !== null && (typeof run.seed !== 'number' || !Number.isSafeInteger(run.seed))) {
    throw invalid('run.seed', 'not an integer', 'an integer seed or null', run.seed);
  }
  toJsonText(run.params, 'params');
  toJsonText(run.environment, 'environment');
}

export function checkRunUpdate(u: RunUpdate): void {
  if (u.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(u.status)) {
    throw invalid('status', 'unknown run status', RUN_STATUSES.join('|'), u.status);
  }
  if (u.finishedAt !== undefined && u.finishedAt !== null) checkIso(u.finishedAt, 'finishedAt');
  toJsonText(u.foldMetrics ?? null, 'foldMetrics');
  toJsonText(u.testMetrics ?? null, 'testMetrics');
  if (u.durations !== undefined) checkMetricMap(u.durations, 'durations');
}

export function checkTrials(trials: readonly TrialRecord[]): void {
  const seen = new Set<number>();
  trials.forEach((t, i) => {
    if (!Number.isSafeInteger(t.index) || t.index < 0) {
      throw invalid(`trials[${i}].index`, 'invalid', 'a non-negative integer', t.index);
    }
    if (seen.has(t.index)) throw invalid(`trials[${i}].index`, 'duplicate index in batch', 'unique indices', t.index);
    seen.add(t.index);
    if (!(TRIAL_STATUSES as readonly string[]).includes(t.status)) {
      throw invalid(`trials[${i}].status`, 'unknown status', TRIAL_STATUSES.join('|'), t.status);
    }
    checkMetricMap(t.mean, `trials[${i}].mean`);
    checkMetricMap(t.std, `trials[${i}].std`);
    checkFinite(t.durationMs, `trials[${i}].durationMs`);
    toJsonText(t.params, `trials[${i}].params`);
    toJsonText(t.foldMetrics, `trials[${i}].foldMetrics`);
  });
}

export function checkNewVersion(v: NewModelVersion): void {
  checkModelName(v.model);
  if (typeof v.kind !== 'string' || v.kind === '') throw invalid('kind', 'empty', 'a model kind', v.kind);
  if (typeof v.family !== 'string' || v.family === '') throw invalid('family', 'empty', 'a model family', v.family);
  checkMetricMap(v.metrics, 'metrics');
  checkFinite(v.threshold, 'threshold');
  checkIso(v.createdAt, 'createdAt');
  toJsonText(v.signature, 'signature');
  for (const [k, val] of Object.entries(v.tags)) {
    if (!TAG_KEY_RE.test(k)) throw invalid(`tags.${k}`, 'invalid tag key', 'letters, digits, _ . : / -', k);
    if (typeof val !== 'string') throw invalid(`tags.${k}`, 'tag value not a string', 'a string', val);
  }
  for (const [name, ref] of Object.entries(v.artifacts)) {
    if (name === '' || name.length > 200) throw invalid('artifacts', 'invalid artifact name', '1..200 chars', name);
    if (!SHA256_RE.test(ref.sha256)) {
      throw invalid(`artifacts.${name}.sha256`, 'not a sha256', '64 lowercase hex digits', ref.sha256);
    }
    if (!Number.isSafeInteger(ref.size) || ref.size < 0) {
      throw invalid(`artifacts.${name}.size`, 'invalid size', 'a byte count', ref.size);
    }
  }
}

export function checkTagKeys(tags: Readonly<Record<string, string | null>>): void {
  for (const [k, v] of Object.entries(tags)) {
    if (!TAG_KEY_RE.test(k)) throw invalid(`tags.${k}`, 'invalid tag key', 'letters, digits, _ . : / -', k);
    if (v !== null && typeof v !== 'string') throw invalid(`tags.${k}`, 'tag value not a string', 'a string', v);
  }
}

export function checkAliasMove(m: AliasMove): void {
  checkModelName(m.model);
  checkAlias(m.alias);
  if (m.version !== null) checkVersionNumber(m.version);
  if (m.expected !== null) checkVersionNumber(m.expected, 'expected');
  checkMetricMap(m.metrics, 'metrics');
  checkIso(m.at, 'at');
  if (m.version === null && m.expected === null) {
    throw invalid('version', 'nothing to move', 'a target version or an expected current version', null);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKeys(o: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw invalid(`${path}.${k}`, 'unknown field', allowed.join(', '), k);
  }
}

/** Maximum A/B variants, as in contracts' `RoutingSchema`. */
const MAX_VARIANTS = 8;

/**
 * Checks a routing table against contracts' `RoutingSchema` (the registry does not compile
 * wire schemas) and returns a clean copy holding only its fields.
 */
export function checkRouting(config: unknown, path = 'routing'): Routing {
  if (!isPlainObject(config)) throw invalid(path, 'not an object', '{variants, stickyKey?, shadowVersion?}', config);
  checkKeys(config, ['variants', 'stickyKey', 'shadowVersion'], path);
  const { variants, stickyKey, shadowVersion } = config;
  if (!Array.isArray(variants)) {
    throw invalid(`${path}.variants`, 'not an array', 'an array of {version, weight}', variants);
  }
  if (variants.length > MAX_VARIANTS) {
    throw invalid(`${path}.variants`, 'too many variants', `at most ${MAX_VARIANTS}`, variants.length);
  }
  const clean = variants.map((v: unknown, i) => {
    const at = `${path}.variants[${i}]`;
    if (!isPlainObject(v)) throw invalid(at, 'not an object', '{version, weight}', v);
    checkKeys(v, ['version', 'weight'], at);
    const version = checkVersionNumber(v.version, `${at}.version`);
    const w = v.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1000) {
      throw invalid(`${at}.weight`, 'invalid weight', 'a number from 0 to 1000', w);
    }
    return { version, weight: w };
  });
  if (stickyKey !== undefined && (typeof stickyKey !== 'string' || stickyKey.length < 1 || stickyKey.length > 64)) {
    throw invalid(`${path}.stickyKey`, 'invalid sticky key', 'a field name of 1 to 64 characters', stickyKey);
  }
  if (shadowVersion !== undefined && shadowVersion !== null) checkVersionNumber(shadowVersion, `${path}.shadowVersion`);
  return {
    variants: clean,
    ...(stickyKey === undefined ? {} : { stickyKey: stickyKey as string }),
    ...(shadowVersion === undefined ? {} : { shadowVersion: shadowVersion as number | null }),
  };
}

/** Validates a routing change; returns the clean table to store. */
export function checkRoutingChange(c: RoutingChange): Routing {
  checkModelName(c.model);
  const config = checkRouting(c.config, 'config');
  if (typeof c.actor !== 'string' || c.actor === '')
    throw invalid('actor', 'empty', 'who changes the routing', c.actor);
  if (typeof c.reason !== 'string') throw invalid('reason', 'not a string', 'a reason', c.reason);
  checkIso(c.at, 'at');
  return config;
}

/** Versions a routing table references (variants and shadow), ascending, each once. */
export function routingVersions(config: Routing): number[] {
  const vs = new Set(config.variants.map((v) => v.version));
  if (config.shadowVersion !== undefined && config.shadowVersion !== null) vs.add(config.shadowVersion);
  return [...vs].sort((a, b) => a - b);
}

/**
 * Reads a routing table from its stored JSON text. The row may have been edited by hand, so
 * anything but a valid table is one clear error naming the model and the store, never a crash
 * further down in whoever applies it.
 */
export function parseStoredRouting(text: string, model: string, where: string): Routing {
  const malformed = (why: string, cause: unknown): AquaopsError =>
    new AquaopsError(
      'AQUAOPS_E_REGISTRY_INVALID',
      `the routing stored for model ${model} in ${where} is malformed: ${why}`,
      {
        hint: 'set the routing again through the admin API (it replaces the stored row), or correct the row in table `routing`',
        details: [
          {
            path: `routing[${model}].config`,
            expected: 'a routing table {variants, stickyKey?, shadowVersion?}',
            found: text.slice(0, 200),
          },
        ],
        cause,
      },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw malformed(`not JSON (${(err as Error).message})`, err);
  }
  try {
    return checkRouting(value, 'config');
  } catch (err) {
    throw malformed((err as Error).message, err);
  }
}

export function checkPrediction(p: PredictionRecord, i: number): void {
  const at = `predictions[${i}]`;
  if (typeof p.id !== 'string' || p.id.length === 0 || p.id.length > 64) {
    throw invalid(`${at}.id`, 'invalid id', 'a uuid', p.id);
  }
  checkIso(p.ts, `${at}.ts`);
  checkModelName(p.model, `${at}.model`);
  checkVersionNumber(p.version, `${at}.version`);
  if (!(ROUTES as readonly string[]).includes(p.route))
    throw invalid(`${at}.route`, 'unknown route', ROUTES.join('|'), p.route);
  checkFinite(p.outputs.probability, `${at}.outputs.probability`);
  if (p.outputs.label !== 0 && p.outputs.label !== 1)
    throw invalid(`${at}.outputs.label`, 'not 0/1', '0 or 1', p.outputs.label);
  if (typeof p.outputs.verdict !== 'string')
    throw invalid(`${at}.outputs.verdict`, 'missing', 'a string', p.outputs.verdict);
  checkFinite(p.latencyMs, `${at}.latencyMs`);
  toJsonText(p.inputs, `${at}.inputs`);
  toJsonText(p.outputs, `${at}.outputs`);
}

export function checkFeedback(f: Feedback): void {
  if (typeof f.predictionId !== 'string' || f.predictionId === '') {
    throw invalid('predictionId', 'missing', 'a prediction id', f.predictionId);
  }
  if (f.label !== 0 && f.label !== 1) throw invalid('label', 'not 0/1', '0 or 1', f.label);
  checkIso(f.ts, 'ts');
  if (typeof f.source !== 'string' || f.source === '') throw invalid('source', 'empty', 'who reported it', f.source);
}

export function notFound(what: string, hint: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_NOT_FOUND', `${what} does not exist`, { hint });
}

export function casConflict(model: string, alias: string, expected: number | null, found: number | null): AquaopsError {
  const show = (v: number | null): string => (v === null ? 'unset' : `version ${v}`);
  return new AquaopsError(
    'AQUAOPS_E_REGISTRY_CONFLICT',
    `alias ${model}@${alias} is ${show(found)}, expected ${show(expected)}: someone moved it concurrently`,
    {
      hint: `re-read the alias (aquaops models show ${model}@${alias}) and retry with the current version as expected`,
      details: [{ path: `${model}@${alias}`, expected: show(expected), found: show(found) }],
    },
  );
}

/** Start of the fixed-size time bucket holding `tsMs` (buckets aligned to the Unix epoch). */
export function bucketStart(tsMs: number, bucketMs: number): number {
  return tsMs - (((tsMs % bucketMs) + bucketMs) % bucketMs);
}
