/**
 * Renders the error catalogue as the Markdown page `docs/errors.md`, so the docs list exactly
 * the codes the API and CLI use (a test fails when the committed page drifts from the code;
 * `npm run docs:errors` rewrites it).
 */
import { errorCatalogue } from './index.js';

export function errorCatalogueMarkdown(): string {
  const rows = Object.entries(errorCatalogue)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.title.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    'Every error aquaops reports — in an API response body (`{"error": {"code": …}}`), on the command',
    'line (`error AQUAOPS_E_…: message. Fix: …`) or in a library exception — carries one of these codes.',
    'The HTTP status is what the API answers with; the CLI exits with 2 for usage errors, 3 for',
    'internal errors and 1 otherwise. Generated from `packages/contracts/src/errors/` by',
    '`npm run docs:errors`; do not edit by hand.',
    '',
    '| code | HTTP status | meaning |',
    '|---|---:|---|',
    ...rows,
    '',
  ].join('\n');
}
