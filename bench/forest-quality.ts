/**
 * Quality of our random forest and extra-trees on the water-potability data with the 25 fixed
 * CV folds of ../shared/data/folds.json (the folds the Python reference used), missing values
 * handled natively by the trees (no imputation). Prints mean +- sample std over the folds of
 * ROC-AUC, accuracy, F1 (threshold 0.5), log-loss and fit time, next to scikit-learn's figures
 * from ../shared/baseline/cv.json (RF500: median impute + RandomForestClassifier(500 trees)).
 *
 * Usage: npx tsx bench/forest-quality.ts [--kinds random-forest,extra-trees] [--trees 500]
 *        [--folds 25] [--params '{"minSamplesLeaf":2}']
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ForestKind, ForestClassifier } from '../packages/ml/src/forest/forest.js';
import { matrix, takeLabels, takeRows } from '../packages/ml/src/matrix.js';

const SHA256 = '904004bde729bfe3d2e195f46343bceead09e32a0eb95bb8184e7e20e029b2bf';
const shared = path.resolve(process.cwd(), '../shared');
const csvPath = path.join(shared, 'data/water_potability.csv');
const foldsPath = path.join(shared, 'data/folds.json');
const cvPath = path.join(shared, 'baseline/cv.json');

function fail(msg: string): never {
  process.stderr.write(`forest-quality: ${msg}\n`);
  process.exit(1);
}

function flag(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`);
  if (k < 0) return undefined;
  const v = process.argv[k + 1];
  if (v === undefined || v.startsWith('--')) fail(`--${name} needs a value`);
  return v;
}

/** Rank-based ROC-AUC (ties get the average rank), local so the bench depends only on the model. */
function rocAuc(y: ArrayLike<number>, s: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (s[a] as number) - (s[b] as number));
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && s[idx[j + 1] as number] === s[idx[i] as number]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[idx[k] as number] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.length > 1 ? xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) : 0;
  return { mean: m, std: Math.sqrt(v) };
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
  const f = (lines[i + 1] as string).split(',');
  if (f.length !== nCols + 1) fail(`row ${i + 2} has ${f.length} fields, expected ${nCols + 1}`);
  for (let j = 0; j < nCols; j++) {
    const v = f[j] as string;
    data[j * nRows + i] = v === '' ? Number.NaN : Number(v);
  }
  y[i] = Number(f[nCols]);
}
const X = matrix(nRows, nCols, data, header.slice(0, nCols));

const foldsJson = JSON.parse(readFileSync(foldsPath, 'utf8')) as { folds: { test: number[] }[] };
const nFolds = Math.min(Number(flag('folds') ?? foldsJson.folds.length), foldsJson.folds.length);
const kinds = (flag('kinds') ?? 'random-forest,extra-trees').split(',') as ForestKind[];
const nTrees = Number(flag('trees') ?? 500);
const extra = JSON.parse(flag('params') ?? '{}') as Record<string, unknown>;

let ref: { roc_auc: { mean: number; std: number }; accuracy: { mean: number } } | undefined;
if (existsSync(cvPath)) {
  const cv = JSON.parse(readFileSync(cvPath, 'utf8')) as {
    models?: Record<string, { summary?: typeof ref }>;
  };
  ref = cv.models?.RF500?.summary;
}

process.stdout.write(
  `water_potability.csv (sha256 ok), ${nRows} rows, ${nFolds} folds, ${nTrees} trees, params ${JSON.stringify(extra)}\n`,
);
for (const kind of kinds) {
  const auc: number[] = [];
  const acc: number[] = [];
  const f1s: number[] = [];
  const ll: number[] = [];
  const fit: number[] = [];
  for (let k = 0; k < nFolds; k++) {
    const test = (foldsJson.folds[k] as { test: number[] }).test;
    const isTest = new Uint8Array(nRows);
    for (const i of test) isTest[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < nRows; i++) if (isTest[i] === 0) train.push(i);
    const Xtr = takeRows(X, train);
    const ytr = takeLabels(y, train);
    const Xte = takeRows(X, test);
    const yte = takeLabels(y, test);
    const t0 = performance.now();
    const model = new ForestClassifier(kind, { nEstimators: nTrees, seed: 42, ...extra }).fit(Xtr, ytr);
    fit.push((performance.now() - t0) / 1000);
    const p = model.predictProba(Xte);
    auc.push(rocAuc(yte, p));
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let correct = 0;
    let loss = 0;
    for (let i = 0; i < yte.length; i++) {
      const pi = p[i] as number;
      const yi = yte[i] as number;
      const pred = pi >= 0.5 ? 1 : 0;
      if (pred === yi) correct++;
      if (pred === 1 && yi === 1) tp++;
      if (pred === 1 && yi === 0) fp++;
      if (pred === 0 && yi === 1) fn++;
      const q = Math.min(Math.max(pi, 1e-15), 1 - 1e-15);
      loss -= yi === 1 ? Math.log(q) : Math.log(1 - q);
    }
    acc.push(correct / yte.length);
    f1s.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
    ll.push(loss / yte.length);
  }
  const fmt = (xs: number[], d = 4): string => {
    const { mean, std } = meanStd(xs);
    return `${mean.toFixed(d)} ± ${std.toFixed(d)}`;
  };
  process.stdout.write(
    `${kind.padEnd(14)} ROC-AUC ${fmt(auc)}  accuracy ${fmt(acc)}  F1 ${fmt(f1s)}  log-loss ${fmt(ll)}  fit ${fmt(fit, 2)} s\n`,
  );
}
if (ref !== undefined) {
  process.stdout.write(
    `scikit-learn RF500 (median impute): ROC-AUC ${ref.roc_auc.mean.toFixed(4)} ± ${ref.roc_auc.std.toFixed(4)}, accuracy ${ref.accuracy.mean.toFixed(4)}\n`,
  );
}
