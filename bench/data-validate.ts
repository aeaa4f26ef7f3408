/**
 * Benchmark of streaming CSV validation: generates a synthetic potability CSV (default 1M rows)
 * in a temp dir, validates it under the built-in schema and reports throughput (rows/s, MB/s)
 * and memory (peak RSS, heap after). Run: `npx tsx bench/data-validate.ts [rows]`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSchema, validateCsv, writeSampleCsv } from '@aquaops/data';

export interface ValidateBenchOptions {
  readonly rows?: number;
  readonly seed?: number;
  /** Keep the generated file (default: deleted). */
  readonly keep?: boolean;
  readonly onLog?: (line: string) => void;
}

export interface ValidateBenchResult {
  readonly rows: number;
  readonly bytes: number;
  readonly generateSeconds: number;
  readonly validateSeconds: number;
  /** CPU time (user + system) of the validation: the load-independent figure on a shared machine. */
  readonly validateCpuSeconds: number;
  readonly rowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly megabytesPerSecond: number;
  /** Peak resident set size of the process during validation, in MB (sampled every 50 ms). */
  readonly peakRssMb: number;
  readonly rssBeforeMb: number;
  readonly heapUsedAfterMb: number;
  readonly status: string;
  readonly file?: string;
}

export async function runValidateBench(opts: ValidateBenchOptions = {}): Promise<ValidateBenchResult> {
  const rows = opts.rows ?? 1_000_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-bench-'));
  const file = path.join(dir, 'bench.csv');
  const log = opts.onLog ?? (() => undefined);
  const t0 = performance.now();
  await writeSampleCsv(file, { rows, seed: opts.seed ?? 1 });
  const t1 = performance.now();
  const bytes = statSync(file).size;
  log(`generated ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB in ${((t1 - t0) / 1000).toFixed(2)} s`);
  const schema = await loadSchema('water-potability');
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const t2 = performance.now();
  const cpu0 = process.cpuUsage();
  let report: Awaited<ReturnType<typeof validateCsv>>;
  try {
    report = await validateCsv(file, schema, {
      progressEvery: 1_000_000,
      onProgress: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    });
  } finally {
    clearInterval(timer);
  }
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  peak = Math.max(peak, process.memoryUsage().rss);
  const secs = (t3 - t2) / 1000;
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  return {
    rows: report.rows.read,
    bytes,
    generateSeconds: (t1 - t0) / 1000,
    validateSeconds: secs,
    validateCpuSeconds: cpuSecs,
    rowsPerSecond: report.rows.read / secs,
    rowsPerCpuSecond: report.rows.read / cpuSecs,
    megabytesPerSecond: bytes / 1e6 / secs,
    peakRssMb: peak / 2 ** 20,
    rssBeforeMb: rssBefore / 2 ** 20,
    heapUsedAfterMb: process.memoryUsage().heapUsed / 2 ** 20,
    status: report.status,
    ...(opts.keep ? { file } : {}),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  const r = await runValidateBench({ rows, onLog: (l) => console.log(l) });
  console.log(
    `validated ${r.rows} rows (${(r.bytes / 1e6).toFixed(1)} MB) in ${r.validateSeconds.toFixed(2)} s: ` +
      `${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s, ${r.megabytesPerSecond.toFixed(1)} MB/s wall; ` +
      `${r.validateCpuSeconds.toFixed(2)} s CPU = ${Math.round(r.rowsPerCpuSecond).toLocaleString('en-US')} rows/CPU-s; ` +
      `RSS ${r.rssBeforeMb.toFixed(0)} MB before, peak ${r.peakRssMb.toFixed(0)} MB; status ${r.status}`,
  );
}
