/**
 * The pipeline's last two stages as commands: `aquaops evaluate` scores a model bundle (written
 * by `aquaops train --out DIR`) on a held-out CSV and writes DVC-style metrics; `aquaops
 * register` registers a bundle as a new model version and applies the promotion policy,
 * writing what it did to a small JSON file so the stage is skipped when nothing changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { writeFileAtomic } from '@aquaops/data';
import { defaultCatalog } from '@aquaops/ml';
import { FsArtifactStore, openStore, parseStoreUrl } from '@aquaops/registry';
import { DEFAULT_POLICY, evaluateBundle, readBundle, registerBundle } from '@aquaops/training';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from './context.js';
import { registryLocation } from './registry.js';
import { nonNegativeNumber } from '../format.js';

async function writeJson(file: string, value: unknown): Promise<void> {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function registerBundleCommands(program: Command, ctx: CliContext): void {
  program
    .command('evaluate')
    .description('score a model bundle on a held-out CSV; metrics with bootstrap 95% CIs')
    .requiredOption('--model <dir>', 'model bundle directory (from `aquaops train --out DIR`)')
    .requiredOption('--test <file>', 'held-out CSV with the label column')
    .option('--schema <name|file>', "dataset schema (default: the model's schema)")
    .option('--out <file>', 'write the metrics JSON here (a DVC metrics file)')
    .option('--bootstrap <n>', 'bootstrap resamples (default 1000)', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(`--bootstrap must be a positive integer, got "${v}".`);
      return n;
    })
    .action(async (opts: { model: string; test: string; schema?: string; out?: string; bootstrap?: number }) => {
      if (!fs.existsSync(opts.test)) {
        throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `Test file ${opts.test} does not exist.`, {
          hint: 'Pass the held-out CSV, e.g. data/test.csv.',
        });
      }
      const bundle = await readBundle(opts.model);
      const metrics = await evaluateBundle(bundle, opts.test, defaultCatalog(), {
        ...(opts.schema === undefined ? {} : { schema: opts.schema }),
        ...(opts.bootstrap === undefined ? {} : { bootstrap: opts.bootstrap }),
      });
      if (opts.out !== undefined) await writeJson(opts.out, metrics);
      ctx.io.out(JSON.stringify(metrics, null, 2));
    });

  program
    .command('register')
    .description('register a model bundle as a new version; champion only if it beats the current one')
    .requiredOption('--model <dir>', 'model bundle directory (from `aquaops train --out DIR`)')
    .option('--metrics <file>', 'evaluation metrics JSON to record with the version (as eval_*)')
    .option(
      '--min-improvement <x>',
      'held-out ROC-AUC gain needed to replace the champion (default 0)',
      nonNegativeNumber('--min-improvement'),
    )
    .option('--out <file>', 'write the registration result (model, version, alias, reason) here')
    .option('--store <url>', 'registry store (default sqlite:.aquaops/registry.db)')
    .option('--artifacts <dir>', 'artifact directory (default .aquaops/artifacts)')
    .option('--actor <name>', 'who registers, for the audit trail', 'aquaops register')
    .option('--json', 'print the result as JSON')
    .action(
      async (opts: {
        model: string;
        metrics?: string;
        minImprovement?: number;
        out?: string;
        store?: string;
        artifacts?: string;
        actor: string;
        json?: boolean;
      }) => {
        const bundle = await readBundle(opts.model);
        const extra: Record<string, number> = {};
        if (opts.metrics !== undefined) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(fs.readFileSync(opts.metrics, 'utf8'));
          } catch (err) {
            throw new AquaopsError(
              'AQUAOPS_E_USAGE',
              `Cannot read metrics ${opts.metrics}: ${(err as Error).message}`,
              {
                hint: 'Pass the JSON written by `aquaops evaluate --out`.',
              },
            );
          }
          for (const [k, v] of Object.entries(parsed as Record<string, unknown>))
            if (typeof v === 'number' && Number.isFinite(v)) extra[`eval_${k}`] = v;
        }
        const loc = registryLocation({
          ...(opts.store === undefined ? {} : { store: opts.store }),
          ...(opts.artifacts === undefined ? {} : { artifacts: opts.artifacts }),
        });
        const parsedUrl = parseStoreUrl(loc.store);
        if (parsedUrl.kind === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(parsedUrl.file)), { recursive: true });
        const store = await openStore(loc.store);
        try {
          const policy =
            opts.minImprovement === undefined
              ? DEFAULT_POLICY
              : { ...DEFAULT_POLICY, minImprovement: opts.minImprovement };
          const r = await registerBundle(bundle, store, new FsArtifactStore(loc.artifacts), policy, opts.actor, extra);
          const out = {
            model: r.version.model,
            version: r.version.version,
            alias: r.promotion.alias,
            reason: r.promotion.reason,
          };
          if (opts.out !== undefined) await writeJson(opts.out, out);
          ctx.io.out(
            opts.json === true
              ? JSON.stringify(out, null, 2)
              : `registered ${out.model} v${out.version} as ${out.alias}: ${out.reason}`,
          );
        } finally {
          await store.close();
        }
      },
    );
}
