import { describe, expect, it } from 'vitest';
import { describeLoad, type LoadSnapshot, loadBetween, parseProcStat, snapshotLoad, withLoad } from './load.js';

describe('parseProcStat', () => {
  it('sums the first eight fields and treats idle + iowait as not busy', () => {
    const text = 'cpu  100 5 50 800 20 3 2 10 7 0\ncpu0 50 2 25 400 10 1 1 5 3 0\nintr 1\n';
    // total = 100+5+50+800+20+3+2+10 = 990; idle = 820
    expect(parseProcStat(text)).toEqual({ busy: 170, total: 990 });
  });
  it('returns undefined when there is no aggregate cpu line', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  x y z w\n')).toBeUndefined();
  });
});

describe('loadBetween', () => {
  const snap = (atMs: number, cpuUs: number, busy: number, total: number): LoadSnapshot => ({
    atMs,
    loadavg: [1, 1, 1],
    processCpuUs: cpuUs,
    machine: { busy, total },
  });
  it('splits machine busy time into this process and others', () => {
    // 10 s on 2 CPUs = 20 CPU-s capacity; we used 5 CPU-s (25%); machine 60% busy -> others 35%.
    const r = loadBetween(snap(0, 0, 0, 0), snap(10_000, 5e6, 600, 1000), 2);
    expect(r.wallS).toBeCloseTo(10, 9);
    expect(r.processCpuS).toBeCloseTo(5, 9);
    expect(r.processShare).toBeCloseTo(0.25, 9);
    expect(r.foreignShare).toBeCloseTo(0.35, 9);
    expect(describeLoad(r)).toContain('this process 25% of 2 CPUs; others 35%');
  });
  it('clamps to [0, 1] and leaves foreign share undefined without machine ticks', () => {
    const a: LoadSnapshot = { atMs: 0, loadavg: [0, 0, 0], processCpuUs: 0, machine: undefined };
    const r = loadBetween(a, { ...a, atMs: 1000, processCpuUs: 5e6 }, 2);
    expect(r.processShare).toBe(1);
    expect(r.foreignShare).toBeUndefined();
    expect(describeLoad(r)).toContain('others n/a');
  });
});

describe('snapshotLoad / withLoad', () => {
  it('measures CPU burnt by a busy block', async () => {
    const { value, load } = await withLoad(() => {
      const end = performance.now() + 60;
      let x = 0;
      while (performance.now() < end) x += Math.sqrt(x + 1);
      return x;
    });
    expect(value).toBeGreaterThan(0);
    expect(load.wallS).toBeGreaterThanOrEqual(0.055);
    // A spinning loop uses CPU; allow heavy contention on a shared machine (tolerance: > 5 ms).
    expect(load.processCpuS).toBeGreaterThan(0.005);
    expect(snapshotLoad().loadavg).toHaveLength(3);
  });
});
