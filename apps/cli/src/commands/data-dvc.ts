/**
 * DVC-compatible commands: `aquaops data init|remote add|add|status|checkout|push|pull|gc|
 * import-url|split`, `aquaops repro`, `aquaops metrics show|diff` and `aquaops params diff`.
 * Everything works on the repository found from the current directory (nearest `.dvc/`), and
 * the files they write (`.dvc`, `dvc.lock`, the cache) are the ones DVC 3 itself reads. A failed
 * pipeline stage ends the command with that stage's exit code.
 */
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import {
  DvcConfig,
  DvcRepo,
  importUrl,
  metricsDiff,
  metricsShow,
  paramsDiff,
  repro,
  splitCsvFile,
} from '@aquaops/data';
import type { DiffByFile, ReproEvent, ValuesByFile } from '@aquaops/data';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { commandGroup } from './context.js';
import type { CliContext } from './context.js';
import { fmt, table } from '../format.js';

function numberArg(name: string, check: (n: number) => boolean, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !check(n))
      throw new InvalidArgumentError(`${name} must be ${what}, got "${v}".`);
    return n;
  };
}

function diffTable(d: DiffByFile, kind: 'Metric' | 'Param', rev: string, withChange: boolean): string {
  const rows: string[][] = [['Path', kind, rev, 'workspace', ...(withChange ? ['Change'] : [])]];
  for (const [file, entries] of Object.entries(d)) {
    for (const [key, e] of Object.entries(entries)) {
      rows.push([file, key, fmt(e.old), fmt(e.new), ...(withChange ? [fmt(e.diff)] : [])]);
    }
  }
  return rows.length === 1 ? `No changes.` : table(rows);
}

function showTable(v: ValuesByFile): string {
  const rows: string[][] = [['Path', 'Metric', 'Value']];
  for (const [file, values] of Object.entries(v)) {
    if ('error' in values && typeof values.error === 'string' && Object.keys(values).length === 1) {
      rows.push([file, '(error)', values.error]);
      continue;
    }
    for (const [k, val] of Object.entries(values)) rows.push([file, k, fmt(val)]);
  }
  return rows.length === 1 ? 'No metrics found (declare them under "metrics:" in dvc.yaml).' : table(rows);
}

/** Collects a stage's output into whole lines (Io adds a newline per call). */
class LineBuffer {
  private buf = new Map<string, string>();
  constructor(private readonly io: Io) {}
  push(key: string, text: string, toErr: boolean): void {
    const all = (this.buf.get(key) ?? '') + text;
    const cut = all.lastIndexOf('\n');
    if (cut >= 0) {
      const lines = all.slice(0, cut);
      if (toErr) this.io.err(lines);
      else this.io.out(lines);
    }
    this.buf.set(key, all.slice(cut + 1));
  }
  flush(): void {
    for (const [key, rest] of this.buf) {
      if (rest !== '') {
        if (key.endsWith(':stderr')) this.io.err(rest);
        else this.io.out(rest);
      }
    }
    this.buf.clear();
  }
}

export function registerDataDvc(program: Command, ctx: CliContext): void {
  const { io, signal } = ctx;
  const data = commandGroup(program, 'data', 'datasets: validate, sample, version and reproduce');

  data
    .command('init')
    .description('create .dvc/ (config, cache location) in the current directory, like `dvc init`')
    .action(async () => {
      const repo = await DvcRepo.init(process.cwd());
      io.out(`Initialized DVC-compatible repository in ${repo.root}`);
    });

  data
    .command('remote')
    .description('configure remotes in .dvc/config')
    .command('add')
    .description('add a directory remote (`-d` makes it the default)')
    .argument('<name>', 'remote name')
    .argument('<url>', 'directory path (relative paths are resolved against the current directory)')
    .option('-d, --default', 'make it the default remote')
    .action(async (name: string, url: string, flags: { default?: boolean }) => {
      const repo = await DvcRepo.open();
      const cfg = await DvcConfig.load(repo.dvcDir);
      const stored = path.isAbsolute(url) ? url : path.relative(repo.dvcDir, path.resolve(url));
      cfg.setRemote(name, stored, flags.default === true);
      await cfg.save();
      io.out(`Remote "${name}" -> ${path.resolve(url)}${flags.default ? ' (default)' : ''}`);
    });

  data
    .command('add')
    .description('track files or directories: cache them and write PATH.dvc (DVC 3 format)')
    .argument('<paths...>', 'files or directories to track')
    .action(async (paths: string[]) => {
      const repo = await DvcRepo.open();
      for (const p of paths) {
        const { dvcFile, hash } = await repo.add(p);
        const n = hash.nfiles === undefined ? '' : `, ${hash.nfiles} files`;
        io.out(`Added ${p} (md5 ${hash.md5}, ${hash.size} bytes${n}) -> ${path.relative(process.cwd(), dvcFile)}`);
      }
      io.out('To track the changes with git, run: git add ' + paths.map((p) => `${p}.dvc`).join(' '));
    });

  data
    .command('status')
    .description('show tracked data that is modified, deleted or not in the cache')
    .argument('[targets...]', 'limit to these paths or .dvc files')
    .option('--json', 'print JSON')
    .action(async (targets: string[], flags: { json?: boolean }) => {
      const repo = await DvcRepo.open();
      const st = await repo.status(targets);
      const changed = st.filter((s) => s.states[0] !== 'ok');
      if (flags.json) {
        io.out(JSON.stringify(Object.fromEntries(changed.map((s) => [s.path, s.states])), null, 2));
      } else if (changed.length === 0) {
        io.out('Data and pipelines are up to date.');
      } else {
        io.out(
          table([['Path', 'Recorded in', 'Status'], ...changed.map((s) => [s.path, s.source, s.states.join(', ')])]),
        );
      }
    });

  data
    .command('checkout')
    .description('restore tracked data in the workspace from the cache (copy-on-write clone or copy)')
    .argument('[targets...]', 'limit to these paths or .dvc files')
    .option('-f, --force', 'overwrite workspace changes that are not in the cache')
    .action(async (targets: string[], flags: { force?: boolean }) => {
      const repo = await DvcRepo.open();
      const r = await repo.checkout(targets, { force: flags.force === true });
      for (const p of r.restored) io.out(`M       ${p}`);
      io.out(`${r.restored.length} restored, ${r.unchanged.length} already up to date`);
    });

  const transferFlags = (c: Command): Command =>
    c
      .argument('[targets...]', 'limit to these paths or .dvc files')
      .option('-r, --remote <name>', 'remote (default: core.remote)');

  transferFlags(data.command('push').description('upload cached data to the remote')).action(
    async (targets: string[], flags: { remote?: string }) => {
      const repo = await DvcRepo.open();
      const r = await repo.push({ targets, ...(flags.remote === undefined ? {} : { remote: flags.remote }) });
      io.out(`${r.transferred} file(s) pushed, ${r.present} already on the remote`);
      if (r.missing.length > 0) {
        throw new AquaopsError(
          'AQUAOPS_E_DVC_CACHE_MISSING',
          `${r.missing.length} object(s) are missing from the local cache: ${r.missing.slice(0, 3).join(', ')}`,
          {
            hint: 'run `aquaops data add` or `aquaops repro` again to recreate them.',
          },
        );
      }
    },
  );

  transferFlags(data.command('pull').description('download data from the remote and check it out'))
    .option('-f, --force', 'overwrite workspace changes that are not in the cache')
    .action(async (targets: string[], flags: { remote?: string; force?: boolean }) => {
      const repo = await DvcRepo.open();
      const r = await repo.pull({
        targets,
        force: flags.force === true,
        ...(flags.remote === undefined ? {} : { remote: flags.remote }),
      });
      for (const p of r.restored) io.out(`M       ${p}`);
      io.out(`${r.transferred} file(s) fetched, ${r.restored.length} restored`);
    });

  data
    .command('gc')
    .description('remove cache objects not referenced by the current .dvc files and dvc.lock')
    .option('-w, --workspace', 'keep only what the workspace references (required)')
    .action(async (flags: { workspace?: boolean }) => {
      if (!flags.workspace) {
        throw new AquaopsError('AQUAOPS_E_USAGE', 'gc needs a scope', {
          hint: 'pass --workspace to keep only objects referenced by the current .dvc files and dvc.lock.',
        });
      }
      const repo = await DvcRepo.open();
      const r = await repo.gc();
      io.out(`Removed ${r.removed.length} object(s) from the cache; ${r.kept} referenced object(s) kept`);
    });

  data
    .command('import-url')
    .description('download a file over http(s), verify its sha256, cache it and write OUT.dvc')
    .argument('<url>', 'http:// or https:// URL')
    .argument('[out]', 'where to save it (default: the file name in the URL)')
    .requiredOption('--sha256 <hash>', 'expected sha256 of the content (64 hex digits)')
    .action(async (url: string, out: string | undefined, flags: { sha256: string }) => {
      const r = await importUrl({ url, sha256: flags.sha256, signal, ...(out === undefined ? {} : { out }) });
      io.out(`Imported ${url} -> ${path.relative(process.cwd(), r.out)} (${r.hash.size} bytes, sha256 verified)`);
    });

  data
    .command('split')
    .description('stratified, seeded train/test split of a CSV (header and row order kept)')
    .argument('<file>', 'CSV file to split')
    .requiredOption(
      '--test-fraction <f>',
      'share of rows per class for the test set',
      numberArg('--test-fraction', (n) => n > 0 && n < 1, 'between 0 and 1 (exclusive)'),
    )
    .requiredOption('--seed <s>', 'random seed', numberArg('--seed', Number.isSafeInteger, 'an integer'))
    .option('--stratify-by <column>', 'label column whose class shares both parts keep')
    .requiredOption('--out-train <file>', 'where to write the training rows')
    .requiredOption('--out-test <file>', 'where to write the test rows')
    .action(
      async (
        file: string,
        flags: { testFraction: number; seed: number; stratifyBy?: string; outTrain: string; outTest: string },
      ) => {
        const r = await splitCsvFile(file, flags.outTrain, flags.outTest, {
          testFraction: flags.testFraction,
          seed: flags.seed,
          ...(flags.stratifyBy === undefined ? {} : { stratifyBy: flags.stratifyBy }),
        });
        const per = Object.entries(r.classes)
          .map(([k, v]) => `${flags.stratifyBy ?? 'all'}=${k}: ${v.train}/${v.test}`)
          .join(', ');
        io.out(
          `Split ${file}: ${r.trainRows} train -> ${flags.outTrain}, ${r.testRows} test -> ${flags.outTest} (${per})`,
        );
      },
    );

  program
    .command('repro')
    .description('run the stages of dvc.yaml whose command, deps, params or outs changed')
    .argument('[stage]', 'stage to reproduce together with its upstream stages (default: all)')
    .option('-f, --force', 'run the stages even if nothing changed')
    .option('--dry', 'only print which stages would run')
    .action(async (stage: string | undefined, flags: { force?: boolean; dry?: boolean }) => {
      const lines = new LineBuffer(io);
      const onEvent = (e: ReproEvent): void => {
        switch (e.type) {
          case 'run':
            io.out(`Running stage '${e.stage}' (${e.reasons.join('; ')}):\n> ${e.cmd}`);
            break;
          case 'skip':
            io.out(`Stage '${e.stage}' didn't change, skipping${e.reason === 'frozen' ? ' (frozen)' : ''}`);
            break;
          case 'restore':
            io.out(`Stage '${e.stage}' is cached - restoring its outputs from the cache`);
            break;
          case 'would-run':
            io.out(`Would run stage '${e.stage}' (${e.reasons.join('; ')})`);
            break;
          case 'output':
            lines.push(`${e.stage}:${e.stream}`, e.text, e.stream === 'stderr');
            break;
          case 'done':
            lines.flush();
            io.out(`Stage '${e.stage}' done in ${(e.ms / 1000).toFixed(2)} s; dvc.lock updated`);
            break;
        }
      };
      const r = await repro({
        signal,
        onEvent,
        ...(stage === undefined ? {} : { target: stage }),
        ...(flags.force ? { force: true } : {}),
        ...(flags.dry ? { dry: true } : {}),
      });
      lines.flush();
      if (r.failed !== undefined) {
        io.err(
          `error AQUAOPS_E_DVC_STAGE_FAILED: stage '${r.failed.stage}' failed with exit code ${r.failed.exitCode}; later stages were not run. Fix: see the command output above, correct it and run \`aquaops repro\` again.`,
        );
        process.exitCode = r.failed.exitCode;
        return;
      }
      const ran = r.stages.filter((s) => s.status === 'ran').length;
      const skipped = r.stages.filter((s) => s.status === 'skipped').length;
      const restored = r.stages.filter((s) => s.status === 'restored').length;
      io.out(
        flags.dry
          ? `${r.stages.filter((s) => s.status === 'would-run').length} stage(s) would run`
          : `${ran} stage(s) ran, ${restored} restored from cache, ${skipped} skipped`,
      );
    });

  const metrics = commandGroup(program, 'metrics', 'show and compare metrics files of the pipeline');
  metrics
    .command('show')
    .description('print the metrics files declared in dvc.yaml')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const repo = await DvcRepo.open();
      const v = await metricsShow(repo.root);
      io.out(flags.json ? JSON.stringify(v, null, 2) : showTable(v));
    });
  metrics
    .command('diff')
    .description('compare metrics between a git revision and the workspace')
    .argument('[rev]', 'git revision', 'HEAD')
    .option('--json', 'print JSON: {"path": {"metric": {"old", "new", "diff"}}}')
    .option('--all', 'include unchanged metrics')
    .action(async (rev: string, flags: { json?: boolean; all?: boolean }) => {
      const repo = await DvcRepo.open();
      const d = await metricsDiff(repo.root, rev, { all: flags.all === true });
      io.out(flags.json ? JSON.stringify(d, null, 2) : diffTable(d, 'Metric', rev, true));
    });

  const params = commandGroup(program, 'params', 'compare pipeline parameters');
  params
    .command('diff')
    .description('compare params files between a git revision and the workspace')
    .argument('[rev]', 'git revision', 'HEAD')
    .option('--json', 'print JSON: {"params.yaml": {"key": {"old", "new"}}}')
    .option('--all', 'include unchanged params')
    .action(async (rev: string, flags: { json?: boolean; all?: boolean }) => {
      const repo = await DvcRepo.open();
      const d = await paramsDiff(repo.root, rev, { all: flags.all === true });
      io.out(flags.json ? JSON.stringify(d, null, 2) : diffTable(d, 'Param', rev, false));
    });
}
