#!/usr/bin/env node
// Entry point of the aquaops API server. The workspace ships TypeScript sources; tsx's loader is
// registered here so the server runs right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.env);
