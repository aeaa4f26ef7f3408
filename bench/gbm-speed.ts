/**
 * Speed benchmark of the gradient-boosting engine on the synthetic problem of
 * shared/baseline/README.md, comparable with the LightGBM figures there (100 iterations, 31
 * leaves, 255 bins, binning included in train time). Measures train time, test ROC-AUC, batch
 * prediction throughput (on `threads` threads, as LightGBM's figure, and on one), single-row
 * latency (p50/p99) and TreeSHAP cost per row.
 * Run: `npx tsx bench/gbm-speed.ts --rows 1000000 [--test-rows 200000] [--threads 2]`.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { syntheticPotability } from '../packages/ml/src/datasets/synthetic.js';
import { GradientBoostingClassifier } from '../packages/ml/src/gbm/gbm.js';
import { takeRows } from '../packages/ml/src/matrix.js';
import { rocAuc } from '../packages/ml/src/metrics/ranking.js';
import { createParallelPredictor } from '../packages/ml/src/node/parallel-predict.js';
import { workerExecutorFactory } from '../packages/ml/src/node/worker-executor.js';

export interface GbmSpeedResult {
  readonly rows: number;
  readonly testRows: number;
  readonly threads: number;
  readonly trees: number;
  /** Wall time of fit() including binning, seconds. */
  readonly trainSeconds: number;
  readonly testAuc: number;
  /** ROC-AUC of the true logit on the same test set (the ceiling). */
  readonly oracleAuc: number;
  /** Batch prediction on `threads` threads (parallel predictor when threads > 1). */
  readonly batchRowsPerSecond: number;
  /** Batch prediction on the calling thread only (`predictProba`). */
  readonly batchRowsPerSecond1Thread: number;
  readonly singleRowP50Us: number;
  readonly singleRowP99Us: number;
  readonly shapUsPerRow: number;
  /** 1-minute load average before and after the run. */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function runGbmSpeedBench(opts: {
  rows: number;
  testRows: number;
  threads: number;
}): Promise<GbmSpeedResult> {
  const loadBefore = loadavg()[0] ?? 0;
  const train = syntheticPotability(opts.rows, 7);
  const test = syntheticPotability(opts.testRows, 8);
  const model = new GradientBoostingClassifier({ numIterations: 100, numLeaves: 31, maxBin: 255, seed: 7 });
  if (opts.threads > 1) model.useExecutor(workerExecutorFactory({ threads: opts.threads }));

  const t0 = performance.now();
  model.fit(train.X, train.y);
  const trainSeconds = (performance.now() - t0) / 1000;

  // Batch: best of three passes (the first also warms the JIT), single-threaded then parallel.
  const timeBatch = (predict: () => Float64Array): [number, Float64Array] => {
    let best = Number.POSITIVE_INFINITY;
    let out: Float64Array = new Float64Array(0);
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      out = predict();
      best = Math.min(best, performance.now() - t);
    }
    return [opts.testRows / (best / 1000), out];
  };
  const [batchRowsPerSecond1Thread, proba] = timeBatch(() => model.predictProba(test.X));
  let batchRowsPerSecond = batchRowsPerSecond1Thread;
  if (opts.threads > 1) {
    const pp = createParallelPredictor(model, { threads: opts.threads });
    try {
      const [rate, parallel] = timeBatch(() => pp.predictProba(test.X));
      if (!Buffer.from(parallel.buffer).equals(Buffer.from(proba.buffer))) {
        throw new Error('parallel prediction differs from predictProba');
      }
      batchRowsPerSecond = rate;
    } finally {
      pp.close();
    }
  }
  const testAuc = rocAuc(test.y, proba);
  const oracleAuc = rocAuc(test.y, test.logit);

  // Single-row latency on dense rows copied out beforehand.
  const nSingle = Math.min(20_000, opts.testRows);
  const rowsDense: Float64Array[] = [];
  for (let i = 0; i < nSingle; i++) {
    const x = new Float64Array(test.X.nCols);
    for (let j = 0; j < x.length; j++) x[j] = test.X.data[j * opts.testRows + i] as number;
    rowsDense.push(x);
  }
  let sink = 0;
  for (const x of rowsDense) sink += model.predictRow(x);
  const lat = new Float64Array(nSingle);
  for (let i = 0; i < nSingle; i++) {
    const t = performance.now();
    sink += model.predictRow(rowsDense[i] as Float64Array);
    lat[i] = (performance.now() - t) * 1000;
  }
  lat.sort();

  // TreeSHAP on a sample of test rows.
  const nShap = Math.min(2000, opts.testRows);
  const idx = Int32Array.from({ length: nShap }, (_, k) => k);
  const shapX = takeRows(test.X, idx);
  model.explain(takeRows(test.X, idx.subarray(0, Math.min(100, nShap))));
  const ts = performance.now();
  const ex = model.explain(shapX);
  const shapUsPerRow = ((performance.now() - ts) * 1000) / nShap;
  if (!Number.isFinite(sink + (ex.phi[0] ?? 0))) throw new Error('non-finite prediction in benchmark');

  return {
    rows: opts.rows,
    testRows: opts.testRows,
    threads: opts.threads,
    trees: model.numTrees,
    trainSeconds,
    testAuc,
    oracleAuc,
    batchRowsPerSecond,
    batchRowsPerSecond1Thread,
    singleRowP50Us: quantile(lat, 0.5),
    singleRowP99Us: quantile(lat, 0.99),
    shapUsPerRow,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
}

function argValue(args: readonly string[], name: string, fallback: number): number {
  const k = args.indexOf(name);
  if (k < 0) return fallback;
  const v = Number(args[k + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer, got ${args[k + 1]}`);
  return v;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rows = argValue(args, '--rows', 1_000_000);
  const r = await runGbmSpeedBench({
    rows,
    testRows: argValue(args, '--test-rows', 200_000),
    threads: argValue(args, '--threads', 2),
  });
  const lgbTrain = rows === 1_000_000 ? '4.14 s' : rows === 100_000 ? '0.43 s' : 'n/a';
  const table: [string, string, string][] = [
    ['train rows / test rows / threads', `${r.rows} / ${r.testRows} / ${r.threads}`, ''],
    ['trees', String(r.trees), '100'],
    ['train time (incl. binning)', `${r.trainSeconds.toFixed(2)} s`, lgbTrain],
    ['test ROC-AUC (true logit)', `${r.testAuc.toFixed(4)} (${r.oracleAuc.toFixed(4)})`, '0.82-0.83'],
    [
      `batch predict (${r.threads} / 1 threads)`,
      `${Math.round(r.batchRowsPerSecond).toLocaleString('en-US')} / ${Math.round(r.batchRowsPerSecond1Thread).toLocaleString('en-US')} rows/s`,
      '544k rows/s (2 threads)',
    ],
    [
      'single row p50 / p99',
      `${r.singleRowP50Us.toFixed(1)} / ${r.singleRowP99Us.toFixed(1)} µs`,
      'target p99 <= 20 µs',
    ],
    ['TreeSHAP', `${r.shapUsPerRow.toFixed(1)} µs/row`, 'target <= 100 µs/row'],
    ['load avg (1 min) before / after', `${r.loadBefore.toFixed(2)} / ${r.loadAfter.toFixed(2)}`, ''],
  ];
  const w0 = Math.max(...table.map((t) => t[0].length));
  const w1 = Math.max(...table.map((t) => t[1].length));
  process.stdout.write(`${'metric'.padEnd(w0)}  ${'aquaops'.padEnd(w1)}  LightGBM / target\n`);
  for (const [a, b, c] of table) process.stdout.write(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  });
}
