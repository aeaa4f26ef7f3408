/** `aquaops data validate` / `data sample` through main() with a capturing Io. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import type { Io } from '../output.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

const dir = mkdtempSync(path.join(tmpdir(), 'aquaops-cli-data-'));
const HEADER =
  'ph,Hardness,Solids,Chloramines,Sulfate,Conductivity,Organic_carbon,Trihalomethanes,Turbidity,Potability';

describe('aquaops data sample', () => {
  it('writes a deterministic labelled-synthetic CSV with a sidecar', async () => {
    const f = path.join(dir, 's.csv');
    const io = capture();
    expect(await main(['data', 'sample', '--rows', '400', '--seed', '9', '--out', f], io)).toBe(0);
    expect(io.stderr).toContain('wrote 400 synthetic rows');
    const text = readFileSync(f, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# synthetic/);
    expect(text.split('\n')[1]).toBe(HEADER);
    expect(existsSync(`${f}.meta.json`)).toBe(true);
    const io2 = capture();
    expect(await main(['data', 'sample', '--rows', '400', '--seed', '9'], io2)).toBe(0);
    expect(io2.stdout).toBe(text);
  });

  it('rejects bad arguments with exit 2', async () => {
    const io = capture();
    expect(await main(['data', 'sample', '--rows', 'ten', '--seed', '1'], io)).toBe(2);
    expect(io.stderr).toContain('--rows must be an integer >= 1');
    expect(await main(['data', 'sample', '--rows', '5'], capture())).toBe(2);
  });
});

describe('aquaops data validate', () => {
  const good = path.join(dir, 'good.csv');
  const sampleRows = async (): Promise<void> => {
    if (!existsSync(good)) await main(['data', 'sample', '--rows', '500', '--seed', '1', '--out', good], capture());
  };

  it('passes a good file (exit 0), prints a table and writes JSON + Markdown reports', async () => {
    await sampleRows();
    const io = capture();
    const out = path.join(dir, 'r.json');
    const md = path.join(dir, 'r.md');
    expect(await main(['data', 'validate', good, '--out', out, '--md', md], io)).toBe(0);
    expect(io.stdout).toContain('status: PASS');
    expect(io.stdout).toContain('rows: 500 read, 500 accepted, 0 rejected');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ status: 'pass', rows: { accepted: 500 } });
    expect(readFileSync(md, 'utf8')).toContain('## Rules');
  });

  it('--format json and markdown', async () => {
    await sampleRows();
    const io = capture();
    expect(await main(['data', 'validate', good, '--format', 'json'], io)).toBe(0);
    expect(JSON.parse(io.stdout).schema.name).toBe('water-potability');
    const io2 = capture();
    expect(await main(['data', 'validate', good, '--format', 'markdown'], io2)).toBe(0);
    expect(io2.stdout).toContain('# Data quality:');
    expect(await main(['data', 'validate', good, '--format', 'xml'], capture())).toBe(2);
  });

  it('exits 1 on failed rules and still writes the report', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, `${HEADER}\n7,200,20000,7,330,420,14,66,3.9,0\n7,200,20000,7,330,420,14,66,3.9,2\n`);
    const out = path.join(dir, 'bad.json');
    const io = capture();
    expect(await main(['data', 'validate', bad, '--out', out, '--max-examples', '1'], io)).toBe(1);
    expect(io.stderr).toContain('AQUAOPS_E_DATA_QUALITY_FAILED');
    expect(io.stderr).toContain('label-binary');
    const rep = JSON.parse(readFileSync(out, 'utf8'));
    expect(rep.status).toBe('fail');
    expect(rep.examples['label-value'][0].line).toBe(3);
  });

  it('exits 1 with a one-line error for a header mismatch, naming the fix', async () => {
    const f = path.join(dir, 'hdr.csv');
    writeFileSync(f, `${HEADER.replace('Sulfate', 'Sulphate')}\n7,200,20000,7,330,420,14,66,3.9,0\n`);
    const io = capture();
    expect(await main(['data', 'validate', f], io)).toBe(1);
    expect(io.stderr).toMatch(/^error AQUAOPS_E_DATA_HEADER: .*did you mean "Sulphate"\?.* Fix: /);
  });

  it('--test checks leakage between splits', async () => {
    await sampleRows();
    const test = path.join(dir, 'test.csv');
    const lines = readFileSync(good, 'utf8').split('\n');
    writeFileSync(test, [HEADER, ...lines.slice(2, 12)].join('\n'));
    const io = capture();
    expect(await main(['data', 'validate', good, '--test', test, '--format', 'json'], io)).toBe(1);
    const rep = JSON.parse(io.stdout);
    expect(rep.test.leakage.rows).toBe(10);
    expect(rep.test.rules.find((r: { id: string }) => r.id === 'train-test-leakage').level).toBe('fail');
  });

  it('uses a schema file and --strict', async () => {
    const schema = path.join(dir, 'schema.yaml');
    writeFileSync(
      schema,
      'name: mini\nversion: 1\ncolumns:\n  - { name: a, type: number }\n  - { name: y, type: integer, role: label, positive: 1 }\n',
    );
    const f = path.join(dir, 'mini.csv');
    writeFileSync(f, `a,y,extra\n${Array.from({ length: 30 }, (_, i) => `${i},${i % 2},x`).join('\n')}\n`);
    const io = capture();
    expect(await main(['data', 'validate', f, '--schema', schema], io)).toBe(0);
    expect(io.stdout).toContain('ignored columns: extra');
    const io2 = capture();
    expect(await main(['data', 'validate', f, '--schema', schema, '--strict'], io2)).toBe(1);
    expect(io2.stderr).toContain('strict mode');
  });

  it('--thresholds turns a warn into a fail; a bad thresholds file is a usage error', async () => {
    await sampleRows();
    const t = path.join(dir, 't.yaml');
    writeFileSync(t, 'minRows: { fail: 1000 }\n');
    const io = capture();
    expect(await main(['data', 'validate', good, '--thresholds', t], io)).toBe(1);
    expect(io.stderr).toContain('min-rows: 500 accepted rows');
    writeFileSync(t, 'minRow: { fail: 1000 }\n');
    const io2 = capture();
    expect(await main(['data', 'validate', good, '--thresholds', t], io2)).toBe(2);
    expect(io2.stderr).toContain('AQUAOPS_E_USAGE');
  });

  it('--help describes the command', async () => {
    const io = capture();
    expect(await main(['data', 'validate', '--help'], io)).toBe(0);
    expect(io.stdout).toContain('--schema <schema>');
    expect(io.stdout).toContain('--max-examples <n>');
  });
});
