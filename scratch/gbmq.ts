import { readFileSync } from 'node:fs';
import { GradientBoostingClassifier, foldsFromTestSets, rocAuc, takeLabels, takeRows, matrix } from '@aquaops/ml';
const text = readFileSync('../shared/data/water_potability.csv', 'utf8').trim().split(/\r?\n/);
const rows = text.slice(1).map((l) => l.split(',').map((v) => (v === '' ? Number.NaN : Number(v))));
const n = rows.length, nf = 9;
const data = new Float64Array(n * nf);
const y = new Uint8Array(n);
rows.forEach((r, i) => { for (let j = 0; j < nf; j++) data[j * n + i] = r[j]!; y[i] = r[9]!; });
const X = matrix(n, nf, data);
const folds = JSON.parse(readFileSync('../shared/data/folds.json', 'utf8')).folds.map((f: { test: number[] }) => f.test);
const plan = foldsFromTestSets(n, folds.map((t: number[], k: number) => ({ repeat: Math.floor(k / 5), fold: k % 5, test: t })));
const configs: Record<string, Record<string, unknown>>[] = JSON.parse(process.argv[2] ?? '[]');
for (const cfg of configs) {
  const s: number[] = [];
  for (const f of plan) {
    const m = new GradientBoostingClassifier(cfg).fit(takeRows(X, f.train), takeLabels(y, f.train));
    s.push(rocAuc(takeLabels(y, f.test), m.predictProba(takeRows(X, f.test))));
  }
  console.log(JSON.stringify(cfg), (s.reduce((a, b) => a + b, 0) / s.length).toFixed(4));
}
