import { describe, expect, it } from 'vitest';
import { parsePipeline } from './dvcyaml.js';
import { formatLock, parseLock } from './lock.js';
import { buildGraph } from './repro.js';

const parse = (text: string, vars: Record<string, unknown> = {}) => parsePipeline(text, 'dvc.yaml', '/r', vars);

describe('dvc.yaml parsing', () => {
  it('reads deps, params (keys, file lists, whole files), outs with flags, metrics and plots', () => {
    const p = parse(`stages:
  train:
    cmd: [node a.js, node b.js]
    wdir: src
    deps: [data.csv]
    params:
    - lr
    - other.yaml: [x.y]
    - all.json:
    outs:
    - model.bin
    - tmp: {cache: false, persist: true}
    metrics:
    - m.json: {cache: false}
    plots:
    - roc.csv
`);
    const s = p.stages.get('train')!;
    expect(s.cmd).toEqual(['node a.js', 'node b.js']);
    expect(s.wdir).toBe('src');
    expect(s.params).toEqual([
      { file: 'params.yaml', keys: ['lr'] },
      { file: 'other.yaml', keys: ['x.y'] },
      { file: 'all.json', keys: null },
    ]);
    expect(s.outs.map((o) => [o.path, o.kind, o.cache, o.persist])).toEqual([
      ['model.bin', 'outs', true, false],
      ['tmp', 'outs', false, true],
      ['m.json', 'metrics', false, false],
      ['roc.csv', 'plots', true, false],
    ]);
  });

  it('names the file, stage and key of each error', () => {
    expect(() => parse('stages:\n  a:\n    cmd: x\n    outs: [{p: {cash: false}}]\n')).toThrow(
      /stages\.a\.outs\[0\]\.p: unknown option "cash"/,
    );
    expect(() => parse('stages:\n  a:\n    cmd: ""\n')).toThrow(/stages\.a\.cmd: missing or empty command/);
    expect(() => parse('stages:\n  a:\n    cmd: x\n    wdir: ../up\n')).toThrow(/leaves the repository/);
    expect(() => parse('stage:\n  a: {}\n')).toThrow(/unknown top-level key "stage"/);
    expect(() => parse('- a\n')).toThrow(/expected a mapping/);
  });

  it('rejects overlapping outputs and self-dependencies', () => {
    const dup = parse('stages:\n  a:\n    cmd: x\n    outs: [d]\n  b:\n    cmd: y\n    outs: [d/f]\n');
    expect(() => buildGraph(dup)).toThrow(/overlaps/);
    const self = parse('stages:\n  a:\n    cmd: x\n    deps: [o]\n    outs: [o]\n');
    expect(() => buildGraph(self)).toThrow(expect.objectContaining({ code: 'AQUAOPS_E_DVC_PIPELINE_CYCLE' }));
    const wd = parse('stages:\n  a:\n    cmd: x\n    wdir: sub\n    outs: [o]\n  b:\n    cmd: y\n    deps: [sub/o]\n');
    expect(buildGraph(wd).order).toEqual(['a', 'b']);
  });
});

describe('dvc.lock', () => {
  it('round-trips and sorts deps/outs by path and params by key, in DVC key order', () => {
    const lock = new Map([
      [
        's',
        {
          cmd: 'run',
          deps: [
            { path: 'z.csv', hash: { md5: 'a'.repeat(32), size: 3 } },
            { path: 'a.csv', hash: { md5: 'b'.repeat(32), size: 4 } },
          ],
          params: { 'params.yaml': { 'b.k': 2, 'a.k': 'x' } },
          outs: [{ path: 'dir', hash: { md5: `${'c'.repeat(32)}.dir`, size: 10, nfiles: 2 } }],
        },
      ],
    ]);
    const text = formatLock(lock, ['s']);
    expect(text).toBe(
      `schema: '2.0'\nstages:\n  s:\n    cmd: run\n    deps:\n    - path: a.csv\n      hash: md5\n      md5: ${'b'.repeat(32)}\n      size: 4\n    - path: z.csv\n      hash: md5\n      md5: ${'a'.repeat(32)}\n      size: 3\n    params:\n      params.yaml:\n        a.k: x\n        b.k: 2\n    outs:\n    - path: dir\n      hash: md5\n      md5: ${'c'.repeat(32)}.dir\n      size: 10\n      nfiles: 2\n`,
    );
    const back = parseLock(text, 'dvc.lock').get('s')!;
    expect(back.deps.map((d) => d.path)).toEqual(['a.csv', 'z.csv']);
    expect(back.outs[0]?.hash).toEqual({ md5: `${'c'.repeat(32)}.dir`, size: 10, nfiles: 2 });
    expect(() => parseLock("schema: '1.0'\n", 'dvc.lock')).toThrow(/schema/);
  });
});
