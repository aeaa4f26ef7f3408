/**
 * Executors run batches of trials. The in-process executor is the reference (and what a
 * browser or a one-core machine uses); the worker-pool executor spreads trials over worker
 * threads sharing the training matrix through a SharedArrayBuffer. Both stop handing out new
 * trials once the abort signal fires, and report each finished trial through a callback.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModelCatalog, Objective, SelectionMetric } from '@aquaops/ml';
import { objectiveFor } from '@aquaops/ml';
import { type TrialData, type TrialOutcome, type TrialTask, runTrial } from './trial.js';

export interface TrialExecutor {
  readonly threads: number;
  run(tasks: readonly TrialTask[], onDone?: (o: TrialOutcome) => void, signal?: AbortSignal): Promise<TrialOutcome[]>;
  close(): Promise<void>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

export function inProcessExecutor(data: TrialData, catalog: ModelCatalog, metric: SelectionMetric): TrialExecutor {
  const objective: Objective = objectiveFor(metric);
  return {
    threads: 1,
    async run(tasks, onDone, signal) {
      const out: TrialOutcome[] = [];
      for (const t of tasks) {
        if (signal?.aborted === true) break;
        // Let signal handlers (Ctrl-C) and progress rendering run between trials.
        await yieldToEventLoop();
        const o = runTrial(data, catalog, objective, t);
        out.push(o);
        onDone?.(o);
      }
      return out;
    },
    async close() {},
  };
}

interface WorkerSlot {
  readonly worker: Worker;
  busy: boolean;
}

/** Serialisable init payload; the matrix travels once, shared, not per task. */
export interface WorkerInit {
  readonly nRows: number;
  readonly nCols: number;
  readonly data: SharedArrayBuffer;
  readonly y: SharedArrayBuffer;
  readonly folds: readonly { repeat: number; fold: number; train: Int32Array; test: Int32Array }[];
  readonly metric: SelectionMetric;
}

const bootstrapPath = fileURLToPath(new URL('./worker/bootstrap.mjs', import.meta.url));

export function workerPoolExecutor(data: TrialData, metric: SelectionMetric, threads: number): TrialExecutor {
  const shared = new SharedArrayBuffer(data.X.data.byteLength);
  new Float64Array(shared).set(data.X.data);
  const ys = new SharedArrayBuffer(data.y.byteLength);
  new Uint8Array(ys).set(data.y);
  const init: WorkerInit = { nRows: data.X.nRows, nCols: data.X.nCols, data: shared, y: ys, folds: data.folds, metric };
  const slots: WorkerSlot[] = [];
  for (let k = 0; k < threads; k++) {
    const worker = new Worker(bootstrapPath, { workerData: init });
    worker.unref();
    slots.push({ worker, busy: false });
  }
  let closed = false;

  const runOn = (slot: WorkerSlot, task: TrialTask): Promise<TrialOutcome> =>
    new Promise((resolve, reject) => {
      slot.busy = true;
      const onMessage = (o: TrialOutcome): void => {
        cleanup();
        slot.busy = false;
        resolve(o);
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number): void => {
        cleanup();
        reject(new Error(`trial worker exited with code ${code}`));
      };
      const cleanup = (): void => {
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onError);
        slot.worker.off('exit', onExit);
      };
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onError);
      slot.worker.on('exit', onExit);
      slot.worker.ref();
      slot.worker.postMessage(task);
    }).finally(() => slot.worker.unref()) as Promise<TrialOutcome>;

  return {
    threads,
    async run(tasks, onDone, signal) {
      if (closed) throw new Error('executor is closed');
      const results = new Map<number, TrialOutcome>();
      let next = 0;
      const loop = async (slot: WorkerSlot): Promise<void> => {
        while (next < tasks.length && signal?.aborted !== true) {
          const t = tasks[next++] as TrialTask;
          const o = await runOn(slot, t);
          results.set(t.id, o);
          onDone?.(o);
        }
      };
      await Promise.all(slots.map(loop));
      return tasks.filter((t) => results.has(t.id)).map((t) => results.get(t.id) as TrialOutcome);
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
