/**
 * A minimal task pool for benchmark work: N worker threads pull tasks from one queue (each
 * worker runs one task at a time, so two workers keep two cores busy), or, with zero threads,
 * the same tasks run in this thread. Workers are started with shared `workerData` once and then
 * receive plain task messages; each must answer one message per task.
 */
import { Worker } from 'node:worker_threads';

export interface TaskPool<T, R> {
  readonly threads: number;
  /** Runs every task; `onDone` sees each result as it arrives (completion order). */
  run(tasks: readonly T[], onDone?: (result: R, task: T) => void): Promise<R[]>;
  close(): Promise<void>;
}

export function inlinePool<T, R>(fn: (task: T) => Promise<R>): TaskPool<T, R> {
  return {
    threads: 0,
    async run(tasks, onDone) {
      const out: R[] = [];
      for (const t of tasks) {
        const r = await fn(t);
        out.push(r);
        onDone?.(r, t);
      }
      return out;
    },
    async close() {},
  };
}

export function workerPool<T, R>(script: string | URL, workerData: unknown, threads: number): TaskPool<T, R> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`workerPool needs threads >= 1, got ${threads}`);
  const workers = Array.from({ length: threads }, () => new Worker(script, { workerData }));
  const runOne = (w: Worker, task: T): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const cleanup = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (r: R): void => {
        cleanup();
        resolve(r);
      };
      const onError = (e: Error): void => {
        cleanup();
        reject(e);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`bench worker exited with code ${code} before answering`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(task);
    });
  return {
    threads,
    async run(tasks, onDone) {
      const results = new Array<R>(tasks.length);
      let next = 0;
      const loop = async (w: Worker): Promise<void> => {
        while (next < tasks.length) {
          const k = next++;
          const t = tasks[k] as T;
          const r = await runOne(w, t);
          results[k] = r;
          onDone?.(r, t);
        }
      };
      await Promise.all(workers.map(loop));
      return results;
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
