/**
 * `npm run bench:ml` — quality and speed of the ML engine against the Python stack.
 * Quality: every model family the catalogue offers (default and tuned, plus a 500-tree forest and
 * a soft-voting ensemble when available) over the 25 fixed CV folds of the shared potability
 * data, beside ../shared/baseline/cv.json, with the issue's ROC-AUC targets. Speed: the GBM and
 * random-forest speed benches on the synthetic data, beside ../shared/baseline/scale.json. Every
 * timed block states the machine's load; the full result is written to bench/results/ as JSON.
 * Flags: see `--help` (bench/lib/args.ts).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { defaultCatalog } from '@aquaops/ml';
import { parseBenchArgs, USAGE, UsageError } from './lib/args.js';
import { qualityTargets, readCvBaseline, readScaleBaseline, referencesFor, type Target } from './lib/baseline.js';
import { BenchInputError, loadFolds, loadPotability, sharedPaths } from './lib/dataset.js';
import { describeLoad, type LoadReport, withLoad } from './lib/load.js';
import { familyInventory, type VariantSummary } from './lib/quality.js';
import { checkFamilyNames, type QualityRun, runQualityBench } from './lib/quality-run.js';
import { FULL_SIZES, runSpeedBench, SMOKE_SIZES, type SpeedSection } from './lib/speed.js';
import { fmtMeanStd, renderTable } from './lib/table.js';

const out = (s: string): void => {
  process.stdout.write(s);
};
const SMOKE_FAMILIES = ['logistic-regression', 'gbm'];
const TUNE_SEED = 20_260_101;
const INNER_FOLDS = 3;

interface QualityResult {
  readonly status: 'ok' | 'skipped';
  readonly reason?: string;
  readonly run?: QualityRun;
  readonly load?: LoadReport;
  readonly targets?: readonly Target[];
  readonly inventory?: { available: string[]; missing: string[]; extra: string[] };
}

function qualityTable(run: QualityRun, cvPath: string): string {
  const refs = readCvBaseline(cvPath);
  const rows: string[][] = [];
  const ms = (m: { mean: number; std: number }, d = 4): string => fmtMeanStd(m.mean, m.std, d);
  const sorted = [...run.summaries].sort((a, b) => (b.rocAuc.mean || 0) - (a.rocAuc.mean || 0));
  for (const s of sorted) {
    const folds = s.failures > 0 ? `${s.folds} (+${s.failures} failed)` : String(s.folds);
    rows.push([
      s.variantId,
      folds,
      ms(s.rocAuc),
      ms(s.accuracy),
      ms(s.f1),
      ms(s.logLoss),
      s.folds > 0 ? s.fitS.mean.toFixed(3) : 'n/a',
      s.kind === 'tuned' && s.folds > 0 ? s.tuneS.mean.toFixed(1) : '',
    ]);
    for (const name of referencesFor(s)) {
      const r = refs.get(name);
      if (r === undefined) continue;
      const m = (x: { mean: number; std: number } | undefined): string => (x === undefined ? 'n/a' : ms(x));
      rows.push([
        `  ↳ python ${name}`,
        '',
        m(r.rocAuc),
        m(r.accuracy),
        m(r.f1),
        m(r.logLoss),
        r.fitS?.mean.toFixed(3) ?? '',
        '',
      ]);
    }
  }
  const dummy = refs.get('Dummy(prior)');
  if (dummy !== undefined) {
    const m = (x: { mean: number; std: number } | undefined): string => (x === undefined ? 'n/a' : ms(x));
    rows.push(['python Dummy(prior)', '', m(dummy.rocAuc), m(dummy.accuracy), m(dummy.f1), m(dummy.logLoss), '', '']);
  }
  return renderTable(
    [
      { header: 'model' },
      { header: 'folds', align: 'right' },
      { header: 'ROC-AUC' },
      { header: 'accuracy@0.5' },
      { header: 'F1@0.5' },
      { header: 'log-loss' },
      { header: 'fit s', align: 'right' },
      { header: 'tune s', align: 'right' },
    ],
    rows,
  );
}

function targetsTable(targets: readonly Target[]): string {
  return renderTable(
    [
      { header: 'target' },
      { header: 'threshold', align: 'right' },
      { header: 'ours', align: 'right' },
      { header: 'by' },
      { header: 'result' },
    ],
    targets.map((t) => [
      t.name,
      `≥ ${t.threshold.toFixed(3)}`,
      t.value === undefined ? 'n/a' : t.value.toFixed(4),
      t.variantId ?? '(family not run)',
      t.met ? 'MET' : t.value === undefined ? 'MISSED (not run)' : 'MISSED',
    ]),
  );
}

function chosenParams(summaries: readonly VariantSummary[]): string {
  const lines: string[] = [];
  for (const s of summaries) {
    if (s.kind !== 'tuned' || s.chosen.length === 0) continue;
    const top = s.chosen[0] as { params: string; count: number };
    lines.push(
      `  ${s.variantId}: ${s.chosen.length} distinct choices; most frequent (${top.count}/${s.folds}) ${top.params}`,
    );
  }
  return lines.length === 0 ? '' : `Inner-search choices (params of the estimator):\n${lines.join('\n')}\n`;
}

async function quality(args: ReturnType<typeof parseBenchArgs>): Promise<QualityResult> {
  const paths = sharedPaths(args.shared);
  out('\n== Quality: water_potability.csv, fixed CV folds ==\n');
  if (!existsSync(paths.csv) || !existsSync(paths.folds)) {
    const reason = `SKIPPED: ${!existsSync(paths.csv) ? paths.csv : paths.folds} is missing (run from the repository root with ../shared next to it).`;
    out(`${reason}\n`);
    return { status: 'skipped', reason };
  }
  const data = loadPotability(paths.csv);
  const folds = loadFolds(paths.folds, data);
  const catalog = defaultCatalog();
  const inventory = familyInventory(catalog);
  out(`dataset: ${data.X.nRows} rows, sha256 ${data.sha256.slice(0, 12)}… verified; folds: ${folds.length}\n`);
  out(`catalogue kinds: ${catalog.kinds().join(', ')}\n`);
  out(`families run: ${inventory.available.map((f) => f.id).join(', ')}\n`);
  out(
    `families missing from the catalogue: ${inventory.missing.length === 0 ? 'none' : inventory.missing.join(', ')}\n`,
  );
  if (inventory.extra.length > 0)
    out(`catalogue kinds with no training family (generic wrapping): ${inventory.extra.join(', ')}\n`);
  let families = args.families;
  if (families === undefined && args.smoke) {
    const ids = inventory.available.map((f) => f.id);
    const pick = SMOKE_FAMILIES.filter((f) => ids.includes(f));
    families = pick.length >= 2 ? pick : ids.slice(0, 2);
  }
  const problems = checkFamilyNames(inventory, families);
  if (problems.length > 0) throw new UsageError(`--families: ${problems.join('; ')}.`);
  const nFolds = Math.min(args.folds ?? folds.length, folds.length);
  out(
    `outer folds: ${nFolds}; tuned variants: inner ${INNER_FOLDS}-fold CV on each training part, ${args.trials} configurations, successive halving; workers: ${args.workers}\n`,
  );
  const isTty = process.stderr.isTTY === true;
  let lastPct = -1;
  const { value: run, load } = await withLoad(() =>
    runQualityBench({ X: data.X, y: data.y, folds }, catalog, inventory, {
      families,
      folds: nFolds,
      workers: args.workers,
      tune: { trials: args.trials, innerFolds: INNER_FOLDS, seed: TUNE_SEED },
      voting: true,
      onProgress: (done, total, last) => {
        const pct = Math.floor((100 * done) / total);
        const msg = `  ${done}/${total} tasks (${last.variantId}, fold ${last.fold}${last.error ? `: FAILED ${last.error}` : ''})`;
        if (isTty) process.stderr.write(`\r${msg.padEnd(100)}`);
        else if (pct >= lastPct + 10 || last.error !== undefined) {
          lastPct = pct;
          process.stderr.write(`${msg}\n`);
        }
        if (isTty && done === total) process.stderr.write('\n');
      },
    }),
  );
  out(`\n${qualityTable(run, paths.cv)}`);
  out(
    '(mean ± sample std over the outer folds; accuracy/F1 at threshold 0.5; python rows from ../shared/baseline/cv.json)\n',
  );
  for (const s of run.summaries) {
    if (s.failures > 0) out(`  ${s.variantId}: ${s.failures} fold(s) failed — first error: ${s.firstError}\n`);
  }
  for (const n of run.notes) out(`note: ${n}\n`);
  if (run.summaries.some((s) => s.variantId.startsWith('voting('))) {
    out('note: voting members were chosen by their outer-CV default scores (mildly optimistic).\n');
  }
  const chosen = chosenParams(run.summaries);
  if (chosen !== '') out(`\n${chosen}`);
  const targets = qualityTargets(run.summaries);
  out(`\n${targetsTable(targets)}`);
  if (nFolds < folds.length) out(`(targets judged on ${nFolds} of ${folds.length} folds only — not comparable)\n`);
  out(`machine load during quality: ${describeLoad(load)}\n`);
  return {
    status: 'ok',
    run,
    load,
    targets,
    inventory: {
      available: inventory.available.map((f) => f.id),
      missing: inventory.missing,
      extra: inventory.extra,
    },
  };
}

async function speed(args: ReturnType<typeof parseBenchArgs>): Promise<SpeedSection[]> {
  const paths = sharedPaths(args.shared);
  const sizes = args.smoke ? SMOKE_SIZES : FULL_SIZES;
  out(
    `\n== Speed: synthetic data (shared/baseline/README.md)${args.smoke ? ', SMOKE sizes: targets not judged' : ''} ==\n`,
  );
  const refs = readScaleBaseline(paths.scale);
  if (refs.length === 0) out(`note: ${paths.scale} missing or unreadable — baseline columns are n/a\n`);
  const sections = await runSpeedBench({
    sizes,
    full: !args.smoke,
    refs,
    onSection: (name) => process.stderr.write(`  running ${name} speed bench…\n`),
  });
  const rows: string[][] = [];
  for (const s of sections) {
    if (s.status !== 'ok') {
      rows.push([`${s.name}: ${s.status}`, '', '', '', '', '']);
      continue;
    }
    for (const c of s.checks) {
      rows.push([c.name, c.baseline, c.ours, c.ratio, c.target, c.met === undefined ? '—' : c.met ? 'MET' : 'MISSED']);
    }
  }
  out(
    renderTable(
      [
        { header: 'measure' },
        { header: 'baseline' },
        { header: 'aquaops', align: 'right' },
        { header: 'ratio', align: 'right' },
        { header: 'target' },
        { header: 'result' },
      ],
      rows,
    ),
  );
  for (const s of sections) {
    if (s.status !== 'ok') out(`${s.name}: ${s.status} — ${s.message ?? ''}\n`);
    else out(`${s.name} (${s.sizes}): ${s.load === undefined ? '' : describeLoad(s.load)}\n`);
  }
  return sections;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseBenchArgs>;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench:ml: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    out(`${USAGE}\n`);
    return 0;
  }
  const started = new Date();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  out(`aquaops bench:ml${args.smoke ? ' --smoke' : ''} — ${started.toISOString()}\n`);
  out(
    `node ${process.version}, ${availableParallelism()} CPUs (${cpu}); load average ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}\n`,
  );
  let q: QualityResult | undefined;
  let sp: SpeedSection[] | undefined;
  const file = path.join(args.outDir, `ml-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  // Written after each part (same file), so a long run stopped during the speed part keeps its quality figures.
  const save = (complete: boolean): void => {
    mkdirSync(args.outDir, { recursive: true });
    const result = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      complete,
      args,
      machine: { node: process.version, cpus: availableParallelism(), cpu, loadavgAtStart: [l1, l5, l15] },
      quality:
        q === undefined
          ? undefined
          : {
              status: q.status,
              reason: q.reason,
              inventory: q.inventory,
              folds: q.run?.folds,
              notes: q.run?.notes,
              load: q.load,
              targets: q.targets,
              summaries: q.run?.summaries,
              outcomes: q.run?.outcomes,
            },
      speed: sp,
    };
    writeFileSync(file, `${JSON.stringify(result, null, 1)}\n`);
  };
  try {
    if (args.quality) {
      q = await quality(args);
      if (args.speed) save(false);
    }
    if (args.speed) sp = await speed(args);
  } catch (e) {
    if (e instanceof BenchInputError) {
      process.stderr.write(`bench:ml: REFUSED — ${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`bench:ml: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  save(true);
  out(`\nresult written to ${file}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:ml: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
