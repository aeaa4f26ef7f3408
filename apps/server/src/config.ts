/**
 * Server configuration: read from the environment and/or a JSON or YAML file, validated once at
 * start-up, and passed down as a plain object — no other module reads `process.env`. Every error
 * names the variable, what it must be and what was found, and all of them are reported together.
 * Admin API keys are only ever held as scrypt hashes (`scrypt$N$r$p$salt$hash`, base64url salt and
 * hash); `hashApiKey` makes one and `verifyApiKey` checks a key in constant time.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { AquaopsError, type ErrorDetail } from '@aquaops/contracts';
import { parse as parseYaml } from 'yaml';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ApiKeyHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  readonly storeUrl: string;
  readonly artifactDir: string;
  readonly modelName: string;
  /** Alias (e.g. `champion`) or version number. */
  readonly modelRef: string;
  readonly modelPollIntervalMs: number;
  readonly adminKeyHashes: readonly ApiKeyHash[];
  readonly corsOrigins: readonly string[];
  readonly bodyLimitBytes: number;
  readonly maxRows: number;
  /** Batch scoring (`/api/v1/predict/batch`): most rows per upload, most bytes, and which rows are logged. */
  readonly batch: { readonly maxRows: number; readonly bodyLimitBytes: number; readonly logEvery: number };
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  readonly logLevel: LogLevel;
  readonly predictionLog: {
    readonly capacity: number;
    readonly batchSize: number;
    readonly flushIntervalMs: number;
  };
  readonly shutdownTimeoutMs: number;
  /** Directory of the built web app served at `/` ('' = apps/web/dist; served only when it has index.html). */
  readonly webDir: string;
  /** Server processes sharing the port (`auto` is resolved to the available cores); 1 = no cluster. */
  readonly workers: number;
}

/** Keys accepted in the config file (camelCase) and their environment variables. */
const KEYS = {
  port: 'AQUAOPS_PORT',
  host: 'AQUAOPS_HOST',
  storeUrl: 'AQUAOPS_STORE_URL',
  artifactDir: 'AQUAOPS_ARTIFACT_DIR',
  modelName: 'AQUAOPS_MODEL_NAME',
  modelRef: 'AQUAOPS_MODEL_REF',
  modelPollIntervalMs: 'AQUAOPS_MODEL_POLL_MS',
  adminKeyHashes: 'AQUAOPS_ADMIN_KEY_HASHES',
  corsOrigins: 'AQUAOPS_CORS_ORIGINS',
  bodyLimitBytes: 'AQUAOPS_BODY_LIMIT_BYTES',
  maxRows: 'AQUAOPS_MAX_ROWS',
  batchMaxRows: 'AQUAOPS_BATCH_MAX_ROWS',
  batchBodyLimitBytes: 'AQUAOPS_BATCH_BODY_LIMIT_BYTES',
  batchLogEvery: 'AQUAOPS_BATCH_LOG_EVERY',
  rateLimitMax: 'AQUAOPS_RATE_LIMIT_MAX',
  rateLimitWindowMs: 'AQUAOPS_RATE_LIMIT_WINDOW_MS',
  logLevel: 'AQUAOPS_LOG_LEVEL',
  logQueueCapacity: 'AQUAOPS_LOG_QUEUE_CAPACITY',
  logBatchSize: 'AQUAOPS_LOG_BATCH_SIZE',
  logFlushIntervalMs: 'AQUAOPS_LOG_FLUSH_MS',
  shutdownTimeoutMs: 'AQUAOPS_SHUTDOWN_TIMEOUT_MS',
  webDir: 'AQUAOPS_WEB_DIR',
  workers: 'AQUAOPS_WORKERS',
} as const;
type Key = keyof typeof KEYS;

export const DEFAULT_CONFIG: ServerConfig = {
  port: 8000,
  host: '127.0.0.1',
  storeUrl: 'sqlite:.aquaops/registry.db',
  artifactDir: '.aquaops/artifacts',
  modelName: 'water-potability',
  modelRef: 'champion',
  modelPollIntervalMs: 5000,
  adminKeyHashes: [],
  corsOrigins: [],
  bodyLimitBytes: 1_048_576,
  maxRows: 1000,
  batch: { maxRows: 1_000_000, bodyLimitBytes: 512 * 1_048_576, logEvery: 100 },
  rateLimit: { max: 600, windowMs: 60_000 },
  logLevel: 'info',
  // Short flushes keep each write small: one large batch a second showed up as a p99 spike under load.
  predictionLog: { capacity: 10_000, batchSize: 500, flushIntervalMs: 100 },
  shutdownTimeoutMs: 10_000,
  webDir: '',
  workers: 1,
};

/** Most worker processes accepted; far above any core count, it only catches typos. */
export const MAX_WORKERS = 1024;

/** Makes a storable hash of an API key (for AQUAOPS_ADMIN_KEY_HASHES). */
export function hashApiKey(key: string, params: { N?: number; r?: number; p?: number } = {}): string {
  if (key.length < 16) {
    throw new AquaopsError('AQUAOPS_E_USAGE', 'an API key must be at least 16 characters', {
      hint: 'Generate one with: node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"',
    });
  }
  const N = params.N ?? 16384;
  const r = params.r ?? 8;
  const p = params.p ?? 1;
  const salt = randomBytes(16);
  const hash = scryptSync(key, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Parses one `scrypt$N$r$p$salt$hash`; returns an error text instead of throwing. */
export function parseApiKeyHash(text: string): ApiKeyHash | string {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'expected scrypt$N$r$p$salt$hash';
  const [, ns, rs, ps, salt64, hash64] = parts as [string, string, string, string, string, string];
  const N = Number(ns);
  const r = Number(rs);
  const p = Number(ps);
  if (!Number.isInteger(N) || N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0)
    return `N must be a power of two ≤ 2^20, got "${ns}"`;
  if (!Number.isInteger(r) || r < 1 || r > 32) return `r must be an integer 1–32, got "${rs}"`;
  if (!Number.isInteger(p) || p < 1 || p > 16) return `p must be an integer 1–16, got "${ps}"`;
  const b64 = /^[A-Za-z0-9_-]+$/;
  if (!b64.test(salt64) || !b64.test(hash64)) return 'salt and hash must be base64url';
  const s = Buffer.from(salt64, 'base64url');
  const h = Buffer.from(hash64, 'base64url');
  if (s.length < 8) return 'salt must be at least 8 bytes';
  if (h.length < 16) return 'hash must be at least 16 bytes';
  return { N, r, p, salt: s, hash: h };
}

/** Whether `key` matches any stored hash; every hash is checked so timing does not reveal which. */
export function verifyApiKey(key: string, hashes: readonly ApiKeyHash[]): boolean {
  let ok = false;
  for (const h of hashes) {
    const got = scryptSync(key, h.salt, h.hash.length, {
      N: h.N,
      r: h.r,
      p: h.p,
      maxmem: 256 * h.N * h.r + 1024 * 1024,
    });
    if (timingSafeEqual(got, h.hash)) ok = true;
  }
  return ok;
}

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Config file (JSON or YAML); default: the AQUAOPS_CONFIG variable, if set. */
  readonly file?: string;
  /** For tests: file contents instead of reading `file`. */
  readonly fileText?: string;
}

/** Builds and validates the configuration; throws one AQUAOPS_E_CONFIG listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): ServerConfig {
  const env = options.env ?? {};
  const problems: ErrorDetail[] = [];
  const fileValues: Partial<Record<Key, unknown>> = {};
  const file = options.file ?? env.AQUAOPS_CONFIG;
  if (file !== undefined || options.fileText !== undefined) {
    const where = file ?? '<config text>';
    let parsed: unknown;
    try {
      const text = options.fileText ?? readFileSync(file as string, 'utf8');
      parsed = /\.json$/i.test(where) ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new AquaopsError('AQUAOPS_E_CONFIG', `cannot read config file ${where}: ${(err as Error).message}`, {
        hint: 'Point AQUAOPS_CONFIG at a readable JSON or YAML file.',
      });
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new AquaopsError('AQUAOPS_E_CONFIG', `config file ${where} must contain an object of settings`, {
          hint: `Known keys: ${Object.keys(KEYS).join(', ')}.`,
        });
      }
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (Object.hasOwn(KEYS, k)) fileValues[k as Key] = v;
        else problems.push({ path: `${where}: ${k}`, expected: `one of ${Object.keys(KEYS).join(', ')}`, found: k });
      }
    }
  }

  /** Env wins over the file; file values may be native JSON/YAML types. */
  const raw = (k: Key): { value: unknown; name: string } | undefined => {
    const e = env[KEYS[k]];
    if (e !== undefined && e !== '') return { value: e, name: KEYS[k] };
    if (fileValues[k] !== undefined) return { value: fileValues[k], name: `config file key "${k}"` };
    return undefined;
  };
  const bad = (name: string, expected: string, value: unknown): void => {
    problems.push({ path: name, expected, found: JSON.stringify(value) ?? String(value) });
  };
  const int = (k: Key, def: number, min: number, max: number): number => {
    const r = raw(k);
    if (r === undefined) return def;
    const n =
      typeof r.value === 'number'
        ? r.value
        : typeof r.value === 'string' && /^-?[0-9]+$/.test(r.value.trim())
          ? Number(r.value)
          : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      bad(r.name, `an integer ${min}–${max}`, r.value);
      return def;
    }
    return n;
  };
  const str = (k: Key, def: string, test?: { re: RegExp; expected: string }): string => {
    const r = raw(k);
    if (r === undefined) return def;
    if (typeof r.value !== 'string' || r.value.trim() === '' || (test !== undefined && !test.re.test(r.value.trim()))) {
      bad(r.name, test?.expected ?? 'a non-empty string', r.value);
      return def;
    }
    return r.value.trim();
  };
  const list = (k: Key): string[] => {
    const r = raw(k);
    if (r === undefined) return [];
    if (Array.isArray(r.value) && r.value.every((x) => typeof x === 'string'))
      return r.value.map((x: string) => x.trim());
    if (typeof r.value === 'string')
      return r.value
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
    bad(r.name, 'a comma-separated list (or a list in the file)', r.value);
    return [];
  };

  const workers = (): number => {
    const r = raw('workers');
    if (r === undefined) return DEFAULT_CONFIG.workers;
    if (typeof r.value === 'string' && r.value.trim().toLowerCase() === 'auto') return os.availableParallelism();
    const n =
      typeof r.value === 'number'
        ? r.value
        : typeof r.value === 'string' && /^[0-9]+$/.test(r.value.trim())
          ? Number(r.value)
          : Number.NaN;
    if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
      bad(r.name, `an integer 1–${MAX_WORKERS} or "auto"`, r.value);
      return DEFAULT_CONFIG.workers;
    }
    return n;
  };

  const hashes: ApiKeyHash[] = [];
  list('adminKeyHashes').forEach((h, i) => {
    const parsed = parseApiKeyHash(h);
    if (typeof parsed === 'string') {
      problems.push({
        path: `${KEYS.adminKeyHashes}[${i}]`,
        expected: `${parsed} (make one with hashApiKey)`,
        found: `${h.slice(0, 12)}…`,
      });
    } else hashes.push(parsed);
  });
  const corsOrigins = list('corsOrigins');
  corsOrigins.forEach((o, i) => {
    if (!/^https?:\/\/[^\s/]+$/.test(o)) {
      bad(`${KEYS.corsOrigins}[${i}]`, 'an origin like https://app.example.org (scheme://host[:port], no path)', o);
    }
  });
  const levelRaw = str('logLevel', DEFAULT_CONFIG.logLevel);
  if (!LOG_LEVELS.includes(levelRaw as LogLevel)) bad(KEYS.logLevel, `one of ${LOG_LEVELS.join(', ')}`, levelRaw);

  const cfg: ServerConfig = {
    port: int('port', DEFAULT_CONFIG.port, 0, 65535),
    host: str('host', DEFAULT_CONFIG.host, { re: /^[0-9A-Za-z.:_-]+$/, expected: 'a host name or IP address' }),
    storeUrl: str('storeUrl', DEFAULT_CONFIG.storeUrl),
    artifactDir: str('artifactDir', DEFAULT_CONFIG.artifactDir),
    modelName: str('modelName', DEFAULT_CONFIG.modelName, {
      re: /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/,
      expected: 'a model name (letters, digits, . _ -)',
    }),
    modelRef: str('modelRef', DEFAULT_CONFIG.modelRef, {
      re: /^([a-z][a-z0-9_-]{0,63}|[1-9][0-9]{0,8})$/,
      expected: 'an alias (e.g. champion) or a version number',
    }),
    modelPollIntervalMs: int('modelPollIntervalMs', DEFAULT_CONFIG.modelPollIntervalMs, 100, 3_600_000),
    adminKeyHashes: hashes,
    corsOrigins,
    bodyLimitBytes: int('bodyLimitBytes', DEFAULT_CONFIG.bodyLimitBytes, 1024, 100 * 1_048_576),
    maxRows: int('maxRows', DEFAULT_CONFIG.maxRows, 1, 100_000),
    batch: {
      maxRows: int('batchMaxRows', DEFAULT_CONFIG.batch.maxRows, 1, 100_000_000),
      bodyLimitBytes: int('batchBodyLimitBytes', DEFAULT_CONFIG.batch.bodyLimitBytes, 1024, 16 * 1024 * 1_048_576),
      logEvery: int('batchLogEvery', DEFAULT_CONFIG.batch.logEvery, 0, 1_000_000_000),
    },
    rateLimit: {
      max: int('rateLimitMax', DEFAULT_CONFIG.rateLimit.max, 1, 1_000_000),
      windowMs: int('rateLimitWindowMs', DEFAULT_CONFIG.rateLimit.windowMs, 100, 86_400_000),
    },
    logLevel: LOG_LEVELS.includes(levelRaw as LogLevel) ? (levelRaw as LogLevel) : DEFAULT_CONFIG.logLevel,
    predictionLog: {
      capacity: int('logQueueCapacity', DEFAULT_CONFIG.predictionLog.capacity, 1, 10_000_000),
      batchSize: int('logBatchSize', DEFAULT_CONFIG.predictionLog.batchSize, 1, 100_000),
      flushIntervalMs: int('logFlushIntervalMs', DEFAULT_CONFIG.predictionLog.flushIntervalMs, 1, 600_000),
    },
    shutdownTimeoutMs: int('shutdownTimeoutMs', DEFAULT_CONFIG.shutdownTimeoutMs, 0, 600_000),
    webDir: str('webDir', DEFAULT_CONFIG.webDir),
    workers: workers(),
  };
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.path} must be ${p.expected}, got ${p.found}`);
    throw new AquaopsError('AQUAOPS_E_CONFIG', `invalid configuration: ${lines.join('; ')}`, {
      hint: 'Fix the listed settings in the environment or the config file (AQUAOPS_CONFIG).',
      details: problems,
    });
  }
  return cfg;
}
