/**
 * `aquaops serve` and `aquaops up`. Apps never import each other, so the CLI runs the API server
 * as a child process (the `aquaops-server` bin of @aquaops/server), configured only through its
 * environment variables built from the flags, with the same registry defaults as every other
 * command. Signals are forwarded once (the child runs in its own process group, so a terminal's
 * Ctrl-C is not delivered twice) and the CLI exits with the server's exit code.
 *
 * `up` is the one-command start of the README: when the registry has no `champion` for the model
 * it first trains one on generated sample data (with progress), then serves it and prints the URL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { openStore, parseStoreUrl } from '@aquaops/registry';
import { type Command, InvalidArgumentError } from 'commander';
import type { CliContext } from './context.js';
import { registryLocation } from './registry.js';
import { progressPrinter, type TrainCliOptions, trainFromOptions } from './train.js';

/** What `aquaops train` registers by default (the built-in schema's name). */
export const DEFAULT_MODEL = 'water-potability';

export interface ServeOptions {
  readonly port?: number;
  readonly host?: string;
  readonly store?: string;
  readonly artifacts?: string;
  readonly model?: string;
  readonly ref?: string;
  readonly logLevel?: string;
  readonly pollMs?: number;
  /** A count, or `auto` for one per available core. */
  readonly workers?: string;
}

const portArg = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n > 65535)
    throw new InvalidArgumentError(`--port must be an integer 0–65535, got "${v}".`);
  return n;
};

const pollArg = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 100)
    throw new InvalidArgumentError(`--poll-ms must be an integer >= 100, got "${v}".`);
  return n;
};

/** `--workers`: a count ≥ 1 or `auto`, passed on as written (the server checks the upper bound). */
export const workersArg = (v: string): string => {
  const t = v.trim().toLowerCase();
  if (t === 'auto') return t;
  if (!/^[0-9]+$/.test(t) || Number(t) < 1)
    throw new InvalidArgumentError(`--workers must be an integer >= 1 or "auto", got "${v}".`);
  return String(Number(t));
};

/** The server's bin, found through the workspace package (no import of the server's code). */
export function serverBinPath(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('@aquaops/server/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin?: Record<string, string> | string };
  const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['aquaops-server'];
  if (rel === undefined) {
    throw new AquaopsError('AQUAOPS_E_INTERNAL', `${pkgFile} declares no aquaops-server bin`, {
      hint: 'Reinstall the workspace (npm ci).',
    });
  }
  return path.resolve(path.dirname(pkgFile), rel);
}

/** The server's environment: the caller's, with the AQUAOPS_* settings the flags decide. */
export function serverEnv(
  opts: ServeOptions,
  base: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): Record<string, string> {
  const loc = registryLocation(
    {
      ...(opts.store === undefined ? {} : { store: opts.store }),
      ...(opts.artifacts === undefined ? {} : { artifacts: opts.artifacts }),
    },
    cwd,
  );
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  const set = (k: string, v: string | number | undefined, fallback?: string): void => {
    if (v !== undefined) env[k] = String(v);
    else if (fallback !== undefined && env[k] === undefined) env[k] = fallback;
  };
  // Flags win; without a flag an AQUAOPS_* variable already set wins; then the CLI defaults.
  set('AQUAOPS_STORE_URL', opts.store === undefined ? undefined : loc.store, loc.store);
  set('AQUAOPS_ARTIFACT_DIR', opts.artifacts === undefined ? undefined : loc.artifacts, loc.artifacts);
  set('AQUAOPS_MODEL_NAME', opts.model, DEFAULT_MODEL);
  set('AQUAOPS_MODEL_REF', opts.ref);
  set('AQUAOPS_PORT', opts.port);
  set('AQUAOPS_HOST', opts.host);
  set('AQUAOPS_LOG_LEVEL', opts.logLevel);
  set('AQUAOPS_MODEL_POLL_MS', opts.pollMs);
  set('AQUAOPS_WORKERS', opts.workers);
  return env;
}

/**
 * Runs the server until it exits; resolves with its exit code (128 + signal number when it was
 * killed by a signal). SIGINT/SIGTERM/SIGHUP received by the CLI are passed on to it.
 */
export function runServer(env: Record<string, string>, onSpawn?: (child: ChildProcess) => void): Promise<number> {
  const bin = serverBinPath();
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [bin], {
      env,
      // The IPC channel is the server's lifeline: it shuts down when the channel closes.
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      detached: process.platform !== 'win32',
    });
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const forward = (s: NodeJS.Signals): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill(s);
    };
    for (const s of signals) process.on(s, forward);
    // If the CLI itself exits abruptly, do not leave the server behind.
    const onExit = (): void => forward('SIGTERM');
    process.on('exit', onExit);
    const cleanup = (): void => {
      for (const s of signals) process.off(s, forward);
      process.off('exit', onExit);
    };
    child.once('error', (err) => {
      cleanup();
      reject(err);
    });
    child.once('exit', (code, signal) => {
      cleanup();
      const signo =
        signal === null
          ? undefined
          : ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 } as Record<string, number>)[signal];
      resolve(code ?? 128 + (signo ?? 1));
    });
    onSpawn?.(child);
  });
}

/** The champion's version, or undefined when the model has none yet (the store is created if missing). */
export async function championVersion(storeUrl: string, model: string): Promise<number | undefined> {
  const parsed = parseStoreUrl(storeUrl);
  if (parsed.kind === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(parsed.file)), { recursive: true });
  const store = await openStore(storeUrl);
  try {
    return (await store.getAlias(model, 'champion'))?.version;
  } finally {
    await store.close();
  }
}

function addServeOptions(cmd: Command, defaults: { port: string; host: string }): Command {
  return cmd
    .option('--port <n>', `port to listen on (default ${defaults.port}; 0 = any free port)`, portArg)
    .option('--host <addr>', `address to listen on (default ${defaults.host}; 0.0.0.0 in containers)`)
    .option('--store <url>', 'registry store: sqlite:PATH, postgres://…, memory: (default sqlite:.aquaops/registry.db)')
    .option('--artifacts <dir>', 'artifact directory (default .aquaops/artifacts)')
    .option('--model <name>', `registered model to serve (default ${DEFAULT_MODEL})`)
    .option('--ref <alias|version>', 'alias or version to serve (default champion; an alias is followed as it moves)')
    .option('--poll-ms <n>', 'how often to check the alias for a new version (default 5000)', pollArg)
    .option(
      '--workers <n|auto>',
      'server processes sharing the port, auto = one per core (default 1; keep 1 under Kubernetes and scale pods)',
      workersArg,
    )
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace, silent');
}

export function registerServe(program: Command, ctx: CliContext): void {
  addServeOptions(program.command('serve').description('run the REST API server on the registry (until Ctrl-C)'), {
    port: '8000',
    host: '127.0.0.1',
  }).action(async (opts: ServeOptions) => {
    process.exitCode = await runServer(serverEnv(opts));
  });

  addServeOptions(
    program
      .command('up')
      .description(
        'train a first model on sample data if there is no champion yet, then serve it on http://localhost:8000',
      ),
    { port: '8000', host: '127.0.0.1' },
  )
    .option('--families <list>', 'model families for the first training (default: all)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option('--trials <n>', 'configurations per family for the first training', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1)
        throw new InvalidArgumentError(`--trials must be an integer >= 1, got "${v}".`);
      return n;
    })
    .option('--folds <k>', 'cross-validation folds for the first training', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError(`--folds must be an integer >= 2, got "${v}".`);
      return n;
    })
    .action(async (opts: ServeOptions & { families?: string[]; trials?: number; folds?: number }) => {
      const env = serverEnv(opts);
      const storeUrl = env.AQUAOPS_STORE_URL!;
      const model = env.AQUAOPS_MODEL_NAME!;
      const ref = env.AQUAOPS_MODEL_REF ?? 'champion';
      if (ref === 'champion') {
        if ((await championVersion(storeUrl, model)) === undefined) {
          ctx.io.err(`no champion for ${model} in ${storeUrl}: training one on sample data first`);
          const train: TrainCliOptions = {
            store: storeUrl,
            artifacts: env.AQUAOPS_ARTIFACT_DIR!,
            modelName: model,
            ...(opts.families === undefined ? {} : { families: opts.families }),
            ...(opts.trials === undefined ? {} : { trials: opts.trials }),
            ...(opts.folds === undefined ? {} : { folds: opts.folds }),
          };
          const r = await trainFromOptions(train, ctx, progressPrinter(ctx.io, process.stderr.isTTY === true));
          if (r.result.interrupted) {
            ctx.io.err('training interrupted; not starting the server');
            process.exitCode = 130;
            return;
          }
          if (r.version === undefined || r.promotion?.alias !== 'champion') {
            throw new AquaopsError('AQUAOPS_E_TRAIN_NO_MODEL', `training did not produce a champion for ${model}`, {
              hint: `Inspect the run with \`aquaops runs show ${r.runId}\`, or promote a version: aquaops models promote ${model} VERSION --alias champion.`,
            });
          }
          ctx.io.err(`trained ${model} v${r.version.version} (${r.result.chosen.family}) and made it champion`);
        }
      }
      const host = env.AQUAOPS_HOST ?? '127.0.0.1';
      const port = env.AQUAOPS_PORT ?? '8000';
      const shownHost = host === '127.0.0.1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      if (port !== '0')
        ctx.io.out(`aquaops is starting on http://${shownHost}:${port} (API docs at /docs; Ctrl-C stops)`);
      else ctx.io.out('aquaops is starting on a free port (see the "listening" log line for the URL; Ctrl-C stops)');
      process.exitCode = await runServer(env);
    });
}
