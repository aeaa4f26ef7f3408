/**
 * `npm run bench:train`: the default `aquaops train` budget on the public water-potability
 * data (../shared), timed on this machine, printed beside the best Python-stack figure
 * (RBF SVM with scaling, 0.692 mean CV ROC-AUC over the 25 shared folds). The registry is an
 * in-memory store and a temporary artifact directory, so the bench leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultCatalog } from '@aquaops/ml';
import { FsArtifactStore, MemoryStore } from '@aquaops/registry';
import { runTrainingJob } from '@aquaops/training';

const SHA = '904004bde729bfe3d2e195f46343bceead09e32a0eb95bb8184e7e20e029b2bf';
const shared = resolve(process.cwd(), '../shared');
const csv = join(shared, 'data', 'water_potability.csv');
const smoke = process.argv.includes('--smoke');

async function main(): Promise<void> {
  if (!existsSync(csv)) {
    console.warn(`bench:train skipped: ${csv} is absent (the shared dataset lives next to the repository).`);
    return;
  }
  const sha = createHash('sha256').update(readFileSync(csv)).digest('hex');
  if (sha !== SHA) throw new Error(`refusing to benchmark: ${csv} has sha256 ${sha}, expected ${SHA}`);
  const baseline = JSON.parse(readFileSync(join(shared, 'baseline', 'cv.json'), 'utf8')) as {
    models: Record<string, { summary: { roc_auc: { mean: number } } }>;
  };
  const best = Object.entries(baseline.models).sort((a, b) => b[1].summary.roc_auc.mean - a[1].summary.roc_auc.mean)[0];
  const dir = await mkdtemp(join(tmpdir(), 'aquaops-bench-train-'));
  const load0 = loadavg()[0] ?? 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const r = await runTrainingJob(defaultCatalog(), {
      dataFile: csv,
      store: new MemoryStore(),
      artifacts: new FsArtifactStore(join(dir, 'artifacts')),
      ...(smoke ? { families: ['gbm', 'gaussian-nb'], trialsPerFamily: 2, folds: 3 } : {}),
      onProgress: (e) => {
        if (e.phase !== 'search')
          process.stderr.write(`  ${e.phase} ${e.family ?? ''} (${(e.elapsedMs / 1000).toFixed(1)} s)\n`);
      },
    });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const res = r.result;
    const ci = res.test.ci.rocAuc;
    const rows = [
      ['figure', 'aquaops', 'Python baseline', 'ratio / target'],
      ['wall time, default budget', `${wall.toFixed(1)} s`, '—', `target ≤ 300 s: ${wall <= 300 ? 'met' : 'MISSED'}`],
      ['trials run', String(res.trials.length), '—', ''],
      ['selected family', res.chosen.family, best?.[0] ?? '?', ''],
      [
        'CV ROC-AUC (inner 5-fold, training rows)',
        `${res.chosen.mean.toFixed(4)} ± ${res.chosen.std.toFixed(4)}`,
        `${best?.[1].summary.roc_auc.mean.toFixed(4)} (25-fold outer CV)`,
        `${(res.chosen.mean / (best?.[1].summary.roc_auc.mean ?? 1)).toFixed(3)}`,
      ],
      [
        'held-out ROC-AUC (95% bootstrap CI)',
        `${ci.estimate.toFixed(4)} (${ci.lower.toFixed(4)}–${ci.upper.toFixed(4)})`,
        '—',
        '',
      ],
      ['threshold / calibration', `${res.threshold.threshold.toFixed(4)} / ${res.calibration.method}`, '—', ''],
    ];
    const w = rows[0]?.map((_, k) => Math.max(...rows.map((r2) => (r2[k] ?? '').length))) ?? [];
    for (const r2 of rows) console.log(r2.map((c, k) => c.padEnd(w[k] ?? 0)).join('  '));
    console.log(
      `\nmachine: load average ${load0.toFixed(2)} at start, ${(loadavg()[0] ?? 0).toFixed(2)} at end; main-thread CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s (trials run on ${res.threads} worker threads)`,
    );
    console.log(`selection rule: ${res.selection.rule}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
