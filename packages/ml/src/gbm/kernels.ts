/**
 * The hot loops of histogram boosting — gradients, histogram accumulation and the row reordering
 * (ordering, partitioning) that keeps each leaf's bins and gradients contiguous in memory — and
 * the `GbmExecutor` seam through which the trainer runs them. The trainer is
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
  /** Offset (in doubles) of each feature's histogram within a slot. */
  readonly histOffset: Int32Array;
  /** Features whose histograms to build (first `nActive` entries), written before each call. */
  readonly active: Int32Array;
  /**
   * Bins and gradients copied into `indices` order ("ordered" rows): position k holds row
   * `indices[k]`. Partitioning moves them along with the indices, so every leaf's data is one
   * contiguous run and histogram building reads memory sequentially instead of gathering.
   */
  readonly obins: Uint8Array;
  /** The same memory as `obins`, as 32-bit words: partitioning moves a row's bins a word at a time. */
  readonly obins32: Int32Array;
  /** Bytes per ordered row: 16 for up to 16 features (the fast partition path), else nFeatures rounded up to 4. */
  readonly rowStride: number;
  readonly ogh: Float64Array;
  /** Scratch for partitioning (right-going rows are parked at the same offsets). */
  readonly scratch: Int32Array;
  readonly scratchBins: Uint8Array;
  readonly scratchBins32: Int32Array;
  readonly scratchGh: Float64Array;
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
  /** Fills `obins`/`ogh` positions [0, nUsed) from the rows `indices[0..nUsed)`. */
  order(nUsed: number): void;
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

/** Histogram accumulation over ordered positions [start, end) for active features `active[qFrom..qTo)`. */
export function histogramKernel(
  b: GbmBuffers,
  start: number,
  end: number,
  qFrom: number,
  qTo: number,
  slot: number,
): void {
  const { obins, ogh, hist, histOffset, active } = b;
  const stride = b.rowStride;
  const base = slot * b.histSize;
  const nq = qTo - qFrom;
  // Per-feature (bin column, histogram offset) resolved once, not per row.
  const col = new Int32Array(nq);
  const off = new Int32Array(nq);
  for (let q = 0; q < nq; q++) {
    const f = active[qFrom + q] as number;
    col[q] = f;
    off[q] = base + (histOffset[f] as number);
    hist.fill(0, base + (histOffset[f] as number), base + (histOffset[f + 1] as number));
  }
  if (nq === 1) {
    const f = col[0] as number;
    const o = off[0] as number;
    for (let k = start; k < end; k++) {
      const p = o + ((obins[k * stride + f] as number) << 1);
      hist[p] = (hist[p] as number) + (ogh[2 * k] as number);
      hist[p + 1] = (hist[p + 1] as number) + (ogh[2 * k + 1] as number);
    }
    return;
  }
  for (let k = start; k < end; k++) {
    const g = ogh[2 * k] as number;
    const h = ogh[2 * k + 1] as number;
    const row = k * stride;
    for (let q = 0; q < nq; q++) {
      const p = (off[q] as number) + ((obins[row + (col[q] as number)] as number) << 1);
      hist[p] = (hist[p] as number) + g;
      hist[p + 1] = (hist[p + 1] as number) + h;
    }
  }
}

/** Copies bins and gradients of rows `indices[from..to)` into ordered positions [from, to). */
export function orderKernel(b: GbmBuffers, from: number, to: number): void {
  const { indices, bins, obins, gradHess, ogh } = b;
  const nF = b.nFeatures;
  const stride = b.rowStride;
  for (let k = from; k < to; k++) {
    const i = indices[k] as number;
    ogh[2 * k] = gradHess[2 * i] as number;
    ogh[2 * k + 1] = gradHess[2 * i + 1] as number;
    const src = i * nF;
    const dst = k * stride;
    for (let j = 0; j < nF; j++) obins[dst + j] = bins[src + j] as number;
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
 * Partitions ordered positions [start, end) in place for one chunk: left-going rows (index, bins,
 * gradients) are compacted to the front of the chunk, right-going rows parked in the scratch
 * arrays at the same offsets. Returns the left count.
 */
export function partitionChunk(b: GbmBuffers, start: number, end: number, feature: number): number {
  if (b.rowStride === 16) return partition16(b, start, end, feature);
  const { indices, scratch, obins, obins32, scratchBins32, ogh, scratchGh, goRight } = b;
  const stride = b.rowStride;
  const words = stride >> 2;
  let nl = 0;
  let nr = 0;
  for (let k = start; k < end; k++) {
    const i = indices[k] as number;
    const g = ogh[2 * k] as number;
    const h = ogh[2 * k + 1] as number;
    const src = k * words;
    if (goRight[obins[k * stride + feature] as number] === 0) {
      const L = start + nl++;
      indices[L] = i;
      ogh[2 * L] = g;
      ogh[2 * L + 1] = h;
      for (let j = 0; j < words; j++) obins32[L * words + j] = obins32[src + j] as number;
    } else {
      const R = start + nr++;
      scratch[R] = i;
      scratchGh[2 * R] = g;
      scratchGh[2 * R + 1] = h;
      for (let j = 0; j < words; j++) scratchBins32[R * words + j] = obins32[src + j] as number;
    }
  }
  return nl;
}

/**
 * `partitionChunk` for rows of exactly 16 bytes (up to 16 features): the four bin words are moved
 * by straight-line code, which measured ~2x faster than any loop or runtime-sized copy in V8.
 * One write per row, to the side it takes: memory traffic, not the mispredicted branch, dominates.
 */
function partition16(b: GbmBuffers, start: number, end: number, feature: number): number {
  const { indices, scratch, obins, obins32, scratchBins32, ogh, scratchGh, goRight } = b;
  let nl = 0;
  let nr = 0;
  for (let k = start; k < end; k++) {
    const i = indices[k] as number;
    const g = ogh[2 * k] as number;
    const h = ogh[2 * k + 1] as number;
    const src = k << 2;
    const a0 = obins32[src] as number;
    const a1 = obins32[src + 1] as number;
    const a2 = obins32[src + 2] as number;
    const a3 = obins32[src + 3] as number;
    if (goRight[obins[(k << 4) + feature] as number] === 0) {
      const L = start + nl++;
      indices[L] = i;
      ogh[2 * L] = g;
      ogh[2 * L + 1] = h;
      const d = L << 2;
      obins32[d] = a0;
      obins32[d + 1] = a1;
      obins32[d + 2] = a2;
      obins32[d + 3] = a3;
    } else {
      const R = start + nr++;
      scratch[R] = i;
      scratchGh[2 * R] = g;
      scratchGh[2 * R + 1] = h;
      const d = R << 2;
      scratchBins32[d] = a0;
      scratchBins32[d + 1] = a1;
      scratchBins32[d + 2] = a2;
      scratchBins32[d + 3] = a3;
    }
  }
  return nl;
}

/** Moves `n` parked right-going rows from scratch offset `from` to ordered position `to`. */
export function unparkRight(b: GbmBuffers, from: number, n: number, to: number): void {
  const w = b.rowStride >> 2;
  b.indices.set(b.scratch.subarray(from, from + n), to);
  b.obins32.set(b.scratchBins32.subarray(from * w, (from + n) * w), to * w);
  b.ogh.set(b.scratchGh.subarray(2 * from, 2 * (from + n)), 2 * to);
}

/** Moves `n` left-going rows within the ordered arrays from position `from` down to `to`. */
export function shiftLeft(b: GbmBuffers, from: number, n: number, to: number): void {
  const w = b.rowStride >> 2;
  b.indices.copyWithin(to, from, from + n);
  b.obins32.copyWithin(to * w, from * w, (from + n) * w);
  b.ogh.copyWithin(2 * to, 2 * from, 2 * (from + n));
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
    order(nUsed) {
      orderKernel(need(), 0, nUsed);
    },
    partition(start, end, feature) {
      const b = need();
      const nl = partitionChunk(b, start, end, feature);
      unparkRight(b, start, end - start - nl, start + nl);
      return nl;
    },
    release() {
      buffers = undefined;
    },
  };
}
