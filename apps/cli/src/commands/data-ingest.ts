/**
 * `aquaops data validate` and `aquaops data sample`: check a CSV against a dataset schema and
 * write its quality report (terminal table, JSON, Markdown), optionally with a test file for the
 * train/test leakage check; and generate the labelled-synthetic potability sample. Exit codes:
 * 0 pass or warn, 1 failed rules or bad data (the report is still written), 2 wrong usage.
 */
import { writeFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import {
  loadSchema,
  loadThresholds,
  renderJson,
  renderMarkdown,
  renderTable,
  sampleCsvBlocks,
  validateCsv,
  validateCsvPair,
  writeSampleCsv,
} from '@aquaops/data';
import type { QualityReport } from '@aquaops/data';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { commandGroup } from './context.js';
import type { CliContext } from './context.js';

function intArg(name: string, min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}".`);
    }
    return n;
  };
}

function fractionArg(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`must be a number between 0 and 1 (exclusive), got "${v}".`);
  return n;
}

function delimiterArg(v: string): string {
  const d = v === '\\t' || v.toLowerCase() === 'tab' ? '\t' : v;
  if (d.length !== 1 || d === '"') throw new InvalidArgumentError(`must be one character (or "tab"), got "${v}".`);
  return d;
}

interface ValidateFlags {
  schema: string;
  test?: string;
  strict?: boolean;
  delimiter?: string;
  format: 'table' | 'json' | 'markdown';
  out?: string;
  md?: string;
  maxExamples: number;
  progress?: boolean;
  thresholds?: string;
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw new AquaopsError('AQUAOPS_E_DATA_UNREADABLE', `Cannot write ${file}: ${(err as Error).message}.`, {
      hint: 'Check that the directory exists and is writable.',
      cause: err,
    });
  }
}

async function runValidate(file: string, flags: ValidateFlags, ctx: CliContext): Promise<void> {
  const schema = await loadSchema(flags.schema);
  const thresholds = flags.thresholds === undefined ? undefined : await loadThresholds(flags.thresholds);
  const opts = {
    ...(thresholds === undefined ? {} : { thresholds }),
    strict: flags.strict === true,
    maxExamples: flags.maxExamples,
    signal: ctx.signal,
    ...(flags.delimiter === undefined ? {} : { delimiter: flags.delimiter }),
    ...(flags.progress === true
      ? { onProgress: (rows: number, bytes: number) => ctx.io.err(`... ${rows} rows, ${(bytes / 1e6).toFixed(1)} MB`) }
      : {}),
  };
  let reports: QualityReport[];
  let json: string;
  if (flags.test !== undefined) {
    const pair = await validateCsvPair(file, flags.test, schema, opts);
    reports = [pair.train, pair.test];
    json = renderJson(pair);
  } else {
    const r = await validateCsv(file, schema, opts);
    reports = [r];
    json = renderJson(r);
  }
  if (flags.out !== undefined) await writeOut(flags.out, json);
  if (flags.md !== undefined) await writeOut(flags.md, reports.map(renderMarkdown).join('\n'));
  if (flags.format === 'json') ctx.io.out(json);
  else ctx.io.out(reports.map(flags.format === 'markdown' ? renderMarkdown : renderTable).join('\n'));
  const failed = reports.filter((r) => r.status === 'fail');
  if (failed.length > 0) {
    const rules = failed.flatMap((r) =>
      r.rules.filter((x) => x.level === 'fail').map((x) => `${r.file}: ${x.id}: ${x.message}`),
    );
    throw new AquaopsError('AQUAOPS_E_DATA_QUALITY_FAILED', `data quality FAIL: ${rules.join('; ')}.`, {
      hint: `See the report${flags.out ? ` in ${flags.out}` : ''} for every rule and example line; fix the data or adjust the thresholds.`,
    });
  }
}

export function registerDataIngest(program: Command, ctx: CliContext): void {
  const data = commandGroup(program, 'data', 'datasets: validate, sample, version and reproduce');
  data
    .command('validate')
    .description('check a CSV against a dataset schema and report its quality (exit 0 pass/warn, 1 fail, 2 usage)')
    .argument('<file>', 'CSV file to check')
    .option('--schema <schema>', 'built-in schema name or path to a .yaml/.json schema', 'water-potability')
    .option('--test <file>', 'a test-split CSV: also validate it and check train/test leakage')
    .option('--strict', 'reject columns the schema does not know (default: report and ignore)')
    .option('--delimiter <char>', 'field delimiter (default ","; "tab" for tabs)', delimiterArg)
    .addOption(
      new Option('--format <format>', 'output on stdout').choices(['table', 'json', 'markdown']).default('table'),
    )
    .option('--out <report.json>', 'also write the JSON report here')
    .option('--md <report.md>', 'also write a Markdown report here')
    .option('--max-examples <n>', 'examples kept per kind of problem', intArg('--max-examples', 0), 5)
    .option('--thresholds <file>', 'YAML/JSON rule thresholds, e.g. {missingRate: {warn: 0.1, fail: 0.3}}')
    .option('--progress', 'print progress to stderr (large files)')
    .action(async (file: string, flags: ValidateFlags) => {
      await runValidate(file, flags, ctx);
    });
  data
    .command('sample')
    .description('generate a labelled-synthetic potability CSV from published per-class statistics')
    .requiredOption('--rows <n>', 'number of rows', intArg('--rows', 1))
    .requiredOption('--seed <s>', 'random seed (same seed, same file)', intArg('--seed', -2147483648))
    .option('--positive-rate <p>', 'fraction of potable rows (default 0.39, as in the real data)', fractionArg)
    .option('--out <file>', 'write the CSV here (plus FILE.meta.json) instead of stdout')
    .action(async (flags: { rows: number; seed: number; positiveRate?: number; out?: string }) => {
      const opts = {
        rows: flags.rows,
        seed: flags.seed,
        ...(flags.positiveRate === undefined ? {} : { positiveRate: flags.positiveRate }),
      };
      if (flags.out === undefined) {
        for (const block of sampleCsvBlocks(opts)) ctx.io.out(block);
        return;
      }
      await writeSampleCsv(flags.out, opts);
      ctx.io.err(`wrote ${flags.rows} synthetic rows to ${flags.out} (metadata: ${flags.out}.meta.json)`);
    });
}
