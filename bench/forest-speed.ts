/**
 * Speed benchmark of the random forest (and optionally extra-trees) on the synthetic problem of
 * shared/baseline/README.md, comparable with scikit-learn's figure there (RandomForestClassifier,
 * 100 trees, default settings, 100k rows, 1 thread: 20.2 s). Measures train time (binning
 * included; wall and CPU time), test ROC-AUC, batch prediction throughput, single-row latency and
 * TreeSHAP cost per row, and states the machine load before and after (wall times on a shared
 * machine inflate with it; CPU time much less so).
 * Run: `npx tsx bench/forest-speed.ts [--rows 100000] [--trees 100] [--test-rows 50000] [--kind extra-trees]`.
 */
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { syntheticPotability } from '../packages/ml/src/datasets/synthetic.js';
import { type ForestKind, ForestClassifier } from '../packages/ml/src/forest/forest.js';
import { takeRows } from '../packages/ml/src/matrix.js';
import { rocAuc } from '../packages/ml/src/metrics/ranking.js';

export interface ForestSpeedOptions {
  readonly rows: number;
  readonly trees: number;
  readonly testRows: number;
  readonly kind: ForestKind;
  /** Rows explained to time TreeSHAP (0 = skip). */
  readonly shapRows: number;
}

export interface ForestSpeedResult extends ForestSpeedOptions {
  /** Wall time of fit() including binning, seconds. */
  readonly trainSeconds: number;
  /** CPU time (user + system) of this process during fit(): close to the wall time a quiet machine would show. */
  readonly trainCpuSeconds: number;
  readonly nodesPerTree: number;
  readonly testAuc: number;
  /** ROC-AUC of the true logit on the same test set (the ceiling). */
  readonly oracleAuc: number;
  readonly batchRowsPerSecond: number;
  /** One dense row through `predictRow`, over 2000 rows. */
  readonly singleRowP50Us: number;
  readonly singleRowP99Us: number;
  readonly shapUsPerRow: number;
  /** 1-minute load average before and after the run (2 cores: above ~1 the figures are inflated). */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

export const forestSpeedDefaults: ForestSpeedOptions = {
  rows: 100_000,
  trees: 100,
  testRows: 50_000,
  kind: 'random-forest',
  shapRows: 20,
};

export async function runForestSpeedBench(opts: Partial<ForestSpeedOptions> = {}): Promise<ForestSpeedResult> {
  const o: ForestSpeedOptions = { ...forestSpeedDefaults, ...opts };
  const loadBefore = loadavg()[0] ?? 0;
  const train = syntheticPotability(o.rows, 7);
  const test = syntheticPotability(o.testRows, 8);
  const model = new ForestClassifier(o.kind, { nEstimators: o.trees, seed: 7 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  model.fit(train.X, train.y);
  const trainSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const nodesPerTree = model.fittedTrees.reduce((a, t) => a + t.feature.length, 0) / model.fittedTrees.length;

  let best = Number.POSITIVE_INFINITY;
  let proba: Float64Array = new Float64Array(0);
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    proba = model.predictProba(test.X);
    best = Math.min(best, performance.now() - t);
  }
  const testAuc = rocAuc(test.y, proba);
  const oracleAuc = rocAuc(test.y, test.logit);

  const nSingle = Math.min(2000, o.testRows);
  const lat = new Float64Array(nSingle);
  const x = new Float64Array(test.X.nCols);
  for (let rep = 0; rep < 2; rep++) {
    for (let i = 0; i < nSingle; i++) {
      for (let j = 0; j < x.length; j++) x[j] = test.X.data[j * o.testRows + i] as number;
      const t = performance.now();
      model.predictRow(x);
      lat[i] = (performance.now() - t) * 1000;
    }
  }
  lat.sort();
  const q = (p: number): number => lat[Math.min(nSingle - 1, Math.floor(p * nSingle))] as number;

  let shapUsPerRow = Number.NaN;
  if (o.shapRows > 0) {
    const Xs = takeRows(
      test.X,
      Array.from({ length: Math.min(o.shapRows, o.testRows) }, (_, i) => i),
    );
    model.explain(takeRows(Xs, [0])); // builds the per-tree leaf records once
    const t = performance.now();
    model.explain(Xs);
    shapUsPerRow = ((performance.now() - t) * 1000) / Xs.nRows;
  }
  return {
    ...o,
    trainSeconds,
    trainCpuSeconds,
    nodesPerTree,
    testAuc,
    oracleAuc,
    batchRowsPerSecond: o.testRows / (best / 1000),
    singleRowP50Us: q(0.5),
    singleRowP99Us: q(0.99),
    shapUsPerRow,
    loadBefore,
    loadAfter: loadavg()[0] ?? 0,
  };
}

function flag(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  return k < 0 ? undefined : process.argv[k + 1];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const num = (name: string, dflt: number): number => {
    const raw = flag(name);
    const v = raw === undefined ? dflt : Number(raw);
    if (!Number.isInteger(v) || v < 0) {
      process.stderr.write(`forest-speed: --${name} needs a non-negative integer, got ${raw}\n`);
      process.exit(2);
    }
    return v;
  };
  const kind = (flag('kind') ?? 'random-forest') as ForestKind;
  if (kind !== 'random-forest' && kind !== 'extra-trees') {
    process.stderr.write(`forest-speed: --kind must be random-forest or extra-trees, got ${kind}\n`);
    process.exit(2);
  }
  const r = await runForestSpeedBench({
    rows: num('rows', forestSpeedDefaults.rows),
    trees: num('trees', forestSpeedDefaults.trees),
    testRows: num('test-rows', forestSpeedDefaults.testRows),
    shapRows: num('shap-rows', forestSpeedDefaults.shapRows),
    kind,
  });
  process.stdout.write(
    [
      `${r.kind}: ${r.trees} trees on ${r.rows} synthetic rows (1 thread, scikit-learn RF: 20.2 s)`,
      `  train ${r.trainSeconds.toFixed(2)} s wall, ${r.trainCpuSeconds.toFixed(2)} s CPU (${r.nodesPerTree.toFixed(0)} nodes/tree)`,
      `  test ROC-AUC ${r.testAuc.toFixed(4)} (true logit ${r.oracleAuc.toFixed(4)}) on ${r.testRows} rows`,
      `  batch predict ${(r.batchRowsPerSecond / 1000).toFixed(1)}k rows/s; single row p50 ${r.singleRowP50Us.toFixed(0)} µs, p99 ${r.singleRowP99Us.toFixed(0)} µs`,
      `  TreeSHAP ${Number.isNaN(r.shapUsPerRow) ? 'skipped' : `${r.shapUsPerRow.toFixed(0)} µs/row`}`,
      `  load average ${r.loadBefore.toFixed(2)} -> ${r.loadAfter.toFixed(2)} (2 cores)`,
      '',
    ].join('\n'),
  );
}
