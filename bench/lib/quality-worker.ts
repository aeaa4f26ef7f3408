/**
 * Worker-thread side of the quality bench: rebuilds the dataset from the shared buffers once,
 * then runs each (variant, outer fold) task it is sent and posts the outcome back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultCatalog, matrix } from '@aquaops/ml';
import { type QualityData, type QualityTask, runQualityTask } from './quality.js';
import type { QualityWorkerInit } from './quality-run.js';

const init = workerData as QualityWorkerInit;
const data: QualityData = {
  X: matrix(init.nRows, init.nCols, new Float64Array(init.data)),
  y: new Uint8Array(init.y),
  folds: init.folds,
};
const catalog = defaultCatalog();

parentPort?.on('message', (task: QualityTask) => {
  void runQualityTask(data, catalog, task, init.tune).then((o) => parentPort?.postMessage(o));
});
