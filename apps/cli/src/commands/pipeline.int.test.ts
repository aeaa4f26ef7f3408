/**
 * The project's own dvc.yaml end to end: on a fresh copy, `aquaops repro` goes from generated
 * sample data to a registered champion, and a second `repro` runs nothing. The train budget is
 * cut down in the copy's params.yaml so the test stays short; the stages and commands are the
 * shipped ones.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../../..');
const bin = join(repo, 'node_modules', '.bin', 'aquaops');
let dir = '';

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('project pipeline (dvc.yaml)', () => {
  it('goes from sample data to a registered champion; a second repro does nothing', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aquaops-pipeline-'));
    await cp(join(repo, 'dvc.yaml'), join(dir, 'dvc.yaml'));
    await cp(join(repo, '.dvc'), join(dir, '.dvc'), { recursive: true });
    const params = (await readFile(join(repo, 'params.yaml'), 'utf8'))
      .replace(/^ {2}trials: \d+$/m, '  trials: 2\n  families: [gbm, gaussian-nb]')
      .replace(/^ {2}folds: \d+$/m, '  folds: 3')
      .replace(/^ {2}rows: \d+$/m, '  rows: 800');
    await writeFile(join(dir, 'params.yaml'), params);
    // Stage commands call `npx aquaops`, which resolves through node_modules.
    await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const first = await run(bin, ['repro'], { cwd: dir, timeout: 150_000 });
    expect(first.stdout).toMatch(/6 stage\(s\) ran/);
    const registered = JSON.parse(await readFile(join(dir, 'metrics', 'registered.json'), 'utf8')) as {
      alias: string;
      version: number;
    };
    expect(registered).toMatchObject({ alias: 'champion', version: 1 });
    const metrics = JSON.parse(await readFile(join(dir, 'metrics', 'evaluate.json'), 'utf8')) as Record<string, number>;
    expect(metrics.roc_auc).toBeGreaterThan(0.5);
    const lock = await readFile(join(dir, 'dvc.lock'), 'utf8');
    expect(lock.startsWith("schema: '2.0'\n")).toBe(true);
    for (const stage of ['sample', 'validate', 'split', 'train', 'evaluate', 'register'])
      expect(lock).toContain(`\n  ${stage}:\n`);

    const second = await run(bin, ['repro'], { cwd: dir, timeout: 60_000 });
    expect(second.stdout).toMatch(/0 stage\(s\) ran/);
    const models = await run(bin, ['models', 'ls', '--json'], { cwd: dir, timeout: 30_000 });
    expect(models.stdout).toContain('"champion"');
  }, 240_000);
});
