/**
 * `aquaops train` as a person runs it: Ctrl-C (SIGINT) during the search stops cleanly, keeps
 * the finished trials in an `interrupted` run, registers nothing and exits 130, so a script or
 * a pipeline never mistakes it for success.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = resolve(process.cwd(), 'apps/cli/bin/aquaops.mjs');
let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function run(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
      // Interrupt once the search has finished at least one trial.
      if (/trial [1-9]\d*\//.test(err) && child.exitCode === null && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (code) => res({ code, out, err }));
  });
}

/** Runs the CLI to completion and returns its stdout (stderr ignored). */
function stdoutOf(args: string[], cwd: string): Promise<string> {
  return new Promise((res) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let o = '';
    c.stdout.on('data', (d) => {
      o += String(d);
    });
    c.on('exit', () => res(o));
  });
}

describe('aquaops train, interrupted', () => {
  it('SIGINT keeps finished trials, registers nothing and exits 130', async () => {
    dir = await mkdtemp(join(tmpdir(), 'aquaops-train-int-'));
    const r = await run(
      ['train', '--families', 'gbm,random-forest,extra-trees', '--trials', '8', '--folds', '5', '--threads', '1'],
      dir,
    );
    expect(r.code).toBe(130);
    expect(r.out).toMatch(/interrupted: finished trials kept, nothing registered/);
    const runs = await stdoutOf(['runs', 'ls', '--json'], dir);
    expect(runs).toContain('"interrupted"');
    const models = await stdoutOf(['models', 'ls', '--json'], dir);
    expect(JSON.parse(models)).toEqual([]);
  }, 90_000);
});
