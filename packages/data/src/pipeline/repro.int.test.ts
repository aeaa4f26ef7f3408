import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DvcRepo } from '../dvc/repo.js';
import { metricsDiff, metricsShow, paramsDiff } from './metrics.js';
import { repro } from './repro.js';
import type { ReproEvent } from './repro.js';

// step.cjs IN OUT [SUFFIX]: logs OUT to runs.log, writes upper-cased IN (+ SUFFIX) to OUT (and metrics for out.txt).
const STEP = `const fs = require('fs');
const [, , input, output, suffix = ''] = process.argv;
fs.appendFileSync('runs.log', output + '\\n');
fs.writeFileSync(output, fs.readFileSync(input, 'utf8').toUpperCase() + suffix);
if (output === 'out.txt') fs.writeFileSync('metrics.json', JSON.stringify({ auc: 0.7, n: { rows: 3 } }));
`;

const PIPELINE = `stages:
  prepare:
    cmd: node step.cjs in.txt mid.txt
    deps:
    - in.txt
    - step.cjs
    params:
    - prepare.seed
    outs:
    - mid.txt
  report:
    cmd: node step.cjs mid.txt out.txt
    deps:
    - mid.txt
    outs:
    - out.txt
    metrics:
    - metrics.json:
        cache: false
`;

async function project(dvcYaml = PIPELINE): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'aq-repro-'));
  await DvcRepo.init(root);
  await writeFile(path.join(root, 'step.cjs'), STEP);
  await writeFile(path.join(root, 'in.txt'), 'abc\n');
  await writeFile(path.join(root, 'params.yaml'), 'prepare:\n  seed: 1\n  unused: x\n');
  await writeFile(path.join(root, 'dvc.yaml'), dvcYaml);
  return root;
}

async function runs(root: string): Promise<string[]> {
  const log = path.join(root, 'runs.log');
  if (!existsSync(log)) return [];
  const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  await rm(log);
  return lines;
}

describe('repro', () => {
  it('runs stages in order, writes a DVC-shaped dvc.lock, then skips everything', async () => {
    const root = await project();
    const events: ReproEvent[] = [];
    const r = await repro({ cwd: root, onEvent: (e) => events.push(e) });
    expect(r.failed).toBeUndefined();
    expect(r.stages.map((s) => [s.stage, s.status])).toEqual([
      ['prepare', 'ran'],
      ['report', 'ran'],
    ]);
    expect(await runs(root)).toEqual(['mid.txt', 'out.txt']);
    expect(await readFile(path.join(root, 'out.txt'), 'utf8')).toBe('ABC\n');
    const lock = await readFile(path.join(root, 'dvc.lock'), 'utf8');
    const inMd5 = execFileSync('md5sum', [path.join(root, 'in.txt')])
      .toString()
      .slice(0, 32);
    expect(lock).toContain(
      `schema: '2.0'\nstages:\n  prepare:\n    cmd: node step.cjs in.txt mid.txt\n    deps:\n    - path: in.txt\n      hash: md5\n      md5: ${inMd5}\n      size: 4\n`,
    );
    expect(lock).toContain(
      '    params:\n      params.yaml:\n        prepare.seed: 1\n    outs:\n    - path: mid.txt\n      hash: md5\n',
    );
    expect(lock).toMatch(
      / {4}outs:\n {4}- path: metrics.json\n {6}hash: md5\n {6}md5: [0-9a-f]{32}\n {6}size: \d+\n {4}- path: out.txt\n/,
    );
    expect(await readFile(path.join(root, '.gitignore'), 'utf8')).toBe('/mid.txt\n/out.txt\n');
    expect(events.some((e) => e.type === 'output')).toBe(false);

    const again = await repro({ cwd: root });
    expect(again.stages.map((s) => s.status)).toEqual(['skipped', 'skipped']);
    expect(await runs(root)).toEqual([]);
  });

  it('reruns on a param change but stops the cascade when the output is byte-identical', async () => {
    const root = await project();
    await repro({ cwd: root });
    await runs(root);
    await writeFile(path.join(root, 'params.yaml'), 'prepare:\n  seed: 2\n  unused: y\n');
    const r = await repro({ cwd: root });
    expect(r.stages.map((s) => [s.stage, s.status])).toEqual([
      ['prepare', 'ran'],
      ['report', 'skipped'],
    ]);
    expect(r.stages[0]?.reasons).toEqual(['param prepare.seed changed']);
    expect(await runs(root)).toEqual(['mid.txt']);

    await writeFile(path.join(root, 'in.txt'), 'xyz\n');
    const r2 = await repro({ cwd: root });
    expect(r2.stages.map((s) => s.status)).toEqual(['ran', 'ran']);
    expect(await readFile(path.join(root, 'out.txt'), 'utf8')).toBe('XYZ\n');
  });

  it('restores a deleted cached output from the cache instead of running; --force runs all', async () => {
    const root = await project();
    await repro({ cwd: root });
    await runs(root);
    await rm(path.join(root, 'mid.txt'));
    const r = await repro({ cwd: root });
    expect(r.stages.map((s) => s.status)).toEqual(['restored', 'skipped']);
    expect(await runs(root)).toEqual([]);
    expect(await readFile(path.join(root, 'mid.txt'), 'utf8')).toBe('ABC\n');
    const f = await repro({ cwd: root, force: true, target: 'prepare' });
    expect(f.stages.map((s) => [s.stage, s.status])).toEqual([['prepare', 'ran']]);
  });

  it('--dry reports what would run without running it', async () => {
    const root = await project();
    const r = await repro({ cwd: root, dry: true });
    expect(r.stages.map((s) => s.status)).toEqual(['would-run', 'would-run']);
    expect(await runs(root)).toEqual([]);
    expect(existsSync(path.join(root, 'dvc.lock'))).toBe(false);
  });

  it('stops at a failing stage with its exit code and output, keeping earlier lock entries', async () => {
    const root = await project(
      PIPELINE.replace('node step.cjs mid.txt out.txt', 'node -e "console.error(\'boom here\'); process.exit(3)"'),
    );
    const r = await repro({ cwd: root });
    expect(r.failed).toMatchObject({ stage: 'report', exitCode: 3 });
    expect(r.failed?.output).toContain('boom here');
    const lock = await readFile(path.join(root, 'dvc.lock'), 'utf8');
    expect(lock).toContain('prepare:');
    expect(lock).not.toContain('report:');
  });

  it('rejects cycles, missing deps, unknown params, unknown stages and malformed dvc.yaml', async () => {
    const cyc = await project(
      'stages:\n  a:\n    cmd: x\n    deps: [b.txt]\n    outs: [a.txt]\n  b:\n    cmd: y\n    deps: [a.txt]\n    outs: [b.txt]\n',
    );
    await expect(repro({ cwd: cyc })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_PIPELINE_CYCLE',
      message: expect.stringContaining('a -> b -> a'),
    });
    const missing = await project('stages:\n  a:\n    cmd: x\n    deps: [nope.csv]\n');
    await expect(repro({ cwd: missing })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_PATH_MISSING',
      message: expect.stringContaining('nope.csv'),
    });
    const param = await project('stages:\n  a:\n    cmd: x\n    params: [prepare.sede]\n');
    await expect(repro({ cwd: param })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_PARAM_MISSING',
      message: expect.stringContaining('prepare.sede'),
    });
    await expect(repro({ cwd: param, target: 'zzz' })).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_STAGE_UNKNOWN' });
    const typo = await project('stages:\n  a:\n    cmd: x\n    dep: [in.txt]\n');
    await expect(repro({ cwd: typo })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_FILE_INVALID',
      message: expect.stringContaining('stages.a.dep'),
    });
    const yamlErr = await project('stages:\n  a:\n cmd: [\n');
    await expect(repro({ cwd: yamlErr })).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_FILE_INVALID' });
    const nocmd = await project('stages:\n  a:\n    deps: [in.txt]\n');
    await expect(repro({ cwd: nocmd })).rejects.toMatchObject({ message: expect.stringContaining('stages.a.cmd') });
  });
});

describe('params templating', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: DVC's literal ${...} template syntax
  it('substitutes ${key} from params.yaml in cmd and paths; the lock holds the resolved values', async () => {
    const root = await project(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: DVC's literal ${...} template syntax
      'stages:\n  p:\n    cmd: node step.cjs ${io.src} ${io.dst} !\n    deps:\n    - ${io.src}\n    outs:\n    - ${io.dst}\n',
    );
    await writeFile(path.join(root, 'params.yaml'), 'io:\n  src: in.txt\n  dst: res.txt\n');
    await repro({ cwd: root });
    expect(await readFile(path.join(root, 'res.txt'), 'utf8')).toBe('ABC\n!');
    expect(await readFile(path.join(root, 'dvc.lock'), 'utf8')).toContain('cmd: node step.cjs in.txt res.txt !\n');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: DVC's literal ${...} template syntax
    await writeFile(path.join(root, 'dvc.yaml'), 'stages:\n  p:\n    cmd: echo ${io.nope}\n');
    await expect(repro({ cwd: root })).rejects.toMatchObject({
      code: 'AQUAOPS_E_DVC_PARAM_MISSING',
      message: expect.stringContaining('io.nope'),
    });
  });
});

describe('metrics and params', () => {
  it('shows metrics and diffs metrics/params against a git revision in DVC shape', async () => {
    const root = await project();
    await repro({ cwd: root });
    expect(await metricsShow(root)).toEqual({ 'metrics.json': { auc: 0.7, 'n.rows': 3 } });
    const git = (...args: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root, stdio: 'ignore' });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    await writeFile(path.join(root, 'metrics.json'), JSON.stringify({ auc: 0.75, n: { rows: 3 }, extra: 'a' }));
    await writeFile(path.join(root, 'params.yaml'), 'prepare:\n  seed: 5\n  unused: x\n');
    const md = await metricsDiff(root, 'HEAD');
    expect(Object.keys(md)).toEqual(['metrics.json']);
    expect(md['metrics.json']?.auc?.old).toBe(0.7);
    expect(md['metrics.json']?.auc?.new).toBe(0.75);
    expect(md['metrics.json']?.auc?.diff).toBeCloseTo(0.05, 12);
    expect(md['metrics.json']?.extra).toEqual({ old: null, new: 'a' });
    expect(md['metrics.json']?.['n.rows']).toBeUndefined();
    expect(await paramsDiff(root, 'HEAD')).toEqual({ 'params.yaml': { 'prepare.seed': { old: 1, new: 5 } } });
    await expect(metricsDiff(root, 'no-such-rev')).rejects.toMatchObject({ code: 'AQUAOPS_E_DVC_GIT' });
  });
});
