import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inlinePool, workerPool } from './pool.js';

describe('inlinePool', () => {
  it('runs tasks in order and reports each', async () => {
    const seen: number[] = [];
    const pool = inlinePool(async (n: number) => n + 1);
    expect(await pool.run([1, 2, 3], (r) => seen.push(r))).toEqual([2, 3, 4]);
    expect(seen).toEqual([2, 3, 4]);
  });
});

describe('workerPool', () => {
  it('returns results in task order whatever the completion order', async () => {
    const script = fileURLToPath(new URL('./fixtures/square-worker.mjs', import.meta.url));
    const pool = workerPool<number, number>(script, { offset: 1000 }, 2);
    try {
      const seen: [number, number][] = [];
      const tasks = [0, 1, 2, 3, 4, 5, 6];
      const out = await pool.run(tasks, (r, t) => seen.push([t, r]));
      expect(out).toEqual(tasks.map((n) => n * n + 1000));
      expect(seen.sort((a, b) => a[0] - b[0])).toEqual(tasks.map((n) => [n, n * n + 1000]));
    } finally {
      await pool.close();
    }
  });
  it('refuses a thread count below 1', () => {
    expect(() => workerPool('x.mjs', {}, 0)).toThrow(RangeError);
  });
});
