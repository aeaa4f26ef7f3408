import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { Io } from '../output.js';

let out: string[] = [];
let err: string[] = [];
const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
const startDir = process.cwd();
let root = '';

async function run(...argv: string[]): Promise<number> {
  out = [];
  err = [];
  const code = await main(argv, io);
  process.exitCode = undefined;
  return code;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aq-cli-dvc-'));
  process.chdir(root);
  expect(await run('data', 'init')).toBe(0);
});
afterEach(() => {
  process.chdir(startDir);
});

describe('aquaops data add/status/checkout/push/pull/gc', () => {
  it('versions a file end to end through the CLI', async () => {
    await writeFile('w.csv', 'ph,Potability\r\n7.1,1\r\n');
    expect(await run('data', 'add', 'w.csv')).toBe(0);
    expect(out.join('\n')).toContain('md5 184bbdd79377f3b7b93402a1c8f31c66');
    expect(await readFile('w.csv.dvc', 'utf8')).toContain('path: w.csv');

    expect(await run('data', 'status')).toBe(0);
    expect(out.join('\n')).toContain('up to date');
    await writeFile('w.csv', 'changed');
    expect(await run('data', 'status', '--json')).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ 'w.csv': ['modified'] });

    expect(await run('data', 'checkout')).toBe(1);
    expect(err.join('')).toMatch(/^error AQUAOPS_E_DVC_UNSAVED_CHANGES: .*--force/);
    expect(await run('data', 'checkout', '--force')).toBe(0);
    expect(await readFile('w.csv', 'utf8')).toBe('ph,Potability\r\n7.1,1\r\n');

    const remote = await mkdtemp(path.join(tmpdir(), 'aq-cli-remote-'));
    expect(await run('data', 'remote', 'add', '-d', 'local', remote)).toBe(0);
    expect(await readFile('.dvc/config', 'utf8')).toBe(
      `[core]\n    remote = local\n['remote "local"']\n    url = ${remote}\n`,
    );
    expect(await run('data', 'push')).toBe(0);
    expect(out.join('')).toContain('1 file(s) pushed');
    await rm('.dvc/cache', { recursive: true });
    await rm('w.csv');
    expect(await run('data', 'pull')).toBe(0);
    expect(await readFile('w.csv', 'utf8')).toBe('ph,Potability\r\n7.1,1\r\n');

    expect(await run('data', 'gc')).toBe(2);
    expect(err.join('')).toContain('--workspace');
    expect(await run('data', 'gc', '--workspace')).toBe(0);
    expect(out.join('')).toContain('Removed 0 object(s)');
  });

  it('reports a missing path and no repository as one-line errors', async () => {
    expect(await run('data', 'add', 'missing.csv')).toBe(1);
    expect(err.join('')).toMatch(/^error AQUAOPS_E_DVC_PATH_MISSING: missing\.csv does not exist/);
    process.chdir(tmpdir());
    expect(await run('data', 'status')).toBe(1);
    expect(err.join('')).toContain('AQUAOPS_E_DVC_NO_REPO');
  });
});

describe('aquaops data split', () => {
  it('splits a CSV and validates its arguments', async () => {
    let csv = 'a,label\n';
    for (let i = 0; i < 50; i++) csv += `${i},${i % 2}\n`;
    await writeFile('d.csv', csv);
    const args = ['data', 'split', 'd.csv', '--test-fraction', '0.2', '--seed', '7', '--stratify-by', 'label'];
    expect(await run(...args, '--out-train', 'tr.csv', '--out-test', 'te.csv')).toBe(0);
    expect(out.join('')).toContain('40 train');
    const te = (await readFile('te.csv', 'utf8')).trim().split('\n');
    expect(te).toHaveLength(11);
    expect(te.filter((l) => l.endsWith(',1'))).toHaveLength(5);
    expect(
      await run('data', 'split', 'd.csv', '--test-fraction', '2', '--seed', '1', '--out-train', 'a', '--out-test', 'b'),
    ).toBe(2);
    expect(await run(...args.slice(0, -1), 'nope', '--out-train', 'a', '--out-test', 'b')).toBe(1);
    expect(err.join('')).toContain('AQUAOPS_E_DVC_CSV_INVALID');
  });
});

describe('aquaops repro / metrics / params', () => {
  const yaml = `stages:
  make:
    cmd: node -e "require('fs').writeFileSync('m.json', JSON.stringify({acc:0.5}))"
    params:
    - lr
    metrics:
    - m.json:
        cache: false
  fail:
    cmd: node -e "console.log('partial'); process.exit(4)"
    deps:
    - m.json
`;

  it('runs, skips, fails with the stage exit code, and shows/diffs metrics and params', async () => {
    await writeFile('params.yaml', 'lr: 0.1\n');
    await writeFile('dvc.yaml', yaml);
    const first = await run('repro', 'make');
    expect(err.join('')).toBe('');
    expect(first).toBe(0);
    expect(out.join('\n')).toContain("Running stage 'make'");
    expect(await run('repro', 'make')).toBe(0);
    expect(out.join('\n')).toContain("Stage 'make' didn't change, skipping");
    expect(await run('repro', '--dry')).toBe(0);
    expect(out.join('\n')).toContain("Would run stage 'fail'");

    expect(await run('repro')).toBe(4);
    expect(out.join('\n')).toContain('partial');
    expect(err.join('')).toContain("stage 'fail' failed with exit code 4");
    expect(await readFile('dvc.lock', 'utf8')).not.toContain('fail:');

    expect(await run('metrics', 'show', '--json')).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ 'm.json': { acc: 0.5 } });

    const git = (...a: string[]): void => {
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { stdio: 'ignore' });
    };
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    await writeFile('params.yaml', 'lr: 0.2\n');
    await writeFile('m.json', JSON.stringify({ acc: 0.75 }));
    expect(await run('params', 'diff', '--json')).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ 'params.yaml': { lr: { old: 0.1, new: 0.2 } } });
    expect(await run('metrics', 'diff', 'HEAD', '--json')).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual({ 'm.json': { acc: { old: 0.5, new: 0.75, diff: 0.25 } } });
    expect(await run('metrics', 'diff')).toBe(0);
    expect(out.join('\n')).toMatch(/Path\s+Metric\s+HEAD\s+workspace\s+Change\nm\.json\s+acc\s+0\.5\s+0\.75\s+0\.25/);
    expect(existsSync('.dvc/cache')).toBe(false);
    expect(await run('repro', 'nope')).toBe(1);
    expect(err.join('')).toContain('AQUAOPS_E_DVC_STAGE_UNKNOWN');
  });
});
