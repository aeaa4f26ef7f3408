/**
 * Quality of the classic model families (logistic regression, kNN, SVM, Gaussian naive Bayes,
 * QDA, voting and stacking ensembles) on the water-potability data with the 25 fixed CV folds of
 * ../shared/data/folds.json, each with median imputation + standard scaling fitted on the
 * training part only (done locally here so this bench measures the models, not the pipeline).
 * Prints mean +- sample std of ROC-AUC, accuracy, F1 (threshold 0.5), log-loss and fit time, next
 * to the Python-stack reference figures in ../shared/baseline/cv.json.
 *
 * Usage: npx tsx bench/classic-quality.ts [--only svm,qda] [--folds 25]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createStackingSpec, createVotingSpec } from '../packages/ml/src/ensemble/ensemble.js';
import { gaussianNbSpec } from '../packages/ml/src/bayes/gaussian-nb.js';
import { qdaSpec } from '../packages/ml/src/bayes/qda.js';
import { rocAuc } from '../packages/ml/src/explain/synthetic.js';
import { knnSpec } from '../packages/ml/src/knn/knn.js';
import { logisticRegressionSpec } from '../packages/ml/src/linear/logistic.js';
import { type Matrix, matrix, takeLabels, takeRows } from '../packages/ml/src/matrix.js';
import type { Classifier, ModelSpec } from '../packages/ml/src/model.js';
import { svmSpec } from '../packages/ml/src/svm/svm.js';

const SHA256 = '904004bde729bfe3d2e195f46343bceead09e32a0eb95bb8184e7e20e029b2bf';
const shared = path.resolve(process.cwd(), '../shared');
const csvPath = path.join(shared, 'data/water_potability.csv');
const foldsPath = path.join(shared, 'data/folds.json');
const cvPath = path.join(shared, 'baseline/cv.json');

function fail(msg: string): never {
  process.stderr.write(`classic-quality: ${msg}\n`);
  process.exit(1);
}

if (!existsSync(csvPath) || !existsSync(foldsPath))
  fail(`missing ${csvPath} or ${foldsPath}; run from the repository root next to ../shared.`);

const raw = readFileSync(csvPath);
const sha = createHash('sha256').update(raw).digest('hex');
if (sha !== SHA256) fail(`dataset sha256 ${sha} differs from the expected ${SHA256}.`);

const lines = raw
  .toString('utf8')
  .split(/\r?\n/)
  .filter((l) => l.length > 0);
const header = (lines[0] as string).split(',');
const nCols = header.length - 1;
const nRows = lines.length - 1;
const data = new Float64Array(nRows * nCols);
const y = new Uint8Array(nRows);
for (let i = 0; i < nRows; i++) {
  const cells = (lines[i + 1] as string).split(',');
  for (let j = 0; j < nCols; j++) {
    const c = cells[j] ?? '';
    data[j * nRows + i] = c === '' ? Number.NaN : Number(c);
  }
  y[i] = Number(cells[nCols]);
}
const X = matrix(nRows, nCols, data, header.slice(0, nCols));

interface FoldsFile {
  dataset_sha256: string;
  folds: { test: number[] }[];
}
const folds = JSON.parse(readFileSync(foldsPath, 'utf8')) as FoldsFile;
if (folds.dataset_sha256 !== SHA256) fail('folds.json was made for another dataset version.');

/** Median-impute and standard-scale, with statistics from `train` only. */
function preprocess(train: Matrix, test: Matrix): [Matrix, Matrix] {
  const a = train.data.slice();
  const b = test.data.slice();
  for (let j = 0; j < nCols; j++) {
    const col = Array.from(train.data.subarray(j * train.nRows, (j + 1) * train.nRows)).filter((v) => !Number.isNaN(v));
    col.sort((p, q) => p - q);
    const mid = col.length >> 1;
    const median = col.length % 2 === 1 ? (col[mid] as number) : ((col[mid - 1] as number) + (col[mid] as number)) / 2;
    let mean = 0;
    for (let i = 0; i < train.nRows; i++) {
      const k = j * train.nRows + i;
      if (Number.isNaN(a[k] as number)) a[k] = median;
      mean += a[k] as number;
    }
    mean /= train.nRows;
    let v = 0;
    for (let i = 0; i < train.nRows; i++) v += ((a[j * train.nRows + i] as number) - mean) ** 2;
    const sd = Math.sqrt(v / train.nRows) || 1;
    for (let i = 0; i < train.nRows; i++) {
      const k = j * train.nRows + i;
      a[k] = ((a[k] as number) - mean) / sd;
    }
    for (let i = 0; i < test.nRows; i++) {
      const k = j * test.nRows + i;
      const x = Number.isNaN(b[k] as number) ? median : (b[k] as number);
      b[k] = (x - mean) / sd;
    }
  }
  return [matrix(train.nRows, nCols, a, train.featureNames), matrix(test.nRows, nCols, b, test.featureNames)];
}

const specs: ModelSpec[] = [
  logisticRegressionSpec,
  knnSpec,
  svmSpec,
  gaussianNbSpec,
  qdaSpec,
] as unknown as ModelSpec[];
const byKind = new Map(specs.map((s) => [s.kind, s]));
const create = (kind: string, params: Record<string, unknown>): Classifier => {
  const s = byKind.get(kind);
  if (s === undefined) throw new Error(`unknown kind ${kind}`);
  return s.create(params);
};

const members = [
  { kind: 'svm', params: {} },
  { kind: 'qda', params: { regParam: 0.1 } },
  { kind: 'knn', params: { k: 25, weights: 'distance' } },
];
const candidates: { name: string; ref?: string; make: () => Classifier }[] = [
  { name: 'logistic-regression', ref: 'LR+scaler', make: () => logisticRegressionSpec.create() },
  { name: 'knn k=5', ref: 'KNN5+scaler', make: () => knnSpec.create() },
  { name: 'knn k=25 distance', make: () => knnSpec.create({ k: 25, weights: 'distance' }) },
  { name: 'svm rbf', ref: 'SVC+scaler', make: () => svmSpec.create() },
  { name: 'gaussian-nb', make: () => gaussianNbSpec.create() },
  { name: 'qda', make: () => qdaSpec.create() },
  { name: 'qda reg=0.1', make: () => qdaSpec.create({ regParam: 0.1 }) },
  { name: 'voting svm+qda+knn', make: () => createVotingSpec(create).create({ members }) },
  { name: 'stacking svm+qda+knn', make: () => createStackingSpec(create).create({ members }) },
];

const argv = process.argv.slice(2);
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? (argv[onlyArg + 1] ?? '').split(',') : undefined;
const foldsArg = argv.indexOf('--folds');
const nFolds = foldsArg >= 0 ? Number(argv[foldsArg + 1]) : folds.folds.length;

const cv = existsSync(cvPath)
  ? (JSON.parse(readFileSync(cvPath, 'utf8')) as {
      models: Record<string, { summary: Record<string, { mean: number; std: number }> }>;
    })
  : undefined;

const meanStd = (v: number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
  return [m, s];
};
const fmt = (v: number[], digits = 4) => {
  const [m, s] = meanStd(v);
  return `${m.toFixed(digits)} ± ${s.toFixed(digits)}`;
};

process.stdout.write(
  `water_potability.csv: ${nRows} rows, sha256 ok; ${nFolds} folds; median impute + standard scale per training part\n\n`,
);
process.stdout.write(
  `${'model'.padEnd(24)}${'roc_auc'.padEnd(19)}${'accuracy'.padEnd(19)}${'f1'.padEnd(19)}${'log_loss'.padEnd(19)}fit_s\n`,
);
for (const c of candidates) {
  if (only !== undefined && !only.some((o) => c.name.includes(o))) continue;
  const auc: number[] = [];
  const acc: number[] = [];
  const f1: number[] = [];
  const ll: number[] = [];
  const fitS: number[] = [];
  for (let f = 0; f < nFolds; f++) {
    const test = (folds.folds[f] as { test: number[] }).test;
    const inTest = new Uint8Array(nRows);
    for (const i of test) inTest[i] = 1;
    const trainIdx: number[] = [];
    for (let i = 0; i < nRows; i++) if (inTest[i] === 0) trainIdx.push(i);
    const [Xtr, Xte] = preprocess(takeRows(X, trainIdx), takeRows(X, test));
    const ytr = takeLabels(y, trainIdx);
    const yte = takeLabels(y, test);
    const t0 = performance.now();
    const model = c.make().fit(Xtr, ytr);
    fitS.push((performance.now() - t0) / 1000);
    const p = model.predictProba(Xte);
    auc.push(rocAuc(yte, p));
    let correct = 0;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let loss = 0;
    for (let i = 0; i < p.length; i++) {
      const pred = (p[i] as number) >= 0.5 ? 1 : 0;
      const t = yte[i] as number;
      if (pred === t) correct++;
      if (pred === 1 && t === 1) tp++;
      if (pred === 1 && t === 0) fp++;
      if (pred === 0 && t === 1) fn++;
      const q = Math.min(1 - Number.EPSILON, Math.max(Number.EPSILON, p[i] as number)); // sklearn 1.2 eps="auto"
      loss -= t === 1 ? Math.log(q) : Math.log(1 - q);
    }
    acc.push(correct / p.length);
    f1.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
    ll.push(loss / p.length);
  }
  process.stdout.write(
    `${c.name.padEnd(24)}${fmt(auc).padEnd(19)}${fmt(acc).padEnd(19)}${fmt(f1).padEnd(19)}${fmt(ll).padEnd(19)}${fmt(fitS, 3)}\n`,
  );
  const ref = c.ref === undefined ? undefined : cv?.models[c.ref]?.summary;
  if (ref !== undefined) {
    const r = (k: string) => {
      const v = ref[k];
      return v === undefined ? '?' : `${v.mean.toFixed(4)} ± ${v.std.toFixed(4)}`;
    };
    process.stdout.write(
      `${`  sklearn ${c.ref}`.padEnd(24)}${r('roc_auc').padEnd(19)}${r('accuracy').padEnd(19)}${r('f1').padEnd(19)}${r('log_loss').padEnd(19)}${r('fit_s')}\n`,
    );
  }
}
