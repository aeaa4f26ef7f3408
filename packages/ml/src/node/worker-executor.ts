/**
 * Worker-thread backend for gradient-boosting training (Node only). It implements the core's
 * `GbmExecutor` seam: every buffer the hot loops touch lives in SharedArrayBuffer memory, helper
 * threads run the same histogram and gradient loops as the core (`gbm/kernels.ts`, ported line by
 * line into the worker source below), and the calling thread takes one share itself and then
 * blocks on `Atomics.wait` — so the trainer keeps its plain synchronous shape. Histograms are split
 * by feature, so each bin is summed by one thread in row order and a model trained on N threads is
 * bit-identical to the single-threaded one. Small jobs stay on the calling thread: a worker wake-up
 * costs tens of microseconds, more than a small histogram takes.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  type GbmBuffers,
  type GbmExecutor,
  type GbmExecutorFactory,
  gradientKernel,
  histogramKernel,
  partitionChunk,
} from '../gbm/kernels.js';

export interface WorkerExecutorOptions {
  /** Total threads including the calling one (default: available parallelism, at most 8). */
  readonly threads?: number;
  /** Below this many training rows no workers are started (default 50,000). */
  readonly minRowsToSpawn?: number;
  /** Histogram calls over fewer rows run on the calling thread (default 16,384). */
  readonly minRowsPerCall?: number;
}

// Control block layout (Int32 slots) shared with each worker.
const SEQ = 0;
const DONE = 1;
const CMD = 2;
const A0 = 3;
const A1 = 4;
const A2 = 5;
const A3 = 6;
const A4 = 7;
const READY = 8;
const ERROR = 9;
const RESULT = 10;
const CTRL_SLOTS = 16;
const CMD_HIST = 1;
const CMD_GRAD = 2;
const CMD_QUIT = 3;
const CMD_PART = 4;

// Plain JavaScript (workers cannot load TypeScript); keep the loops identical to gbm/kernels.ts.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const d = workerData;
const ctrl = d.ctrl;
const { bins, binsByFeature, indices, gradHess, score, label, weight, hist, histOffset, active, scratch, goRight } = d;
const nF = d.nFeatures;
const histSize = d.histSize;
const stride = d.histStride;
function histogram(start, end, qFrom, qTo, slot) {
  const base = slot * histSize;
  const nq = qTo - qFrom;
  if (nq <= 0) return;
  const fFirst = active[qFrom];
  if (active[qTo - 1] - fFirst === nq - 1) {
    const o0 = base + fFirst * stride;
    const oEnd = o0 + nq * stride;
    hist.fill(0, o0, oEnd);
    for (let k = start; k < end; k++) {
      const i = indices[k];
      const g = gradHess[2 * i];
      const h = gradHess[2 * i + 1];
      let r = i * nF + fFirst;
      for (let o = o0; o < oEnd; o += stride) {
        const p = o + (bins[r++] << 1);
        hist[p] = hist[p] + g;
        hist[p + 1] = hist[p + 1] + h;
      }
    }
    return;
  }
  const col = new Int32Array(nq);
  const off = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    const f = active[qFrom + q];
    col[q] = f;
    off[q] = base + f * stride;
    hist.fill(0, base + f * stride, base + (f + 1) * stride);
  }
  for (let k = start; k < end; k++) {
    const i = indices[k];
    const g = gradHess[2 * i];
    const h = gradHess[2 * i + 1];
    const row = i * nF;
    for (let q = 0; q < nq; q++) {
      const p = off[q] + (bins[row + col[q]] << 1);
      hist[p] = hist[p] + g;
      hist[p + 1] = hist[p + 1] + h;
    }
  }
}
function gradients(from, to) {
  for (let i = from; i < to; i++) {
    const p = 1 / (1 + Math.exp(-score[i]));
    const w = weight[i];
    gradHess[2 * i] = w * (p - label[i]);
    gradHess[2 * i + 1] = w * p * (1 - p);
  }
}
function partition(start, end, feature) {
  const colBase = feature * d.nRows;
  let nl = 0;
  let nr = 0;
  for (let k = start; k < end; k++) {
    const i = indices[k];
    const r = goRight[binsByFeature[colBase + i]];
    indices[start + nl] = i;
    scratch[start + nr] = i;
    nl += 1 - r;
    nr += r;
  }
  return nl;
}
Atomics.store(ctrl, ${READY}, 1);
Atomics.notify(ctrl, ${READY});
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  const seq = Atomics.load(ctrl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const cmd = ctrl[${CMD}];
  if (cmd === ${CMD_QUIT}) break;
  try {
    if (cmd === ${CMD_HIST}) histogram(ctrl[${A0}], ctrl[${A1}], ctrl[${A2}], ctrl[${A3}], ctrl[${A4}]);
    else if (cmd === ${CMD_GRAD}) gradients(ctrl[${A0}], ctrl[${A1}]);
    else if (cmd === ${CMD_PART}) ctrl[${RESULT}] = partition(ctrl[${A0}], ctrl[${A1}], ctrl[${A2}]);
  } catch (e) {
    Atomics.store(ctrl, ${ERROR}, 1);
  }
  Atomics.store(ctrl, ${DONE}, seq);
  Atomics.notify(ctrl, ${DONE});
}
`;

const READY_TIMEOUT_MS = 20_000;
const CALL_TIMEOUT_MS = 120_000;

function shared<T>(ctor: new (b: SharedArrayBuffer) => T, bytesPer: number, n: number): T {
  return new ctor(new SharedArrayBuffer(Math.max(1, n) * bytesPer));
}

interface Helper {
  readonly worker: Worker;
  readonly ctrl: Int32Array;
  seq: number;
}

/** Thread count used when none is given: the machine's parallelism, capped at 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/** An executor factory whose executors run histogram/gradient loops on `threads` threads. */
export function workerExecutorFactory(options: WorkerExecutorOptions = {}): GbmExecutorFactory {
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`workerExecutorFactory: threads must be an integer in [1, 64], got ${threads}`);
  }
  const minRowsToSpawn = options.minRowsToSpawn ?? 50_000;
  const minRowsPerCall = options.minRowsPerCall ?? 16_384;
  return () => createWorkerExecutor(threads, minRowsToSpawn, minRowsPerCall);
}

function createWorkerExecutor(threads: number, minRowsToSpawn: number, minRowsPerCall: number): GbmExecutor {
  let buffers: GbmBuffers | undefined;
  const helpers: Helper[] = [];

  const need = (): GbmBuffers => {
    if (buffers === undefined) throw new Error('GbmExecutor used before bind()');
    return buffers;
  };

  const post = (h: Helper, cmd: number, a0: number, a1: number, a2 = 0, a3 = 0, a4 = 0): void => {
    const c = h.ctrl;
    c[CMD] = cmd;
    c[A0] = a0;
    c[A1] = a1;
    c[A2] = a2;
    c[A3] = a3;
    c[A4] = a4;
    h.seq = (h.seq + 1) | 0;
    Atomics.store(c, SEQ, h.seq);
    Atomics.notify(c, SEQ);
  };

  const await_ = (h: Helper): void => {
    const c = h.ctrl;
    for (;;) {
      const d = Atomics.load(c, DONE);
      if (d === h.seq) break;
      if (Atomics.wait(c, DONE, d, CALL_TIMEOUT_MS) === 'timed-out') {
        throw new Error(`gbm worker did not answer within ${CALL_TIMEOUT_MS} ms (worker thread stuck or killed)`);
      }
    }
    if (Atomics.load(c, ERROR) !== 0) throw new Error('gbm worker thread failed while building a histogram');
  };

  const release = (): void => {
    for (const h of helpers) {
      h.ctrl[CMD] = CMD_QUIT;
      h.seq = (h.seq + 1) | 0;
      Atomics.store(h.ctrl, SEQ, h.seq);
      Atomics.notify(h.ctrl, SEQ);
      h.worker.unref();
      void h.worker.terminate();
    }
    helpers.length = 0;
    buffers = undefined;
  };

  return {
    threads,
    allocFloat64: (n) => shared(Float64Array, 8, n).subarray(0, n),
    allocInt32: (n) => shared(Int32Array, 4, n).subarray(0, n),
    allocUint8: (n) => shared(Uint8Array, 1, n).subarray(0, n),
    bind(b) {
      buffers = b;
      if (threads < 2 || b.nRows < minRowsToSpawn) return;
      for (const arr of [
        b.bins,
        b.binsByFeature,
        b.indices,
        b.gradHess,
        b.score,
        b.label,
        b.weight,
        b.hist,
        b.histOffset,
        b.active,
        b.scratch,
        b.goRight,
      ]) {
        if (!(arr.buffer instanceof SharedArrayBuffer)) {
          throw new Error('worker executor: buffers must be allocated through this executor (shared memory)');
        }
      }
      try {
        for (let w = 1; w < threads; w++) {
          const ctrl = shared(Int32Array, 4, CTRL_SLOTS);
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: {
              ctrl,
              bins: b.bins,
              binsByFeature: b.binsByFeature,
              nRows: b.nRows,
              indices: b.indices,
              gradHess: b.gradHess,
              score: b.score,
              label: b.label,
              weight: b.weight,
              hist: b.hist,
              histOffset: b.histOffset,
              active: b.active,
              scratch: b.scratch,
              goRight: b.goRight,
              nFeatures: b.nFeatures,
              histSize: b.histSize,
              histStride: b.histStride,
            },
          });
          helpers.push({ worker, ctrl, seq: 0 });
        }
        for (const h of helpers) {
          if (Atomics.wait(h.ctrl, READY, 0, READY_TIMEOUT_MS) === 'timed-out' && Atomics.load(h.ctrl, READY) !== 1) {
            throw new Error(`gbm worker thread did not start within ${READY_TIMEOUT_MS} ms`);
          }
        }
      } catch (e) {
        release();
        throw e;
      }
    },
    histogram(start, end, nActive, slot) {
      const b = need();
      const t = Math.min(helpers.length + 1, nActive);
      if (t < 2 || end - start < minRowsPerCall) {
        histogramKernel(b, start, end, 0, nActive, slot);
        return;
      }
      // Feature chunks: helpers take the first ones, the calling thread the last (the largest when
      // they are uneven), which offsets the helpers' wake-up latency.
      for (let w = 1; w < t; w++) {
        const qFrom = Math.floor((nActive * (w - 1)) / t);
        const qTo = Math.floor((nActive * w) / t);
        post(helpers[w - 1] as Helper, CMD_HIST, start, end, qFrom, qTo, slot);
      }
      histogramKernel(b, start, end, Math.floor((nActive * (t - 1)) / t), nActive, slot);
      for (let w = 1; w < t; w++) await_(helpers[w - 1] as Helper);
    },
    gradients() {
      const b = need();
      const t = helpers.length + 1;
      if (t < 2) {
        gradientKernel(b, 0, b.nRows);
        return;
      }
      for (let w = 1; w < t; w++) {
        post(helpers[w - 1] as Helper, CMD_GRAD, Math.floor((b.nRows * w) / t), Math.floor((b.nRows * (w + 1)) / t));
      }
      gradientKernel(b, 0, Math.floor(b.nRows / t));
      for (let w = 1; w < t; w++) await_(helpers[w - 1] as Helper);
    },
    partition(start, end, feature) {
      const b = need();
      const n = end - start;
      const t = helpers.length + 1;
      if (t < 2 || n < minRowsPerCall) {
        const nl = partitionChunk(b, start, end, feature);
        b.indices.set(b.scratch.subarray(start, start + (n - nl)), start + nl);
        return nl;
      }
      // Each thread partitions one contiguous chunk; concatenating the chunks' left parts, then
      // their right parts, gives exactly the serial (stable) order.
      const bound = (w: number): number => start + Math.floor((n * w) / t);
      for (let w = 1; w < t; w++) post(helpers[w - 1] as Helper, CMD_PART, bound(w), bound(w + 1), feature);
      const lefts = new Int32Array(t);
      lefts[0] = partitionChunk(b, start, bound(1), feature);
      for (let w = 1; w < t; w++) {
        const h = helpers[w - 1] as Helper;
        await_(h);
        lefts[w] = Atomics.load(h.ctrl, RESULT);
      }
      const { indices, scratch } = b;
      let dst = start + (lefts[0] as number);
      for (let w = 1; w < t; w++) {
        const from = bound(w);
        indices.copyWithin(dst, from, from + (lefts[w] as number));
        dst += lefts[w] as number;
      }
      const nLeft = dst - start;
      for (let w = 0; w < t; w++) {
        const from = bound(w);
        const nr = bound(w + 1) - from - (lefts[w] as number);
        indices.set(scratch.subarray(from, from + nr), dst);
        dst += nr;
      }
      return nLeft;
    },
    release,
  };
}
