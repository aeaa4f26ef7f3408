/**
 * The two hot loops of histogram boosting — gradient/hessian computation and histogram
 * accumulation — and the `GbmExecutor` seam through which the trainer runs them. The trainer is
 * pure and single-threaded; an executor decides where the loops run. `serialExecutor` runs them
 * inline (browsers, small data); the Node-only worker backend in `@aquaops/ml/node` runs the same
 * loops (ported line by line) on worker threads over SharedArrayBuffer memory. Histogram work is
 * split by feature, so every bin is still summed by one thread in row order: results are
 * bit-identical whatever the thread count.
 */

/** Arrays the kernels read and write; an executor may back them with shared memory. */
export interface GbmBuffers {
  readonly nRows: number;
  readonly nFeatures: number;
  /** Row-major bins, `nRows * nFeatures`. */
  readonly bins: Uint8Array;
  /**
   * The same bins column-major (`binsByFeature[f * nRows + i]`), read only by `partition`: a split
   * reads one feature of ascending row indices, which this layout serves from far fewer cache lines.
   */
  readonly binsByFeature: Uint8Array;
  /** Row index buffer partitioned in place by leaf; the kernels read `indices[start..end)`. */
  readonly indices: Int32Array;
  /** Gradient and hessian per row, interleaved (`2i`, `2i + 1`): one cache line serves both. */
  readonly gradHess: Float64Array;
  /** Current raw scores (margins) of the training rows. */
  readonly score: Float64Array;
  /** 0/1 labels as floats. */
  readonly label: Float64Array;
  /** Per-row weights (1 when unweighted). */
  readonly weight: Float64Array;
  /** Histogram slots, each `histSize` doubles, interleaved (grad, hess) per bin. */
  readonly hist: Float64Array;
  readonly histSize: number;
  /**
   * Offset (in doubles) of each feature's histogram within a slot: always `f * histStride`, so the
   * kernel can step from feature to feature by a constant instead of loading a table entry per update.
   */
  readonly histOffset: Int32Array;
  /** Doubles per feature histogram: `2 * (largest nBins + 1)`; unused tail entries stay zero/unread. */
  readonly histStride: number;
  /** Features whose histograms to build (first `nActive` entries), written before each call. */
  readonly active: Int32Array;
  /** Scratch for partitioning, `nRows` long (right-going rows are parked at the same offsets). */
  readonly scratch: Int32Array;
  /** 256 entries: 1 when a row whose split-feature bin is this value goes right; set before `partition`. */
  readonly goRight: Uint8Array;
}

/** Where the hot loops run. Calls are synchronous: they return when the work is complete. */
export interface GbmExecutor {
  readonly threads: number;
  allocFloat64(length: number): Float64Array;
  allocInt32(length: number): Int32Array;
  allocUint8(length: number): Uint8Array;
  /** Hands over the buffers (allocated through this executor) before training starts. */
  bind(buffers: GbmBuffers): void;
  /** Histogram of rows `indices[start..end)` for the first `nActive` active features into slot `slot`. */
  histogram(start: number, end: number, nActive: number, slot: number): void;
  /** grad/hess of binary log-loss from score, label and weight, for every row. */
  gradients(): void;
  /**
   * Stable partition of `indices[start..end)` by `goRight[bin of feature]`: left-going rows first,
   * both sides in their original order. Returns the number of left-going rows.
   */
  partition(start: number, end: number, feature: number): number;
  /** Frees threads and memory; the executor is not used afterwards. */
  release(): void;
}

/** Creates a fresh executor per fit. */
export type GbmExecutorFactory = () => GbmExecutor;

/**
 * Histogram accumulation for active features `active[qFrom..qTo)`. Every bin is summed in row
 * order, whatever the split of features across threads. When those features are consecutive (the
 * usual case: featureFraction 1), one row's bins are adjacent bytes and the feature histograms sit
 * a constant stride apart, so the inner loop walks both with plain increments — measured ~25%
 * faster than resolving a (column, offset) table per update.
 */
export function histogramKernel(
  b: GbmBuffers,
  start: number,
  end: number,
  qFrom: number,
  qTo: number,
  slot: number,
): void {
  const { bins, indices, gradHess, hist, active } = b;
  const nF = b.nFeatures;
  const stride = b.histStride;
  const base = slot * b.histSize;
  const nq = qTo - qFrom;
  if (nq <= 0) return;
  const fFirst = active[qFrom] as number;
  if ((active[qTo - 1] as number) - fFirst === nq - 1) {
    const o0 = base + fFirst * stride;
    const oEnd = o0 + nq * stride;
    hist.fill(0, o0, oEnd);
    for (let k = start; k < end; k++) {
      const i = indices[k] as number;
      const g = gradHess[2 * i] as number;
      const h = gradHess[2 * i + 1] as number;
      let r = i * nF + fFirst;
      for (let o = o0; o < oEnd; o += stride) {
        const p = o + ((bins[r++] as number) << 1);
        hist[p] = (hist[p] as number) + g;
        hist[p + 1] = (hist[p + 1] as number) + h;
      }
    }
    return;
  }
  // Scattered feature subset: resolve each feature's (bin column, histogram offset) once.
  const col = new Int32Array(nq);
  const off = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    const f = active[qFrom + q] as number;
    col[q] = f;
    off[q] = base + f * stride;
    hist.fill(0, base + f * stride, base + (f + 1) * stride);
  }
  for (let k = start; k < end; k++) {
    const i = indices[k] as number;
    const g = gradHess[2 * i] as number;
    const h = gradHess[2 * i + 1] as number;
    const row = i * nF;
    for (let q = 0; q < nq; q++) {
      const p = (off[q] as number) + ((bins[row + (col[q] as number)] as number) << 1);
      hist[p] = (hist[p] as number) + g;
      hist[p + 1] = (hist[p + 1] as number) + h;
    }
  }
}

/** Log-loss gradients for rows [from, to). */
export function gradientKernel(b: GbmBuffers, from: number, to: number): void {
  const { score, label, weight, gradHess } = b;
  for (let i = from; i < to; i++) {
    const p = 1 / (1 + Math.exp(-(score[i] as number)));
    const w = weight[i] as number;
    gradHess[2 * i] = w * (p - (label[i] as number));
    gradHess[2 * i + 1] = w * p * (1 - p);
  }
}

/**
 * Partitions `indices[start..end)` in place for one chunk: left-going rows are compacted to the
 * front of the chunk, right-going rows parked in `scratch` at the same offsets. Returns the left
 * count. Branch-free: every row is written to both outputs and only the matching cursor moves
 * (which side a row takes is unpredictable, so a branch would mispredict half the time).
 */
export function partitionChunk(b: GbmBuffers, start: number, end: number, feature: number): number {
  const { indices, scratch, binsByFeature, goRight } = b;
  const colBase = feature * b.nRows;
  let nl = 0;
  let nr = 0;
  for (let k = start; k < end; k++) {
    const i = indices[k] as number;
    const r = goRight[binsByFeature[colBase + i] as number] as number;
    indices[start + nl] = i;
    scratch[start + nr] = i;
    nl += 1 - r;
    nr += r;
  }
  return nl;
}

/** Runs everything inline on the calling thread. */
export function serialExecutor(): GbmExecutor {
  let buffers: GbmBuffers | undefined;
  const need = (): GbmBuffers => {
    if (buffers === undefined) throw new Error('GbmExecutor used before bind()');
    return buffers;
  };
  return {
    threads: 1,
    allocFloat64: (n) => new Float64Array(n),
    allocInt32: (n) => new Int32Array(n),
    allocUint8: (n) => new Uint8Array(n),
    bind(b) {
      buffers = b;
    },
    histogram(start, end, nActive, slot) {
      histogramKernel(need(), start, end, 0, nActive, slot);
    },
    gradients() {
      const b = need();
      gradientKernel(b, 0, b.nRows);
    },
    partition(start, end, feature) {
      const b = need();
      const nl = partitionChunk(b, start, end, feature);
      b.indices.set(b.scratch.subarray(start, start + (end - start - nl)), start + nl);
      return nl;
    },
    release() {
      buffers = undefined;
    },
  };
}
