/**
 * Process entry of the API server: reads and validates the configuration once, builds the app on
 * the given boundary implementations, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, let in-flight requests finish, flush the prediction log) with a hard deadline.
 * By default the boundaries are the registry-backed ones, opened from the configured store URL
 * and artifact directory (the CLI's defaults, relative to the working directory) and closed on
 * shutdown; tests pass in-memory ones instead. With `workers` > 1 this process becomes the
 * cluster primary (`cluster.ts`) and each worker it forks runs the one-process path below, told
 * apart from a CLI-started server by its cluster channel: there the IPC peer is the primary.
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { FsArtifactStore, ModelRegistry, openStore, parseStoreUrl, type RegistryStore } from '@aquaops/registry';
import {
  RegistryFeedbackStore,
  RegistryModelAdmin,
  RegistryModelSource,
  RegistryOpsSource,
  RegistryPredictionSink,
  WorkerPredictionSink,
} from './adapters/registry.js';
import { type AppDeps, buildApp, type ServerApp } from './app.js';
import { isClusterWorker, runPrimary, type WorkerChannel, workerChannel } from './cluster.js';
import { loadConfig, type ServerConfig } from './config.js';
import { setMetricsAggregate } from './features/metrics/routes.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from './model/memory.js';
import type { PredictionSink } from './model/types.js';

export interface RunningServer extends ServerApp {
  readonly url: string;
  /** Graceful stop; resolves when the server is closed and the log flushed. */
  stop(): Promise<void>;
}

export function inMemoryDeps(): AppDeps {
  const source = new InMemoryModelSource();
  return { source, admin: source, sink: new InMemoryPredictionSink(), feedback: new InMemoryFeedbackStore() };
}

export interface RegistryDeps {
  readonly deps: AppDeps;
  readonly store: RegistryStore;
  readonly registry: ModelRegistry;
  /** Closes the prediction-log writer (after its queued appends) and then the store. */
  close(): Promise<void>;
}

/** Resolves a store URL against `cwd` (relative SQLite paths) and creates the SQLite file's directory. */
export function resolveStoreUrl(url: string, cwd: string = process.cwd()): string {
  const loc = parseStoreUrl(url);
  if (loc.kind !== 'sqlite') return url;
  const file = path.resolve(cwd, loc.file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return `sqlite:${file}`;
}

/**
 * Every boundary on an already open registry (and its store). The prediction log goes straight to
 * the store unless another `sink` is given (the SQLite worker sink); tests build on their own
 * store this way.
 */
export function registryBoundaries(registry: ModelRegistry, sink?: PredictionSink): AppDeps {
  const store = registry.store;
  return {
    source: new RegistryModelSource(registry),
    admin: new RegistryModelAdmin(registry),
    sink: sink ?? new RegistryPredictionSink(store),
    feedback: new RegistryFeedbackStore(store),
    ops: new RegistryOpsSource(registry),
  };
}

/** Opens the registry named by the config and builds every boundary on it; close `store` when done. */
export async function registryDeps(
  config: Pick<ServerConfig, 'storeUrl' | 'artifactDir'>,
  cwd: string = process.cwd(),
): Promise<RegistryDeps> {
  const url = resolveStoreUrl(config.storeUrl, cwd);
  const store = await openStore(url);
  const registry = new ModelRegistry(store, new FsArtifactStore(path.resolve(cwd, config.artifactDir)));
  // SQLite calls block the thread that makes them: its prediction log is written from a worker.
  const workerSink = parseStoreUrl(url).kind === 'sqlite' ? new WorkerPredictionSink(url) : undefined;
  const deps = registryBoundaries(registry, workerSink);
  const close = async (): Promise<void> => {
    await workerSink?.close();
    await store.close();
  };
  return { deps, store, registry, close };
}

export async function startServer(deps: AppDeps, config: ServerConfig): Promise<RunningServer> {
  const built = await buildApp(deps, config);
  const url = await built.app.listen({ port: config.port, host: config.host });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const deadline = setTimeout(() => {
        built.app.log.error('graceful shutdown timed out; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      deadline.unref();
      await built.app.close();
      clearTimeout(deadline);
    })();
    return stopping;
  };
  return { ...built, url, stop };
}

/** Runs until SIGTERM/SIGINT; returns the process exit code. */
export async function main(env: Readonly<Record<string, string | undefined>>, given?: AppDeps): Promise<number> {
  // First thing in a worker, so that a primary dying while this one starts is noticed.
  const channel = given === undefined && isClusterWorker(env) ? workerChannel() : undefined;
  try {
    return await run(env, given, channel);
  } finally {
    // A worker's channel to the primary would keep the process alive after it has stopped.
    channel?.close();
  }
}

async function run(
  env: Readonly<Record<string, string | undefined>>,
  given: AppDeps | undefined,
  channel: WorkerChannel | undefined,
): Promise<number> {
  let config: ServerConfig;
  try {
    config = loadConfig({ env });
  } catch (err) {
    const e = err as AquaopsError;
    process.stderr.write(
      `aquaops-server: ${e.message}\n${e instanceof AquaopsError && e.hint !== undefined ? `hint: ${e.hint}\n` : ''}`,
    );
    return 2;
  }
  // Dependencies handed in (tests) live in this process and cannot be shared with forks.
  if (config.workers > 1 && given === undefined && channel === undefined) {
    if (!cluster.isPrimary) {
      process.stderr.write(
        'aquaops-server: AQUAOPS_WORKERS > 1, but this process is already a worker of another cluster manager (e.g. pm2 cluster mode)\nhint: set AQUAOPS_WORKERS=1 and let that manager run the copies.\n',
      );
      return 2;
    }
    return runPrimary({ config, env });
  }
  // Set before the app exists, so no scrape ever gets this worker's share as if it were the whole.
  if (channel !== undefined) setMetricsAggregate(channel.aggregate);
  let deps = given;
  let closeRegistry: (() => Promise<void>) | undefined;
  if (deps === undefined) {
    try {
      const opened = await registryDeps(config);
      deps = opened.deps;
      closeRegistry = opened.close;
    } catch (err) {
      const e = err as AquaopsError;
      process.stderr.write(
        `aquaops-server: cannot open the registry: ${e.message}\n${e instanceof AquaopsError && e.hint !== undefined ? `hint: ${e.hint}\n` : ''}`,
      );
      return 1;
    }
  }
  let server: RunningServer;
  try {
    server = await startServer(deps, config);
  } catch (err) {
    await closeRegistry?.();
    throw err;
  }
  server.app.log.info({ url: server.url, model: config.modelName, ref: config.modelRef }, 'aquaops server listening');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: Record<string, string>): void => {
      if (stopping) return;
      stopping = true;
      server.app.log.info(why, 'shutting down');
      // The store closes only after the prediction log has flushed into it; the same hard
      // deadline as the HTTP shutdown applies, so a hung store cannot keep the process alive.
      void server
        .stop()
        .then(async () => {
          const deadline = setTimeout(() => {
            server.app.log.error('closing the registry timed out; exiting');
            process.exit(1);
          }, config.shutdownTimeoutMs);
          deadline.unref();
          await closeRegistry?.();
          clearTimeout(deadline);
        })
        .then(resolve, resolve);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      // A second signal gets its default action: a stuck shutdown can still be cut short.
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop({ signal });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (channel !== undefined) {
      // A cluster worker: its IPC peer is the primary, which asks it to stop by message; when the
      // primary dies — even by SIGKILL — the channel closes and the worker stops as well.
      channel.onStop((reason) => stop({ reason }));
      channel.ready(server.url, server.metrics.registry);
    } else if (process.send !== undefined && !cluster.isWorker) {
      // Started by `aquaops serve` with an IPC channel: when that parent dies — even by SIGKILL,
      // which it cannot forward — the channel closes, and the server must not live on orphaned.
      // (A worker of a foreign cluster manager is left to it: unreferencing its cluster channel
      // would let the process exit while it serves.)
      process.once('disconnect', () => onSignal('SIGTERM'));
      // The channel must not by itself keep the process alive once the server has stopped.
      process.channel?.unref();
    }
  });
  return 0;
}
