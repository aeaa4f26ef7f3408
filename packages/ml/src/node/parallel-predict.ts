/**
 * Multi-threaded batch prediction for gradient-boosted models (Node only). The flattened forest
 * is copied once into SharedArrayBuffer memory; each call copies the batch into a shared buffer,
 * helper threads score contiguous row ranges while the calling thread scores the first one, and
 * the call blocks on `Atomics.wait` until all are done — so the API stays synchronous. Each row's
 * trees are summed in the same order as `predictMargin`, so results are bit-identical to it.
 * Small batches are scored inline: waking a thread costs more than a few thousand rows take.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { GradientBoostingClassifier } from '../gbm/gbm.js';
import { forestBatch } from '../gbm/predictor.js';
import { checkPredictInput, type Matrix } from '../matrix.js';
import { defaultThreads } from './worker-executor.js';

export interface ParallelPredictorOptions {
  /** Total threads including the calling one (default: available parallelism, at most 8). */
  readonly threads?: number;
  /** Batches with fewer rows are scored on the calling thread (default 8,192). */
  readonly minRows?: number;
}

export interface ParallelPredictor {
  readonly threads: number;
  predictMargin(X: Matrix): Float64Array;
  predictProba(X: Matrix): Float64Array;
  /** Stops the helper threads; the predictor must not be used afterwards. */
  close(): void;
}

const SEQ = 0;
const DONE = 1;
const FROM = 2;
const TO = 3;
const NROWS = 4;
const READY = 5;
const ERROR = 6;
const QUIT = 7;

// Plain JavaScript (workers cannot load TypeScript); the descent mirrors gbm/predictor.ts.
const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { ctrl, port, root, feature, threshold, missingLeft, child, leafValue, nCols } = workerData;
const nTrees = root.length;
let data = new Float64Array(0);
let out = new Float64Array(0);
const x = new Float64Array(nCols);
function score(from, to, nRows) {
  for (let i = from; i < to; i++) {
    let nan = false;
    for (let j = 0; j < nCols; j++) {
      const v = data[j * nRows + i];
      x[j] = v;
      if (v !== v) nan = true;
    }
    let sum = 0;
    for (let t = 0; t < nTrees; t++) {
      let n = root[t];
      if (nan) {
        while (n >= 0) {
          const v = x[feature[n]];
          const r = v !== v ? 1 - missingLeft[n] : +(v > threshold[n]);
          n = child[(n << 1) | r];
        }
      } else {
        while (n >= 0) n = child[(n << 1) | +(x[feature[n]] > threshold[n])];
      }
      sum += leafValue[~n];
    }
    out[i] = out[i] + sum;
  }
}
Atomics.store(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  const seq = Atomics.load(ctrl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (ctrl[${QUIT}] === 1) break;
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
    data = m.message.data;
    out = m.message.out;
  }
  try {
    score(ctrl[${FROM}], ctrl[${TO}], ctrl[${NROWS}]);
  } catch (e) {
    Atomics.store(ctrl, ${ERROR}, 1);
  }
  Atomics.store(ctrl, ${DONE}, seq);
  Atomics.notify(ctrl, ${DONE});
}
`;

const READY_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 120_000;

interface Helper {
  readonly worker: Worker;
  readonly ctrl: Int32Array;
  readonly port: MessagePort;
  seq: number;
}

function sharedCopy<T extends Float64Array | Int32Array | Uint8Array>(src: T): T {
  const ctor = src.constructor as new (b: SharedArrayBuffer) => T;
  const dst = new ctor(new SharedArrayBuffer(Math.max(1, src.byteLength)));
  (dst as unknown as { set(a: ArrayLike<number>): void }).set(src);
  return dst;
}

/** A batch predictor for a fitted model that scores large batches on `threads` threads. */
export function createParallelPredictor(
  model: GradientBoostingClassifier,
  options: ParallelPredictorOptions = {},
): ParallelPredictor {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`createParallelPredictor: threads must be an integer in [1, 64], got ${threads}`);
  }
  const minRows = options.minRows ?? 8192;
  const ff = model.flatForest;
  const init = model.baseScore;
  const nCols = model.nFeatures;
  const helpers: Helper[] = [];
  let data = new Float64Array(new SharedArrayBuffer(8));
  let out = new Float64Array(new SharedArrayBuffer(8));
  let closed = false;

  const close = (): void => {
    closed = true;
    for (const h of helpers) {
      h.ctrl[QUIT] = 1;
      h.seq = (h.seq + 1) | 0;
      Atomics.store(h.ctrl, SEQ, h.seq);
      Atomics.notify(h.ctrl, SEQ);
      h.port.close();
      h.worker.unref();
      void h.worker.terminate();
    }
    helpers.length = 0;
  };

  if (threads > 1) {
    const shared = {
      root: sharedCopy(ff.root),
      feature: sharedCopy(ff.feature),
      threshold: sharedCopy(ff.threshold),
      missingLeft: sharedCopy(ff.missingLeft),
      child: sharedCopy(ff.child),
      leafValue: sharedCopy(ff.leafValue),
    };
    try {
      for (let w = 1; w < threads; w++) {
        const ctrl = new Int32Array(new SharedArrayBuffer(4 * 8));
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { ctrl, port: port2, nCols, ...shared },
          transferList: [port2],
        });
        helpers.push({ worker, ctrl, port: port1, seq: 0 });
      }
      for (const h of helpers) {
        if (Atomics.wait(h.ctrl, READY, 0, READY_TIMEOUT_MS) === 'timed-out' && Atomics.load(h.ctrl, READY) !== 1) {
          throw new Error(`prediction worker thread did not start within ${READY_TIMEOUT_MS} ms`);
        }
      }
    } catch (e) {
      close();
      throw e;
    }
  }

  const predictMargin = (X: Matrix): Float64Array => {
    if (closed) throw new Error('ParallelPredictor used after close()');
    checkPredictInput(X, nCols, { allowMissing: true, model: 'gbm' });
    const n = X.nRows;
    const t = helpers.length + 1;
    if (t < 2 || n < minRows) {
      const res = new Float64Array(n).fill(init);
      forestBatch(ff, X.data, n, nCols, res);
      return res;
    }
    if (data.length < n * nCols) {
      data = new Float64Array(new SharedArrayBuffer(8 * n * nCols));
      out = new Float64Array(new SharedArrayBuffer(8 * n));
      for (const h of helpers) h.port.postMessage({ data, out });
    }
    // The batch sits at the front of the shared buffer with its own row stride (n).
    data.set(X.data);
    out.fill(init, 0, n);
    const bound = (w: number): number => Math.floor((n * w) / t);
    for (let w = 1; w < t; w++) {
      const h = helpers[w - 1] as Helper;
      h.ctrl[FROM] = bound(w);
      h.ctrl[TO] = bound(w + 1);
      h.ctrl[NROWS] = n;
      h.seq = (h.seq + 1) | 0;
      Atomics.store(h.ctrl, SEQ, h.seq);
      Atomics.notify(h.ctrl, SEQ);
    }
    forestBatch(ff, data, n, nCols, out, ff.nTrees, 0, bound(1));
    for (const h of helpers) {
      for (;;) {
        const d = Atomics.load(h.ctrl, DONE);
        if (d === h.seq) break;
        if (Atomics.wait(h.ctrl, DONE, d, CALL_TIMEOUT_MS) === 'timed-out') {
          throw new Error(`prediction worker did not answer within ${CALL_TIMEOUT_MS} ms`);
        }
      }
      if (Atomics.load(h.ctrl, ERROR) !== 0) throw new Error('prediction worker thread failed');
    }
    return out.slice(0, n);
  };

  return {
    threads,
    predictMargin,
    predictProba(X) {
      const m = predictMargin(X);
      for (let i = 0; i < m.length; i++) m[i] = 1 / (1 + Math.exp(-(m[i] as number)));
      return m;
    },
    close,
  };
}
