/** Writes docs/errors.md from the error catalogue (see packages/contracts/src/errors/docs.ts). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCatalogueMarkdown } from '../packages/contracts/src/errors/docs.js';

const target = resolve(import.meta.dirname, '../docs/errors.md');
writeFileSync(target, errorCatalogueMarkdown());
process.stdout.write(`wrote ${target}\n`);
