/**
 * Benchmark of DVC-compatible versioning and the pipeline runner: `data add` of a generated
 * 100 MB file (cold: md5 + verified atomic copy into the cache; warm: the hash cache answers
 * from inode/mtime/size), `data status` on it, and `repro` of a tiny two-stage pipeline when
 * nothing changed (parse dvc.yaml, hash deps/outs, compare with dvc.lock). Everything runs in a
 * temp dir that is removed afterwards. Run: `npx tsx bench/data-dvc.ts [megabytes]`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DvcRepo, repro } from '@aquaops/data';

export interface DvcBenchOptions {
  readonly megabytes?: number;
  readonly reproRuns?: number;
  readonly onLog?: (line: string) => void;
}

export interface DvcBenchResult {
  readonly megabytes: number;
  readonly addColdMs: number;
  readonly addWarmMs: number;
  readonly statusMs: number;
  readonly addColdMBps: number;
  readonly reproNoChangeMs: number;
}

async function writeRandomFile(file: string, megabytes: number): Promise<void> {
  const chunk = randomBytes(1 << 20);
  const out = createWriteStream(file);
  for (let i = 0; i < megabytes; i++) {
    chunk.writeUInt32LE(i, 0); // every MiB differs, so nothing is trivially compressible or deduplicated
    if (!out.write(Buffer.from(chunk))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function runDvcBench(options: DvcBenchOptions = {}): Promise<DvcBenchResult> {
  const megabytes = options.megabytes ?? 100;
  const log = options.onLog ?? (() => {});
  const root = mkdtempSync(path.join(tmpdir(), 'aq-bench-dvc-'));
  try {
    const repo = await DvcRepo.init(root, { cwd: root });
    const file = path.join(root, 'big.bin');
    await writeRandomFile(file, megabytes);
    const addColdMs = await timed(() => repo.add('big.bin'));
    const warmRepo = await DvcRepo.open({ cwd: root });
    const addWarmMs = await timed(() => warmRepo.add('big.bin'));
    const statusMs = await timed(() => warmRepo.status());

    writeFileSync(path.join(root, 'in.txt'), 'hello\n');
    writeFileSync(path.join(root, 'params.yaml'), 'k: 1\n');
    writeFileSync(
      path.join(root, 'dvc.yaml'),
      `stages:
  a:
    cmd: node -e "require('fs').copyFileSync('in.txt','mid.txt')"
    deps: [in.txt]
    params: [k]
    outs: [mid.txt]
  b:
    cmd: node -e "require('fs').copyFileSync('mid.txt','out.txt')"
    deps: [mid.txt]
    outs: [out.txt]
`,
    );
    await repro({ cwd: root });
    const runs = options.reproRuns ?? 20;
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(
        await timed(async () => {
          const r = await repro({ cwd: root });
          if (r.stages.some((s) => s.status !== 'skipped'))
            throw new Error('bench: a stage ran although nothing changed');
        }),
      );
    }
    times.sort((x, y) => x - y);
    const reproNoChangeMs = times[Math.floor(times.length / 2)]!;
    const result: DvcBenchResult = {
      megabytes,
      addColdMs,
      addWarmMs,
      statusMs,
      addColdMBps: megabytes / (addColdMs / 1000),
      reproNoChangeMs,
    };
    log(
      `data add ${megabytes} MiB, cold (md5 + verified copy to cache): ${addColdMs.toFixed(0)} ms (${result.addColdMBps.toFixed(0)} MiB/s)`,
    );
    log(`data add, unchanged (hash cache hit):                 ${addWarmMs.toFixed(1)} ms`);
    log(`data status, unchanged:                               ${statusMs.toFixed(1)} ms`);
    log(`repro, nothing changed (2 stages, median of ${runs}):     ${reproNoChangeMs.toFixed(1)} ms`);
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mb = process.argv[2] === undefined ? 100 : Number(process.argv[2]);
  const res = await runDvcBench({ megabytes: mb, onLog: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`${JSON.stringify(res)}\n`);
}
