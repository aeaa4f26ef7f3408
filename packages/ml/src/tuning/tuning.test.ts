import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { rungSchedule, successiveHalving } from './halving.js';
import { objectiveFor, recallAtPrecision } from './objective.js';
import { selectOneStandardError } from './select.js';
import { sampleParams } from './space.js';

describe('sampleParams', () => {
  it('stays inside ranges, respects int/log/choice and is reproducible per seed', () => {
    const space = {
      lr: { type: 'float', min: 0.01, max: 0.3, log: true },
      leaves: { type: 'int', min: 4, max: 64 },
      kind: { type: 'choice', values: ['a', 'b'] },
    } as const;
    const a = new Rng(3);
    const b = new Rng(3);
    for (let k = 0; k < 500; k++) {
      const p = sampleParams(space, a);
      expect(p).toEqual(sampleParams(space, b));
      expect(p.lr as number).toBeGreaterThanOrEqual(0.01);
      expect(p.lr as number).toBeLessThanOrEqual(0.3);
      expect(Number.isInteger(p.leaves)).toBe(true);
      expect(p.leaves as number).toBeGreaterThanOrEqual(4);
      expect(p.leaves as number).toBeLessThanOrEqual(64);
      expect(['a', 'b']).toContain(p.kind);
    }
  });
  it('rejects an inverted range with the parameter named', () => {
    expect(() => sampleParams({ x: { type: 'int', min: 5, max: 1 } }, new Rng(1))).toThrow(/searchSpace\.x/);
  });
});

describe('selectOneStandardError', () => {
  it('picks the cheapest candidate within one standard error of the best', () => {
    const sel = selectOneStandardError(
      [
        { id: 'big', mean: 0.7, stdErr: 0.01, cost: 100 },
        { id: 'small', mean: 0.695, stdErr: 0.01, cost: 5 },
        { id: 'bad', mean: 0.6, stdErr: 0.01, cost: 1 },
      ],
      true,
    );
    expect(sel.best.id).toBe('big');
    expect(sel.chosen.id).toBe('small');
    expect(sel.withinOneSe.map((c) => c.id).sort()).toEqual(['big', 'small']);
  });
  it('handles lower-is-better metrics', () => {
    const sel = selectOneStandardError(
      [
        { id: 'a', mean: 0.6, stdErr: 0.001, cost: 10 },
        { id: 'b', mean: 0.62, stdErr: 0.001, cost: 1 },
      ],
      false,
    );
    expect(sel.chosen.id).toBe('a');
  });
});

describe('successiveHalving', () => {
  it('builds rungs ending at all folds', () => {
    expect(rungSchedule(5, 1, 3)).toEqual([1, 3, 5]);
    expect(rungSchedule(5, 5, 3)).toEqual([5]);
  });
  it('keeps the best third at each rung and scores finalists on all folds', async () => {
    const configs = Array.from({ length: 9 }, (_, i) => i);
    const calls: { n: number; folds: number }[] = [];
    const history = await successiveHalving(
      configs,
      async (cs, folds) => {
        calls.push({ n: cs.length, folds });
        return cs.map((c) => c / 10);
      },
      { totalFolds: 5, minFolds: 1, eta: 3, greaterIsBetter: true },
    );
    expect(calls).toEqual([
      { n: 9, folds: 1 },
      { n: 3, folds: 3 },
      { n: 1, folds: 5 },
    ]);
    expect(history.at(-1)?.[0]?.config).toBe(8);
  });
});

describe('objectives', () => {
  it('recall at precision finds the best admissible threshold', () => {
    // scores descending: 1(pos) .9(pos) .8(neg) .7(pos) .6(neg)
    const y = [1, 1, 0, 1, 0];
    const s = [1, 0.9, 0.8, 0.7, 0.6];
    expect(recallAtPrecision(y, s, 1)).toBeCloseTo(2 / 3, 12);
    expect(recallAtPrecision(y, s, 0.75)).toBeCloseTo(1, 12);
    expect(() => objectiveFor({ name: 'recall_at_precision' })).toThrow(/atPrecision/);
    expect(objectiveFor({ name: 'log_loss' }).greaterIsBetter).toBe(false);
  });
});
