/** Tests store selection by URL. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory.js';
import { openStore, parseStoreUrl } from './open.js';
import { maskUrl } from './postgres.js';

describe('parseStoreUrl / openStore', () => {
  it('picks the backend from the URL', () => {
    expect(parseStoreUrl('memory:')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('sqlite:/tmp/r.db')).toEqual({ kind: 'sqlite', file: '/tmp/r.db' });
    expect(parseStoreUrl('sqlite:///tmp/r.db')).toEqual({ kind: 'sqlite', file: '/tmp/r.db' });
    expect(parseStoreUrl('sqlite:rel/r.db')).toEqual({ kind: 'sqlite', file: 'rel/r.db' });
    expect(parseStoreUrl('./plain.db')).toEqual({ kind: 'sqlite', file: './plain.db' });
    expect(parseStoreUrl('postgres://u@h:5432/db?schema=x')).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h:5432/db?schema=x',
    });
    expect(parseStoreUrl('postgresql://u@h/db').kind).toBe('postgres');
  });

  it('rejects empty and unknown URLs, masking passwords', () => {
    expect(() => parseStoreUrl(' ')).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_CONFIG' }));
    expect(() => parseStoreUrl('mysql://root:hunter2@h/db')).toThrow(
      /unsupported registry store URL mysql:\/\/root:\*\*\*@h\/db/,
    );
    expect(() => parseStoreUrl('sqlite:')).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_CONFIG' }));
    expect(maskUrl('postgres://a:b@h/db')).toBe('postgres://a:***@h/db');
    expect(maskUrl('postgres://a@h/db')).toBe('postgres://a@h/db');
  });

  it('opens memory and sqlite stores', async () => {
    const m = await openStore('memory:');
    expect(m).toBeInstanceOf(MemoryStore);
    await m.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aquaops-open-'));
    try {
      const s = await openStore(path.join(dir, 'x.db'));
      expect(s.description).toBe(`sqlite:${path.join(dir, 'x.db')}`);
      await s.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
