/**
 * `@aquaops/ml/node`: the Node-only additions to the engine — the worker-thread backend that
 * runs gradient-boosting training on several cores, and a multi-threaded batch predictor. Kept
 * out of the main entry point so the engine itself stays free of `node:*` imports and runs in a
 * browser.
 */
export type { ParallelPredictor, ParallelPredictorOptions } from './parallel-predict.js';
export { createParallelPredictor } from './parallel-predict.js';
export type { WorkerExecutorOptions } from './worker-executor.js';
export { defaultThreads, workerExecutorFactory } from './worker-executor.js';
