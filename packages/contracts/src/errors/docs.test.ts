import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCatalogueMarkdown } from './docs.js';
import { errorCatalogue } from './index.js';

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the catalogue (run `npm run docs:errors` after adding a code)', () => {
    const committed = readFileSync(resolve(import.meta.dirname, '../../../../docs/errors.md'), 'utf8');
    expect(committed).toBe(errorCatalogueMarkdown());
  });
  it('every code is AQUAOPS_E_* with a real HTTP status and a one-line meaning', () => {
    for (const [code, e] of Object.entries(errorCatalogue)) {
      expect(code).toMatch(/^AQUAOPS_E_[A-Z0-9_]+$/);
      expect(e.status >= 400 && e.status <= 599).toBe(true);
      expect(e.title.length).toBeGreaterThan(10);
      expect(e.title).not.toContain('\n');
    }
  });
});
