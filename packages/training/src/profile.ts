/**
 * The reference profile stored with each model version: what the training data and the model's
 * scores looked like, so monitoring can later test live inputs for drift against it. Per
 * feature: missing rate, moments, quantiles and a histogram on quantile edges (bins holding
 * roughly equal training mass make drift tests such as PSI well conditioned).
 */
import { type Matrix, column, quantileSorted } from '@aquaops/ml';

export interface HistogramProfile {
  /** Bin edges, ascending; counts[k] covers [edges[k], edges[k+1]) (last bin closed). */
  readonly edges: number[];
  readonly counts: number[];
}

export interface FeatureProfile {
  readonly name: string;
  readonly count: number;
  readonly missing: number;
  readonly missingRate: number;
  readonly mean: number | null;
  readonly std: number | null;
  readonly quantiles: Readonly<Record<string, number>>;
  readonly histogram: HistogramProfile;
}

export interface ReferenceProfile {
  readonly rows: number;
  readonly features: FeatureProfile[];
  /** Distribution of predicted P(positive) (out-of-fold on training rows). */
  readonly scores: { readonly quantiles: Readonly<Record<string, number>>; readonly histogram: HistogramProfile };
  readonly positiveRate: number;
}

const QS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

function quantiles(sorted: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const q of QS) out[`p${Math.round(q * 100)}`] = quantileSorted(sorted, q);
  return out;
}

function histogram(sorted: Float64Array, edges: number[]): HistogramProfile {
  const counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  let b = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    while (b < counts.length - 1 && v >= (edges[b + 1] as number)) b++;
    counts[b] = (counts[b] as number) + 1;
  }
  return { edges, counts };
}

function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let k = 0; k <= bins; k++) {
    const e = quantileSorted(sorted, k / bins);
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  if (edges.length === 1) edges.push((edges[0] as number) + 1);
  return edges;
}

function finiteSorted(values: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) out.push(v);
  }
  return Float64Array.from(out).sort();
}

export function buildReferenceProfile(
  X: Matrix,
  featureNames: readonly string[],
  y: ArrayLike<number>,
  scores: ArrayLike<number>,
): ReferenceProfile {
  const features: FeatureProfile[] = [];
  for (let j = 0; j < X.nCols; j++) {
    const sorted = finiteSorted(column(X, j));
    const n = sorted.length;
    let s = 0;
    for (const v of sorted) s += v;
    const mean = n > 0 ? s / n : null;
    let v2 = 0;
    if (mean !== null) for (const v of sorted) v2 += (v - mean) * (v - mean);
    features.push({
      name: featureNames[j] ?? `feature_${j}`,
      count: X.nRows,
      missing: X.nRows - n,
      missingRate: X.nRows > 0 ? (X.nRows - n) / X.nRows : 0,
      mean,
      std: n > 1 ? Math.sqrt(v2 / (n - 1)) : null,
      quantiles: n > 0 ? quantiles(sorted) : {},
      histogram: n > 0 ? histogram(sorted, quantileEdges(sorted, 10)) : { edges: [], counts: [] },
    });
  }
  const sortedScores = finiteSorted(scores);
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] as number;
  const fixedEdges = Array.from({ length: 11 }, (_, k) => k / 10);
  return {
    rows: X.nRows,
    features,
    scores: {
      quantiles: sortedScores.length > 0 ? quantiles(sortedScores) : {},
      histogram: histogram(sortedScores, fixedEdges),
    },
    positiveRate: y.length > 0 ? pos / y.length : 0,
  };
}
