import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPaths } from './lib/dataset.js';

const entry = path.resolve(process.cwd(), 'bench/ml.bench.ts');
const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', entry, ...args], { encoding: 'utf8', timeout: 120_000 });
const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'bench-ml-'));
const resultJson = (dir: string): Record<string, unknown> => {
  const f = readdirSync(dir).find((n) => n.startsWith('ml-') && n.endsWith('.json'));
  if (f === undefined) throw new Error(`no result JSON in ${dir}`);
  return JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
};

describe('npm run bench:ml (entry)', () => {
  it('refuses an unknown flag with the usage text', () => {
    const r = run(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Unknown flag "--bogus"');
    expect(r.stderr).toContain('--quality-only');
  });

  it('refuses a dataset whose sha256 is not the published one', () => {
    const shared = tmp();
    mkdirSync(path.join(shared, 'data'));
    const header =
      'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability';
    writeFileSync(path.join(shared, 'data/water_potability.csv'), `${header}\r\n7,1,2,3,4,5,6,7,8,1\r\n`);
    writeFileSync(path.join(shared, 'data/folds.json'), '{}');
    const r = run(['--quality-only', '--shared', shared, '--out', tmp()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/REFUSED .*sha256 [0-9a-f]{64} differs from the expected 904004bd/);
  });

  it('skips the quality part visibly when the shared data is absent', () => {
    const out = tmp();
    const r = run(['--quality-only', '--shared', path.join(tmp(), 'nowhere'), '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SKIPPED');
    expect((resultJson(out).quality as { status: string }).status).toBe('skipped');
  });

  const shared = sharedPaths();
  const haveShared = existsSync(shared.csv) && existsSync(shared.folds);
  if (!haveShared) console.warn(`ml.bench.int.test: ${shared.root} is absent; skipping the real-data run`);

  it.skipIf(!haveShared)('runs folds on the worker pool and writes the summary JSON', () => {
    const out = tmp();
    const r = run([
      '--quality-only',
      '--families',
      'gaussian-nb',
      '--folds',
      '2',
      '--trials',
      '2',
      '--workers',
      '2',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toContain('FAILED');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/gaussian-nb tuned\s+2 /);
    expect(r.stdout).toContain('best aquaops model mean ROC-AUC');
    expect(r.stdout).toContain('machine load during quality');
    const q = resultJson(out).quality as {
      summaries: { variantId: string; folds: number; rocAuc: { mean: number } }[];
    };
    const nb = q.summaries.find((s) => s.variantId === 'gaussian-nb');
    expect(nb?.folds).toBe(2);
    // Naive Bayes sits between chance and the best models on this data (published: 0.5–0.7).
    expect(nb?.rocAuc.mean).toBeGreaterThan(0.5);
    expect(nb?.rocAuc.mean).toBeLessThan(0.75);
  });
});
