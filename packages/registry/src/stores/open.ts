/**
 * Picks and opens a registry store from one URL, so every caller (CLI, server, tests) selects
 * storage the same way: `memory:`, `sqlite:/path/file.db` (or a plain path), `postgres://…`.
 */
import { AquaopsError } from '@aquaops/contracts';
import { MemoryStore } from './memory.js';
import { maskUrl, openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { RegistryStore } from './store.js';

export type StoreLocation =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string };

export function parseStoreUrl(url: string): StoreLocation {
  const u = url.trim();
  if (u === '') {
    throw new AquaopsError('AQUAOPS_E_CONFIG', 'the registry store URL is empty', {
      hint: 'use memory:, sqlite:/path/registry.db, a file path, or postgres://user@host:5432/db',
    });
  }
  if (u === 'memory:' || u === 'memory') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(u)) return { kind: 'postgres', url: u };
  if (u.startsWith('sqlite:')) {
    const file = u.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '')
      throw new AquaopsError('AQUAOPS_E_CONFIG', `no file in "${u}"`, { hint: 'use sqlite:/path/registry.db' });
    return { kind: 'sqlite', file };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    throw new AquaopsError('AQUAOPS_E_CONFIG', `unsupported registry store URL ${maskUrl(u)}`, {
      hint: 'use memory:, sqlite:/path/registry.db, a file path, or postgres://user@host:5432/db',
    });
  }
  return { kind: 'sqlite', file: u };
}

export async function openStore(url: string): Promise<RegistryStore> {
  const loc = parseStoreUrl(url);
  switch (loc.kind) {
    case 'memory':
      return new MemoryStore();
    case 'sqlite':
      return openSqliteStore(loc.file);
    case 'postgres':
      return openPostgresStore(loc.url);
  }
}
