/**
 * Experiment and model-registry commands: `aquaops runs ls|show|compare` and `aquaops models
 * ls|show|promote|tag|rollback|archive|diff|history|routing|gc`. Tables by default, `--json` for machines.
 * The store is chosen by `--store URL` (memory:, sqlite:PATH or a path, postgres://…) and
 * artifacts by `--artifacts DIR`; both defaults are decided in `registryLocation` only, so the
 * config module can take them over in one place.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AquaopsError, type Routing } from '@aquaops/contracts';
import {
  FsArtifactStore,
  ModelRegistry,
  compareRuns,
  openStore,
  parseStoreUrl,
  parseVersionRef,
  RUN_STATUSES,
} from '@aquaops/registry';
import type { ModelVersion, RegistryStore, RunRecord, RunStatus } from '@aquaops/registry';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../output.js';
import { fmt, table } from '../format.js';

export interface RegistryCliOptions {
  readonly store?: string;
  readonly artifacts?: string;
  readonly json?: boolean;
}

/** Where the registry lives: the one place that knows the defaults. */
export function registryLocation(
  opts: RegistryCliOptions,
  cwd: string = process.cwd(),
): { store: string; artifacts: string } {
  return {
    store: opts.store ?? `sqlite:${path.join(cwd, '.aquaops', 'registry.db')}`,
    artifacts: path.resolve(cwd, opts.artifacts ?? path.join('.aquaops', 'artifacts')),
  };
}

async function withRegistry<T>(
  opts: RegistryCliOptions,
  fn: (reg: ModelRegistry, store: RegistryStore) => Promise<T>,
): Promise<T> {
  const loc = registryLocation(opts);
  const parsed = parseStoreUrl(loc.store);
  if (parsed.kind === 'sqlite') fs.mkdirSync(path.dirname(path.resolve(parsed.file)), { recursive: true });
  const store = await openStore(loc.store);
  try {
    return await fn(new ModelRegistry(store, new FsArtifactStore(loc.artifacts)), store);
  } finally {
    await store.close();
  }
}

function positiveInt(name: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}".`);
    return Number(v);
  };
}

function withCommon(cmd: Command): Command {
  return cmd
    .option(
      '--store <url>',
      'registry store: memory:, sqlite:PATH, a file path or postgres://… (default sqlite:.aquaops/registry.db)',
    )
    .option('--artifacts <dir>', 'artifact store directory (default .aquaops/artifacts)')
    .option('--json', 'print JSON instead of a table');
}

function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

function metricsText(m: Readonly<Record<string, number>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(' ');
}

function versionDetail(v: ModelVersion, aliases: readonly string[]): string {
  const rows: string[][] = [
    ['model', `${v.model}@${v.version}`],
    ['aliases', aliases.join(', ') || '-'],
    ['status', v.status],
    ['kind / family', `${v.kind} / ${v.family}`],
    ['threshold', fmt(v.threshold)],
    ['run', v.runId ?? '-'],
    ['data version', v.dataVersion ?? '-'],
    ['test set hash', v.testSetHash ?? '-'],
    ['created', `${v.createdAt} by ${v.createdBy}`],
    ['metrics', metricsText(v.metrics) || '-'],
    [
      'tags',
      Object.entries(v.tags)
        .map(([k, x]) => `${k}=${x}`)
        .join(' ') || '-',
    ],
  ];
  for (const [name, a] of Object.entries(v.artifacts))
    rows.push([`artifact ${name}`, `${a.sha256} ${a.size} B ${a.contentType}`]);
  return table(rows);
}

interface RoutingVariant {
  readonly version: number;
  readonly weight: number;
}

/** Commander collector for repeated `--variant VERSION:WEIGHT`. */
function collectVariant(v: string, acc: RoutingVariant[]): RoutingVariant[] {
  const m = /^(\d+):(\d+(?:\.\d+)?)$/.exec(v);
  if (m === null || Number(m[1]) < 1 || Number(m[2]) > 1000) {
    throw new InvalidArgumentError(
      `--variant must be VERSION:WEIGHT with a version >= 1 and a weight 0–1000, e.g. 3:90; got "${v}".`,
    );
  }
  return [...acc, { version: Number(m[1]), weight: Number(m[2]) }];
}

function routingText(r: Routing | null): string {
  if (r === null) return 'none';
  const parts = r.variants.map((v) => `v${v.version}:${fmt(v.weight)}`);
  if (r.stickyKey !== undefined) parts.push(`sticky ${r.stickyKey}`);
  if (r.shadowVersion !== undefined && r.shadowVersion !== null) parts.push(`shadow v${r.shadowVersion}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Takes only the output from the CLI context (importing `CliContext` would make an import cycle with index.ts). */
export function registerRegistryCommands(program: Command, ctx: { readonly io: Io }): void {
  const { io } = ctx;
  const out = (json: boolean | undefined, data: unknown, text: () => string): void =>
    io.out(json === true ? JSON.stringify(data, null, 2) : text());

  const runs = group(program, 'runs', 'experiment runs: list, show, compare');
  withCommon(runs.command('ls').description('list runs, newest first'))
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join('|')})`)
    .option('--limit <n>', 'at most this many runs', positiveInt('--limit'))
    .action(async (opts: RegistryCliOptions & { status?: string; limit?: number }) => {
      if (opts.status !== undefined && !(RUN_STATUSES as readonly string[]).includes(opts.status)) {
        throw new AquaopsError('AQUAOPS_E_USAGE', `unknown --status "${opts.status}"`, {
          hint: `use one of ${RUN_STATUSES.join(', ')}`,
        });
      }
      await withRegistry(opts, async (_r, store) => {
        const list = await store.listRuns({
          ...(opts.status === undefined ? {} : { status: opts.status as RunStatus }),
          ...(opts.limit === undefined ? {} : { limit: opts.limit }),
        });
        out(opts.json, list, () =>
          list.length === 0
            ? 'No runs.'
            : table([
                ['ID', 'NAME', 'STATUS', 'CREATED', 'TRIALS', 'TEST METRICS'],
                ...list.map((r) => [
                  r.id,
                  r.name,
                  r.status,
                  r.createdAt,
                  String(r.trialCount),
                  Object.entries(r.testMetrics)
                    .map(([k, m]) => `${k}=${fmt(m.value)}`)
                    .join(' ') || '-',
                ]),
              ]),
        );
      });
    });

  withCommon(runs.command('show').argument('<id>', 'run id').description('show one run with its trials')).action(
    async (id: string, opts: RegistryCliOptions) => {
      await withRegistry(opts, async (_r, store) => {
        const r = await store.getRun(id);
        if (r === undefined)
          throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `run ${id} does not exist`, {
            hint: 'list runs with `aquaops runs ls`',
          });
        out(opts.json, r, () => {
          const rows: string[][] = [
            ['id', r.id],
            ['name', r.name],
            ['status', r.status + (r.error === null ? '' : ` (${r.error})`)],
            ['created / finished', `${r.createdAt} / ${r.finishedAt ?? '-'}`],
            ['data', `${r.data.version ?? '-'} (schema ${r.data.schemaName ?? '-'} ${r.data.schemaVersion ?? ''})`],
            ['code version', r.codeVersion ?? '-'],
            ['seed', fmt(r.seed)],
            [
              'environment',
              `node ${r.environment.node} ${r.environment.platform}/${r.environment.arch} ${r.environment.cpus} cpus`,
            ],
            ['params', JSON.stringify(r.params)],
            ['durations ms', metricsText(r.durations) || '-'],
          ];
          for (const [k, m] of Object.entries(r.testMetrics)) {
            const ci = m.lower !== undefined && m.upper !== undefined ? ` [${fmt(m.lower)}, ${fmt(m.upper)}]` : '';
            rows.push([`test ${k}`, `${fmt(m.value)}${ci}`]);
          }
          const trials =
            r.trials.length === 0
              ? ''
              : `\n\n${table([
                  ['TRIAL', 'FAMILY', 'STATUS', 'MEAN', 'MS', 'PARAMS'],
                  ...r.trials.map((t) => [
                    String(t.index),
                    t.family,
                    t.status,
                    metricsText(t.mean),
                    fmt(t.durationMs),
                    JSON.stringify(t.params),
                  ]),
                ])}`;
          return table(rows) + trials;
        });
      });
    },
  );

  withCommon(
    runs.command('compare').argument('<ids...>', 'two or more run ids').description('compare runs side by side'),
  )
    .option('--only-diff', 'show only rows that differ')
    .action(async (ids: string[], opts: RegistryCliOptions & { onlyDiff?: boolean }) => {
      if (ids.length < 2)
        throw new AquaopsError('AQUAOPS_E_USAGE', 'compare needs at least two run ids', {
          hint: 'aquaops runs compare ID ID …',
        });
      await withRegistry(opts, async (_r, store) => {
        const found: RunRecord[] = [];
        for (const id of ids) {
          const r = await store.getRun(id);
          if (r === undefined)
            throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `run ${id} does not exist`, {
              hint: 'list runs with `aquaops runs ls`',
            });
          found.push(r);
        }
        const c = compareRuns(found);
        const rows = opts.onlyDiff === true ? c.rows.filter((r) => r.differs) : c.rows;
        out(opts.json, { ...c, rows }, () =>
          table([['KEY', ...c.ids, ''], ...rows.map((r) => [r.key, ...r.values.map(fmt), r.differs ? '*' : ''])]),
        );
      });
    });

  const models = group(program, 'models', 'model registry: versions, aliases, promotion');
  const actorOpt = (cmd: Command): Command =>
    cmd.option('--actor <name>', 'who does this, for the audit trail', process.env.USER ?? os.userInfo().username);

  withCommon(models.command('ls').description('list registered models with their aliases')).action(
    async (opts: RegistryCliOptions) => {
      await withRegistry(opts, async (_r, store) => {
        const list = await store.listModels();
        const data = await Promise.all(list.map(async (m) => ({ ...m, aliases: await store.listAliases(m.name) })));
        out(opts.json, data, () =>
          data.length === 0
            ? 'No models.'
            : table([
                ['NAME', 'VERSIONS', 'ALIASES', 'DESCRIPTION'],
                ...data.map((m) => [
                  m.name,
                  String(m.latestVersion),
                  m.aliases.map((a) => `${a.alias}=${a.version}`).join(' ') || '-',
                  m.description || '-',
                ]),
              ]),
        );
      });
    },
  );

  withCommon(
    models
      .command('show')
      .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
      .description('show a model or one version'),
  )
    .option('--tag <key=value...>', 'only versions with these tags (NAME form)')
    .option('--sort <metric>', 'sort versions by this metric, best (highest) first (NAME form)')
    .option('--data-version <md5>', 'only versions trained on this data version (NAME form)')
    .action(async (ref: string, opts: RegistryCliOptions & { tag?: string[]; sort?: string; dataVersion?: string }) => {
      const r = parseVersionRef(ref);
      await withRegistry(opts, async (reg, store) => {
        const aliases = await store.listAliases(r.model);
        if (r.version !== undefined || r.alias !== undefined) {
          const v = await reg.resolve(r);
          const names = aliases.filter((a) => a.version === v.version).map((a) => a.alias);
          out(opts.json, { ...v, aliases: names }, () => versionDetail(v, names));
          return;
        }
        const model = await store.getModel(r.model);
        if (model === undefined)
          throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${r.model} does not exist`, {
            hint: 'list models with `aquaops models ls`',
          });
        const tags: Record<string, string> = {};
        for (const t of opts.tag ?? []) {
          const eq = t.indexOf('=');
          if (eq <= 0)
            throw new AquaopsError('AQUAOPS_E_USAGE', `--tag "${t}" is not key=value`, {
              hint: 'e.g. --tag stage=prod',
            });
          tags[t.slice(0, eq)] = t.slice(eq + 1);
        }
        const versions = await store.searchVersions({
          model: r.model,
          tags,
          ...(opts.dataVersion === undefined ? {} : { dataVersion: opts.dataVersion }),
          ...(opts.sort === undefined ? {} : { orderBy: { metric: opts.sort, direction: 'desc' as const } }),
        });
        out(opts.json, { model, aliases, versions }, () =>
          [
            `${model.name}: ${model.description || '(no description)'}; created ${model.createdAt}`,
            `aliases: ${aliases.map((a) => `${a.alias}=${a.version}`).join(' ') || '-'}`,
            '',
            versions.length === 0
              ? 'No matching versions.'
              : table([
                  ['VERSION', 'STATUS', 'FAMILY', 'DATA', 'CREATED', 'METRICS'],
                  ...versions.map((v) => [
                    String(v.version),
                    v.status,
                    v.family,
                    v.dataVersion ?? '-',
                    v.createdAt,
                    metricsText(v.metrics),
                  ]),
                ]),
          ].join('\n'),
        );
      });
    });

  actorOpt(
    withCommon(
      models
        .command('promote')
        .argument('<name>', 'model name')
        .argument('<version>', 'version to point the alias at', positiveInt('version'))
        .description('move an alias to a version (compare-and-swap, audited)'),
    ),
  )
    .requiredOption('--alias <alias>', 'alias to move, e.g. champion')
    .requiredOption('--reason <text>', 'why, for the audit trail')
    .option('--expect-version <v>', 'fail unless the alias currently points here ("none" = unset)')
    .action(
      async (
        name: string,
        version: number,
        opts: RegistryCliOptions & { alias: string; reason: string; expectVersion?: string; actor: string },
      ) => {
        let expected: number | null | undefined;
        if (opts.expectVersion !== undefined) {
          if (opts.expectVersion === 'none') expected = null;
          else expected = positiveInt('--expect-version')(opts.expectVersion);
        }
        await withRegistry(opts, async (reg) => {
          const ev = await reg.promote({
            model: name,
            version,
            alias: opts.alias,
            reason: opts.reason,
            actor: opts.actor,
            ...(expected === undefined ? {} : { expectedVersion: expected }),
          });
          out(opts.json, ev, () => `${name}@${opts.alias}: ${fmt(ev.fromVersion)} -> ${ev.toVersion} (${ev.reason})`);
        });
      },
    );

  withCommon(
    models
      .command('tag')
      .argument('<name>', 'model name')
      .argument('<version>', 'version to tag', positiveInt('version'))
      .argument('<tags...>', 'KEY=VALUE to set, KEY= to remove')
      .description('set or remove tags on a version (search with `models show NAME --tag KEY=VALUE`)'),
  ).action(async (name: string, version: number, pairs: string[], opts: RegistryCliOptions) => {
    const tags: Record<string, string | null> = {};
    for (const p of pairs) {
      const eq = p.indexOf('=');
      if (eq <= 0) {
        throw new AquaopsError('AQUAOPS_E_USAGE', `tag "${p}" is not KEY=VALUE`, {
          hint: 'write e.g. `reviewed=yes`, or `reviewed=` to remove the tag',
        });
      }
      const value = p.slice(eq + 1);
      tags[p.slice(0, eq)] = value === '' ? null : value;
    }
    await withRegistry(opts, async (_reg, store) => {
      const v = await store.setTags(name, version, tags);
      out(opts.json, v.tags, () =>
        Object.entries(v.tags)
          .map(([k, x]) => `${k}=${x}`)
          .join('\n'),
      );
    });
  });

  actorOpt(
    withCommon(
      models
        .command('rollback')
        .argument('<name>', 'model name')
        .description('move an alias back to its previous version'),
    ),
  )
    .requiredOption('--alias <alias>', 'alias to roll back')
    .option('--reason <text>', 'why, for the audit trail')
    .action(async (name: string, opts: RegistryCliOptions & { alias: string; reason?: string; actor: string }) => {
      await withRegistry(opts, async (reg) => {
        const ev = await reg.rollback({
          model: name,
          alias: opts.alias,
          actor: opts.actor,
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        });
        out(opts.json, ev, () => `${name}@${opts.alias}: ${fmt(ev.fromVersion)} -> ${ev.toVersion} (rolled back)`);
      });
    });

  withCommon(
    models
      .command('archive')
      .argument('<name>', 'model name')
      .argument('<version>', 'version to archive', positiveInt('version'))
      .description('archive a version (refused while an alias points at it)'),
  ).action(async (name: string, version: number, opts: RegistryCliOptions) => {
    await withRegistry(opts, async (reg) => {
      const v = await reg.archive(name, version);
      out(opts.json, v, () => `${name}@${version} archived`);
    });
  });

  withCommon(
    models
      .command('diff')
      .argument('<name>', 'model name')
      .argument('<v1>', 'first version', positiveInt('v1'))
      .argument('<v2>', 'second version', positiveInt('v2'))
      .description('compare two versions: metrics and changed fields'),
  ).action(async (name: string, v1: number, v2: number, opts: RegistryCliOptions) => {
    await withRegistry(opts, async (reg) => {
      const d = await reg.diff(name, v1, v2);
      out(opts.json, d, () => {
        const m = table([
          ['METRIC', `v${v1}`, `v${v2}`, 'DELTA'],
          ...Object.entries(d.metrics).map(([k, x]) => [
            k,
            fmt(x.a),
            fmt(x.b),
            x.delta === null ? '-' : (x.delta > 0 ? '+' : '') + fmt(x.delta),
          ]),
        ]);
        const c = Object.entries(d.changed);
        return c.length === 0
          ? `${m}\n\nNo other differences.`
          : `${m}\n\n${table([['FIELD', `v${v1}`, `v${v2}`], ...c.map(([k, x]) => [k, fmt(x.a), fmt(x.b)])])}`;
      });
    });
  });

  withCommon(models.command('history').argument('<name>', 'model name').description('alias audit trail, oldest first'))
    .option('--alias <alias>', 'only this alias')
    .action(async (name: string, opts: RegistryCliOptions & { alias?: string }) => {
      await withRegistry(opts, async (_r, store) => {
        const h = await store.aliasHistory(name, opts.alias);
        out(opts.json, h, () =>
          h.length === 0
            ? 'No alias changes.'
            : table([
                ['AT', 'ALIAS', 'FROM', 'TO', 'ACTOR', 'REASON', 'METRICS'],
                ...h.map((e) => [
                  e.at,
                  e.alias,
                  fmt(e.fromVersion),
                  fmt(e.toVersion),
                  e.actor,
                  e.reason,
                  metricsText(e.metrics) || '-',
                ]),
              ]),
        );
      });
    });

  actorOpt(
    withCommon(
      models
        .command('routing')
        .argument('<name>', 'model name')
        .description(
          'show or set the A/B and shadow routing every server applies (stored in the registry; servers pick it up on their next poll)',
        ),
    ),
  )
    .option('--variant <version:weight>', 'an A/B variant, e.g. 3:90 (repeatable)', collectVariant, [])
    .option('--sticky-key <field>', 'request field whose value pins a unit to a variant, e.g. site_id')
    .option('--shadow <version>', 'version scored off the response path', positiveInt('--shadow'))
    .option('--clear', 'remove every variant and the shadow version')
    .option('--reason <text>', 'why, for the audit trail (required when changing)')
    .option('--history', 'print the routing audit trail, oldest first')
    .action(
      async (
        name: string,
        opts: RegistryCliOptions & {
          variant: RoutingVariant[];
          stickyKey?: string;
          shadow?: number;
          clear?: boolean;
          reason?: string;
          history?: boolean;
          actor: string;
        },
      ) => {
        const changing =
          opts.variant.length > 0 || opts.stickyKey !== undefined || opts.shadow !== undefined || opts.clear === true;
        if (changing && opts.history === true) {
          throw new AquaopsError('AQUAOPS_E_USAGE', '--history only reads; it cannot be combined with a change', {
            hint: 'run the change and the history as two commands',
          });
        }
        if (
          opts.clear === true &&
          (opts.variant.length > 0 || opts.shadow !== undefined || opts.stickyKey !== undefined)
        ) {
          throw new AquaopsError(
            'AQUAOPS_E_USAGE',
            '--clear cannot be combined with --variant, --shadow or --sticky-key',
            {
              hint: 'use --clear alone to remove the routing, or give the new table without it',
            },
          );
        }
        if (changing && (opts.reason === undefined || opts.reason.trim() === '')) {
          throw new AquaopsError('AQUAOPS_E_USAGE', 'changing the routing needs --reason', {
            hint: 'say why, e.g. --reason "A/B test of v4 at 10 %"',
          });
        }
        await withRegistry(opts, async (reg, store) => {
          if (opts.history === true) {
            const h = await store.routingHistory(name);
            out(opts.json, h, () =>
              h.length === 0
                ? 'No routing changes.'
                : table([
                    ['AT', 'FROM', 'TO', 'ACTOR', 'REASON'],
                    ...h.map((e) => [e.at, routingText(e.from), routingText(e.to), e.actor, e.reason]),
                  ]),
            );
            return;
          }
          if (!changing) {
            const r = await store.getRouting(name);
            out(opts.json, r ?? { model: name, config: { variants: [] } }, () =>
              r === undefined
                ? `${name}: no routing set (everything goes to the served alias)`
                : `${name}: ${routingText(r.config)} (set ${r.updatedAt} by ${r.actor}: ${r.reason})`,
            );
            return;
          }
          const config = {
            variants: opts.variant,
            ...(opts.stickyKey === undefined ? {} : { stickyKey: opts.stickyKey }),
            ...(opts.shadow === undefined ? {} : { shadowVersion: opts.shadow }),
          };
          if (config.variants.length > 0 && config.variants.every((v) => v.weight === 0)) {
            throw new AquaopsError('AQUAOPS_E_USAGE', 'every variant weight is 0', {
              hint: 'give at least one variant a positive weight, or use --clear',
            });
          }
          const ev = await reg.setRouting({
            model: name,
            config,
            actor: opts.actor,
            reason: (opts.reason ?? '').trim(),
            at: new Date().toISOString(),
          });
          out(opts.json, ev, () => `${name}: ${routingText(ev.from)} -> ${routingText(ev.to)} (${ev.reason})`);
        });
      },
    );

  withCommon(models.command('gc').description('delete artifact blobs no version references'))
    .option(
      '--grace-ms <ms>',
      'spare blobs younger than this (in-flight registrations)',
      positiveInt('--grace-ms'),
      3_600_000,
    )
    .option('--dry-run', 'only list what would be deleted')
    .action(async (opts: RegistryCliOptions & { graceMs: number; dryRun?: boolean }) => {
      await withRegistry(opts, async (reg) => {
        const r = await reg.gc({ graceMs: opts.graceMs, dryRun: opts.dryRun === true });
        out(
          opts.json,
          r,
          () =>
            `${opts.dryRun === true ? 'would remove' : 'removed'} ${r.removed.length} blob(s), kept ${r.kept}, removed ${r.tempsRemoved} temp file(s)`,
        );
      });
    });
}
