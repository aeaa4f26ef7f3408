/**
 * `npm run bench:data`: validate throughput (rows/s) and peak memory on a generated 1M-row CSV,
 * `data add` time for a 100 MB file (cold, then unchanged through the hash cache), and `repro`
 * when nothing changed. Prints a table with the machine's load and writes JSON to bench/results/.
 * `--smoke` shrinks the sizes for a quick check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runDvcBench } from './data-dvc.js';
import { runValidateBench } from './data-validate.js';

const smoke = process.argv.includes('--smoke');
const rows = smoke ? 50_000 : 1_000_000;
const megabytes = smoke ? 5 : 100;
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const loadBefore = load();
const v = await runValidateBench({ rows });
const loadMid = load();
const d = await runDvcBench({ megabytes });
const loadAfter = load();

const table = [
  ['figure', 'value'],
  [
    `validate ${rows.toLocaleString('en-US')} rows (${(v.bytes / 1e6).toFixed(0)} MB)`,
    `${v.validateSeconds.toFixed(2)} s wall, ${v.validateCpuSeconds.toFixed(2)} s CPU`,
  ],
  [
    'validate throughput',
    `${Math.round(v.rowsPerSecond).toLocaleString('en-US')} rows/s wall (${Math.round(v.rowsPerCpuSecond).toLocaleString('en-US')} rows per CPU-second)`,
  ],
  ['validate peak RSS', `${v.peakRssMb.toFixed(0)} MB (RSS before: ${v.rssBeforeMb.toFixed(0)} MB)`],
  [`data add ${megabytes} MiB, cold`, `${d.addColdMs.toFixed(0)} ms (${d.addColdMBps.toFixed(0)} MiB/s)`],
  [`data add ${megabytes} MiB, unchanged`, `${d.addWarmMs.toFixed(1)} ms`],
  ['data status, unchanged', `${d.statusMs.toFixed(1)} ms`],
  ['repro, nothing changed', `${d.reproNoChangeMs.toFixed(1)} ms`],
];
const w0 = Math.max(...table.map((r) => (r[0] ?? '').length));
for (const r of table) console.log(`${(r[0] ?? '').padEnd(w0)}  ${r[1]}`);
console.log(`\nload average (1/5/15 min): ${loadBefore} before, ${loadMid} between, ${loadAfter} after; 2 cores`);
const dir = join(process.cwd(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
const out = join(dir, `data-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  out,
  `${JSON.stringify({ validate: v, dvc: d, load: { before: loadBefore, between: loadMid, after: loadAfter } }, null, 2)}\n`,
);
console.log(`wrote ${out}`);
