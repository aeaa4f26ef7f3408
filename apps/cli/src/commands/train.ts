/**
 * `aquaops train`: search every model family, select one by the one-standard-error rule,
 * evaluate it on held-out rows and register it (champion only when it beats the current one).
 * Settings come from `params.yaml` (its `train:` section) and flags, flags winning. A progress
 * line shows family, trial, best-so-far and ETA; Ctrl-C stops cleanly and keeps finished
 * trials; `--json` prints one machine-readable result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { writeSampleCsv } from '@aquaops/data';
import { type SelectionMetric, type ThresholdCriterion, defaultCatalog } from '@aquaops/ml';
import { FsArtifactStore, openStore, parseStoreUrl } from '@aquaops/registry';
import { type TrainJobOptions, type TrainProgress, runTrainingJob } from '@aquaops/training';
import { type Command, InvalidArgumentError } from 'commander';
import YAML from 'yaml';
import type { Io } from '../output.js';
import type { CliContext } from './context.js';
import { registryLocation } from './registry.js';
import { nonNegativeNumber } from '../format.js';

export interface TrainCliOptions {
  readonly data?: string;
  readonly test?: string;
  readonly out?: string;
  readonly schema?: string;
  readonly params?: string;
  readonly families?: string[];
  readonly trials?: number;
  readonly timeBudget?: number;
  readonly folds?: number;
  readonly testFraction?: number;
  readonly metric?: SelectionMetric;
  readonly seed?: number;
  readonly threads?: number;
  readonly calibration?: 'auto' | 'off' | 'platt' | 'isotonic';
  readonly threshold?: ThresholdCriterion;
  readonly store?: string;
  readonly artifacts?: string;
  readonly modelName?: string;
  readonly register?: boolean;
  readonly ensemble?: boolean;
  readonly json?: boolean;
  readonly minImprovement?: number;
}

const intArg =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}".`);
    return n;
  };

const floatArg =
  (name: string, lo: number, hi: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= lo || n >= hi)
      throw new InvalidArgumentError(`${name} must be a number in (${lo}, ${hi}), got "${v}".`);
    return n;
  };

export function parseMetric(v: string): SelectionMetric {
  const [name, arg] = v.split(':');
  if (name === 'roc_auc' || name === 'f1' || name === 'balanced_accuracy' || name === 'log_loss') return { name };
  if (name === 'recall_at_precision') {
    const p = Number(arg);
    if (!(p > 0 && p <= 1))
      throw new InvalidArgumentError(
        `recall_at_precision needs a precision, e.g. recall_at_precision:0.8 (got "${v}").`,
      );
    return { name, atPrecision: p };
  }
  throw new InvalidArgumentError(
    `unknown metric "${v}": use roc_auc, f1, balanced_accuracy, log_loss or recall_at_precision:P.`,
  );
}

export function parseThreshold(v: string): ThresholdCriterion {
  if (v === 'f1' || v === 'youden') return { kind: v };
  const m = /^cost:([0-9.]+):([0-9.]+)$/.exec(v);
  if (m) return { kind: 'cost', costFp: Number(m[1]), costFn: Number(m[2]) };
  throw new InvalidArgumentError(`unknown threshold rule "${v}": use f1, youden or cost:FP:FN (e.g. cost:1:5).`);
}

const PARAM_KEYS: Record<string, (v: unknown) => Partial<Record<keyof TrainCliOptions, unknown>>> = {
  data: (v) => ({ data: String(v) }),
  test: (v) => ({ test: String(v) }),
  schema: (v) => ({ schema: String(v) }),
  families: (v) => ({ families: Array.isArray(v) ? v.map(String) : String(v).split(',') }),
  trials: (v) => ({ trials: intArg('train.trials', 1)(String(v)) }),
  time_budget: (v) => ({ timeBudget: intArg('train.time_budget', 1)(String(v)) }),
  folds: (v) => ({ folds: intArg('train.folds', 2)(String(v)) }),
  test_fraction: (v) => ({ testFraction: floatArg('train.test_fraction', 0, 1)(String(v)) }),
  metric: (v) => ({ metric: parseMetric(String(v)) }),
  seed: (v) => ({ seed: intArg('train.seed', 0)(String(v)) }),
  calibration: (v) => ({ calibration: String(v) }),
  threshold: (v) => ({ threshold: parseThreshold(String(v)) }),
  model_name: (v) => ({ modelName: String(v) }),
  min_improvement: (v) => ({ minImprovement: Number(v) }),
};

/** The `train:` section of params.yaml, checked key by key. */
export function readTrainParams(file: string): Partial<TrainCliOptions> {
  const text = fs.readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `${file} is not valid YAML: ${(err as Error).message}`, {
      hint: 'Fix the YAML syntax.',
    });
  }
  const section = (doc as { train?: unknown } | null)?.train;
  if (section === undefined || section === null) return {};
  if (typeof section !== 'object' || Array.isArray(section)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `${file}: "train" must be a mapping of settings.`, {
      hint: `Known keys: ${Object.keys(PARAM_KEYS).join(', ')}.`,
    });
  }
  let out: Partial<TrainCliOptions> = {};
  for (const [k, v] of Object.entries(section)) {
    const conv = PARAM_KEYS[k];
    if (conv === undefined) {
      throw new AquaopsError('AQUAOPS_E_USAGE', `${file}: unknown setting train.${k}.`, {
        hint: `Known keys: ${Object.keys(PARAM_KEYS).join(', ')}.`,
      });
    }
    try {
      out = { ...out, ...(conv(v) as Partial<TrainCliOptions>) };
    } catch (err) {
      throw new AquaopsError('AQUAOPS_E_USAGE', `${file}: ${(err as Error).message}`, {
        hint: 'Fix the value in params.yaml.',
      });
    }
  }
  return out;
}

function fmtMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Renders progress: a rewritten line on a terminal; elsewhere (logs, CI) a line when the family
 * or phase changes and at most every 5 seconds in between, each with best-so-far and ETA.
 */
export function progressPrinter(io: Io, tty: boolean, now: () => number = Date.now): (e: TrainProgress) => void {
  let lastFamily = '';
  let lastPhase = '';
  let lastAt = 0;
  return (e) => {
    const best = e.best === undefined ? '' : ` | best ${e.best.family} ${e.best.score.toFixed(4)}`;
    const eta = e.etaMs === undefined ? '' : ` | ETA ${fmtMs(e.etaMs)}`;
    const line = `[${fmtMs(e.elapsedMs)}] ${e.phase}${e.family ? ` ${e.family}` : ''} | trial ${e.trialsDone}/${e.trialsTotal}${best}${eta}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${e.phase === 'done' ? '\n' : ''}`);
    else if (e.family !== lastFamily || e.phase !== lastPhase || now() - lastAt >= 5000) {
      io.err(line);
      lastAt = now();
    }
    lastFamily = e.family ?? '';
    lastPhase = e.phase;
  };
}

/** Runs a training job from CLI-style options (shared by `train` and the run command). */
export async function trainFromOptions(
  opts: TrainCliOptions,
  ctx: CliContext,
  onProgress?: (e: TrainProgress) => void,
) {
  const fromParams =
    opts.params !== undefined
      ? readTrainParams(opts.params)
      : fs.existsSync('params.yaml')
        ? readTrainParams('params.yaml')
        : {};
  const o: TrainCliOptions = {
    ...fromParams,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
  let dataFile = o.data;
  let synthetic = false;
  if (dataFile === undefined) {
    dataFile = path.join('.aquaops', 'data', 'sample.csv');
    if (!fs.existsSync(dataFile)) {
      fs.mkdirSync(path.dirname(dataFile), { recursive: true });
      await writeSampleCsv(dataFile, { rows: 3000, seed: 42 });
    }
    synthetic = true;
  } else if (!fs.existsSync(dataFile)) {
    throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `Data file ${dataFile} does not exist.`, {
      hint: 'Pass --data FILE, or leave it out to train on generated sample data.',
    });
  }
  if (o.test !== undefined && !fs.existsSync(o.test)) {
    throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `Test file ${o.test} does not exist.`, {
      hint: 'Pass --test FILE with held-out rows (e.g. the split stage output data/test.csv).',
    });
  }
  const loc = registryLocation({
    ...(o.store === undefined ? {} : { store: o.store }),
    ...(o.artifacts === undefined ? {} : { artifacts: o.artifacts }),
  });
  const parsed = parseStoreUrl(loc.store);
  if (parsed.kind === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(parsed.file)), { recursive: true });
  const store = await openStore(loc.store);
  try {
    const job: TrainJobOptions = {
      dataFile,
      store,
      artifacts: new FsArtifactStore(loc.artifacts),
      synthetic,
      signal: ctx.signal,
      ...(o.schema === undefined ? {} : { schema: o.schema }),
      ...(o.test === undefined ? {} : { testFile: o.test }),
      ...(o.out === undefined ? {} : { outDir: o.out }),
      ...(o.families === undefined ? {} : { families: o.families }),
      ...(o.trials === undefined ? {} : { trialsPerFamily: o.trials }),
      ...(o.timeBudget === undefined ? {} : { timeBudgetMs: o.timeBudget * 1000 }),
      ...(o.folds === undefined ? {} : { folds: o.folds }),
      ...(o.testFraction === undefined ? {} : { testFraction: o.testFraction }),
      ...(o.metric === undefined ? {} : { metric: o.metric }),
      ...(o.seed === undefined ? {} : { seed: o.seed }),
      ...(o.threads === undefined ? {} : { threads: o.threads }),
      ...(o.calibration === undefined ? {} : { calibration: o.calibration }),
      ...(o.threshold === undefined ? {} : { threshold: o.threshold }),
      ...(o.modelName === undefined ? {} : { modelName: o.modelName }),
      ...(o.register === false ? { register: false } : {}),
      ...(o.ensemble === true ? { ensemble: true } : {}),
      ...(o.minImprovement === undefined
        ? {}
        : { policy: { metric: 'test_roc_auc', higherIsBetter: true, minImprovement: o.minImprovement } }),
      ...(onProgress === undefined ? {} : { onProgress }),
    };
    return await runTrainingJob(defaultCatalog(), job);
  } finally {
    await store.close();
  }
}

export function registerTrain(program: Command, ctx: CliContext): void {
  program
    .command('train')
    .description('search model families, select and evaluate the best, register it (champion only if better)')
    .option('--data <file>', 'training CSV (default: generated sample data in .aquaops/data/sample.csv)')
    .option('--test <file>', 'separate held-out CSV (default: hold out --test-fraction of --data)')
    .option('--out <dir>', 'also write the model bundle (model, signature, report, card) to this directory')
    .option('--schema <name|file>', 'dataset schema: built-in name or schema file (default water-potability)')
    .option('--params <file>', 'params file whose train: section sets defaults (default ./params.yaml when present)')
    .option('--families <list>', 'comma-separated model families (default: all)', (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .option('--trials <n>', 'configurations per family, defaults included (default 12)', intArg('--trials', 1))
    .option(
      '--time-budget <seconds>',
      'stop starting new search work after this many seconds',
      intArg('--time-budget', 1),
    )
    .option('--folds <k>', 'inner cross-validation folds (default 5)', intArg('--folds', 2))
    .option('--test-fraction <f>', 'held-out share (default 0.2)', floatArg('--test-fraction', 0, 1))
    .option(
      '--metric <m>',
      'selection metric: roc_auc (default), f1, balanced_accuracy, log_loss, recall_at_precision:P',
      parseMetric,
    )
    .option('--seed <n>', 'random seed (default 42)', intArg('--seed', 0))
    .option(
      '--threads <n>',
      'worker threads for trials (default min(2, cores); 1 = in-process)',
      intArg('--threads', 1),
    )
    .option('--calibration <mode>', 'auto (default: apply only when it helps), off, platt, isotonic')
    .option('--threshold <rule>', 'decision threshold rule: f1 (default), youden, cost:FP:FN', parseThreshold)
    .option('--model-name <name>', 'registered model name (default: the schema name)')
    .option(
      '--min-improvement <x>',
      'held-out ROC-AUC gain needed to replace the champion (default 0)',
      nonNegativeNumber('--min-improvement'),
    )
    .option('--no-register', 'do not register the selected model')
    .option('--ensemble', 'also score a soft-voting ensemble of the three best families (its explanations can be slow)')
    .option('--store <url>', 'registry store: sqlite:PATH, postgres://…, memory: (default sqlite:.aquaops/registry.db)')
    .option('--artifacts <dir>', 'artifact directory (default .aquaops/artifacts)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: TrainCliOptions & { calibration?: string }) => {
      if (opts.calibration !== undefined && !['auto', 'off', 'platt', 'isotonic'].includes(opts.calibration)) {
        throw new AquaopsError(
          'AQUAOPS_E_USAGE',
          `--calibration must be auto, off, platt or isotonic, got "${opts.calibration}".`,
        );
      }
      const printer = opts.json === true ? undefined : progressPrinter(ctx.io, process.stderr.isTTY === true);
      const r = await trainFromOptions(opts, ctx, printer);
      const res = r.result;
      const summary = {
        runId: r.runId,
        interrupted: res.interrupted,
        dataVersion: r.dataVersion,
        selected: {
          family: res.chosen.family,
          params: res.chosen.params,
          cvMean: res.chosen.mean,
          cvStd: res.chosen.std,
          metric: res.metric,
        },
        rule: res.selection.rule,
        threshold: res.threshold.threshold,
        calibration: res.calibration.reason,
        test: {
          rocAuc: res.test.ci.rocAuc,
          accuracy: res.test.ci.accuracy,
          f1: res.test.ci.f1,
        },
        trials: res.trials.length,
        durationsMs: res.durations,
        registered:
          r.version === undefined
            ? null
            : {
                model: r.version.model,
                version: r.version.version,
                alias: r.promotion?.alias,
                reason: r.promotion?.reason,
              },
      };
      // An interrupted run must not look like success to a script or a pipeline (128 + SIGINT).
      if (res.interrupted) process.exitCode = 130;
      if (opts.json === true) {
        ctx.io.out(JSON.stringify(summary, null, 2));
        return;
      }
      const ci = res.test.ci.rocAuc;
      ctx.io.out(
        [
          `run ${r.runId}${res.interrupted ? ' (interrupted: finished trials kept, nothing registered)' : ''}`,
          `selected ${res.chosen.family} ${JSON.stringify(res.chosen.params)}: CV ${res.metric} ${res.chosen.mean.toFixed(4)} ± ${res.chosen.std.toFixed(4)} over ${res.trials.length} trials`,
          `held-out ROC-AUC ${ci.estimate.toFixed(4)} (95% CI ${ci.lower.toFixed(4)}–${ci.upper.toFixed(4)}), threshold ${res.threshold.threshold.toFixed(4)}`,
          `calibration: ${res.calibration.reason}`,
          r.version === undefined
            ? 'not registered'
            : `registered ${r.version.model} v${r.version.version} as ${r.promotion?.alias}: ${r.promotion?.reason}`,
          `took ${fmtMs(res.durations.totalMs)} on ${res.threads} thread(s)`,
        ].join('\n'),
      );
    });
}
