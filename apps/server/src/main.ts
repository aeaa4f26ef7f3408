/**
 * Process entry of the API server: reads and validates the configuration once, builds the app on
 * the given boundary implementations, listens, and shuts down gracefully on SIGTERM/SIGINT
 * (stop accepting, let in-flight requests finish, flush the prediction log) with a hard deadline.
 * The registry-backed ModelSource/PredictionSink/FeedbackStore are passed in by the caller; until
 * they are wired, the in-memory ones are used and the server stays unready until a model appears.
 */
import { AquaopsError } from '@aquaops/contracts';
import { type AppDeps, buildApp, type ServerApp } from './app.js';
import { loadConfig, type ServerConfig } from './config.js';
import { InMemoryFeedbackStore, InMemoryModelSource, InMemoryPredictionSink } from './model/memory.js';

export interface RunningServer extends ServerApp {
  readonly url: string;
  /** Graceful stop; resolves when the server is closed and the log flushed. */
  stop(): Promise<void>;
}

export function inMemoryDeps(): AppDeps {
  const source = new InMemoryModelSource();
  return { source, admin: source, sink: new InMemoryPredictionSink(), feedback: new InMemoryFeedbackStore() };
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
export async function main(
  env: Readonly<Record<string, string | undefined>>,
  deps: AppDeps = inMemoryDeps(),
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
  const server = await startServer(deps, config);
  server.app.log.info({ url: server.url, model: config.modelName, ref: config.modelRef }, 'aquaops server listening');
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      server.app.log.info({ signal }, 'shutting down');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      void server.stop().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  return 0;
}
