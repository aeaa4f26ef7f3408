/** Configuration loading: defaults, env and file sources, every-problem error messages, API-key hashes. */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { AquaopsError } from '@aquaops/contracts';
import { DEFAULT_CONFIG, hashApiKey, loadConfig, MAX_WORKERS, parseApiKeyHash, verifyApiKey } from './config.js';

function configError(fn: () => unknown): AquaopsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AquaopsError) return err;
    throw err;
  }
  throw new Error('expected a config error');
}

describe('loadConfig', () => {
  it('returns the defaults for an empty environment', () => {
    expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
  });

  it('reads env values and lists', () => {
    const c = loadConfig({
      env: {
        AQUAOPS_PORT: '9000',
        AQUAOPS_HOST: '0.0.0.0',
        AQUAOPS_CORS_ORIGINS: 'https://a.org, http://localhost:5173',
        AQUAOPS_MAX_ROWS: '50',
      },
    });
    expect([c.port, c.host, c.maxRows]).toEqual([9000, '0.0.0.0', 50]);
    expect(c.corsOrigins).toEqual(['https://a.org', 'http://localhost:5173']);
  });

  it('says what is wrong and how, for every bad setting at once', () => {
    const e = configError(() =>
      loadConfig({ env: { AQUAOPS_PORT: 'abc', AQUAOPS_LOG_LEVEL: 'loud', AQUAOPS_MAX_ROWS: '0' } }),
    );
    expect(e.code).toBe('AQUAOPS_E_CONFIG');
    expect(e.message).toContain('AQUAOPS_PORT must be an integer 0–65535, got "abc"');
    expect(e.message).toContain('AQUAOPS_LOG_LEVEL must be one of');
    expect(e.message).toContain('AQUAOPS_MAX_ROWS must be an integer 1–100000, got "0"');
    expect(e.details).toHaveLength(3);
  });

  it('reads YAML and JSON files; env overrides the file; unknown keys are errors', () => {
    const c = loadConfig({
      env: { AQUAOPS_PORT: '7000' },
      file: 'x.yaml',
      fileText: 'port: 8100\nmaxRows: 20\ncorsOrigins: [https://x.org]\n',
    });
    expect([c.port, c.maxRows, c.corsOrigins]).toEqual([7000, 20, ['https://x.org']]);
    const j = loadConfig({ env: {}, file: 'x.json', fileText: '{"rateLimitMax": 5}' });
    expect(j.rateLimit.max).toBe(5);
    const e = configError(() => loadConfig({ env: {}, file: 'x.json', fileText: '{"prot": 1}' }));
    expect(e.message).toContain('prot');
    expect(configError(() => loadConfig({ env: {}, file: 'x.json', fileText: '{' })).code).toBe('AQUAOPS_E_CONFIG');
  });

  it('reads the worker count: default 1, an integer, or auto = the available cores', () => {
    expect(loadConfig({ env: {} }).workers).toBe(1);
    expect(loadConfig({ env: { AQUAOPS_WORKERS: '4' } }).workers).toBe(4);
    expect(loadConfig({ env: { AQUAOPS_WORKERS: ' 2 ' } }).workers).toBe(2);
    expect(loadConfig({ env: { AQUAOPS_WORKERS: 'auto' } }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ env: { AQUAOPS_WORKERS: 'AUTO' } }).workers).toBe(os.availableParallelism());
    expect(loadConfig({ env: {}, file: 'c.yaml', fileText: 'workers: 3\n' }).workers).toBe(3);
    expect(loadConfig({ env: {}, file: 'c.yaml', fileText: 'workers: auto\n' }).workers).toBe(
      os.availableParallelism(),
    );
    expect(loadConfig({ env: { AQUAOPS_WORKERS: '2' }, file: 'c.yaml', fileText: 'workers: 5\n' }).workers).toBe(2);
  });

  it('refuses a worker count that is not a positive integer or auto', () => {
    for (const bad of ['0', '-1', '1.5', 'two', 'max', String(MAX_WORKERS + 1)]) {
      const e = configError(() => loadConfig({ env: { AQUAOPS_WORKERS: bad } }));
      expect(e.code).toBe('AQUAOPS_E_CONFIG');
      expect(e.message).toContain(`AQUAOPS_WORKERS must be an integer 1–${MAX_WORKERS} or "auto", got "${bad}"`);
    }
    const f = configError(() => loadConfig({ env: {}, file: 'c.yaml', fileText: 'workers: 0.5\n' }));
    expect(f.message).toContain('config file key "workers" must be an integer 1–1024 or "auto", got 0.5');
  });

  it('rejects malformed key hashes and bad CORS origins', () => {
    const e = configError(() =>
      loadConfig({ env: { AQUAOPS_ADMIN_KEY_HASHES: 'plaintext-key', AQUAOPS_CORS_ORIGINS: 'https://a.org/path' } }),
    );
    expect(e.message).toContain('AQUAOPS_ADMIN_KEY_HASHES[0]');
    expect(e.message).toContain('AQUAOPS_CORS_ORIGINS[0]');
  });
});

describe('API key hashes', () => {
  it('round-trips through the env format and verifies only the right key', () => {
    const h = hashApiKey('a-very-secret-admin-key', { N: 1024 });
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    const c = loadConfig({
      env: { AQUAOPS_ADMIN_KEY_HASHES: `${h},${hashApiKey('another-secret-key-123', { N: 1024 })}` },
    });
    expect(c.adminKeyHashes).toHaveLength(2);
    expect(verifyApiKey('a-very-secret-admin-key', c.adminKeyHashes)).toBe(true);
    expect(verifyApiKey('another-secret-key-123', c.adminKeyHashes)).toBe(true);
    expect(verifyApiKey('a-very-secret-admin-kez', c.adminKeyHashes)).toBe(false);
    expect(h).not.toContain('a-very-secret');
  });

  it('refuses short keys and bad parameters', () => {
    expect(() => hashApiKey('short')).toThrow(AquaopsError);
    expect(parseApiKeyHash('scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).toMatch(/power of two/);
    expect(parseApiKeyHash('bcrypt$x')).toMatch(/expected scrypt/);
  });
});
