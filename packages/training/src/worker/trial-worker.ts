/**
 * Worker-thread side of the trial pool: rebuilds the shared training matrix once from
 * `workerData`, then scores each trial it is sent and posts the outcome back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { defaultCatalog, matrix, objectiveFor } from '@aquaops/ml';
import type { WorkerInit } from '../executor.js';
import { type TrialData, type TrialTask, runTrial } from '../trial.js';

const init = workerData as WorkerInit;
const data: TrialData = {
  X: matrix(init.nRows, init.nCols, new Float64Array(init.data)),
  y: new Uint8Array(init.y),
  folds: init.folds,
};
const catalog = defaultCatalog();
const objective = objectiveFor(init.metric);

parentPort?.on('message', (task: TrialTask) => {
  const outcome = runTrial(data, catalog, objective, task);
  parentPort?.postMessage(outcome);
});
