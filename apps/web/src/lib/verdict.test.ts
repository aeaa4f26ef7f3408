import { describe, expect, it } from 'vitest';
import type { Prediction } from '../api/types.js';
import { certainty, labResultWords, uncertaintyNote, waterfall } from './verdict.js';

function prediction(probability: number, contributions: [string, number][], base = 0.4): Prediction {
  return {
    predictionId: '00000000-0000-4000-8000-000000000000',
    verdict: probability >= 0.5 ? 'potable' : 'not_potable',
    probability,
    threshold: 0.5,
    model: { name: 'm', version: 1 },
    route: 'default',
    missing: [],
    explanation: {
      space: 'log-odds',
      base: 0,
      baseProbability: base,
      contributions: contributions.map(([feature, p]) => ({ feature, value: 1, phi: p * 4, probability: p })),
      reasons: [],
    },
    guidelines: { note: '', flags: [] },
  };
}

describe('certainty and the uncertainty note', () => {
  it('grades distance to the threshold', () => {
    expect(certainty(0.55, 0.5)).toBe('uncertain');
    expect(certainty(0.7, 0.5)).toBe('moderate');
    expect(certainty(0.05, 0.5)).toBe('confident');
  });
  it('says close to the threshold and mentions missing measurements', () => {
    const p = { ...prediction(0.52, []), missing: ['Sulfate', 'ph'] };
    expect(uncertaintyNote(p)).toMatch(/^Close to the threshold \(52% vs 50%\): treat this result as uncertain/);
    expect(uncertaintyNote(p)).toMatch(/2 measurements were missing/);
  });
});

describe('labResultWords', () => {
  it('words a recorded lab result and dashes a missing one (null from the server, undefined locally)', () => {
    expect(labResultWords(1)).toBe('potable');
    expect(labResultWords(0)).toBe('not potable');
    expect(labResultWords(null)).toBe('—');
    expect(labResultWords(undefined)).toBe('—');
  });
});

describe('waterfall', () => {
  it('walks from the base probability through the largest pushes to the sample', () => {
    const p = prediction(0.4 + 0.2 - 0.05 + 0.01, [
      ['a', 0.01],
      ['b', 0.2],
      ['c', -0.05],
    ]);
    const bars = waterfall(p);
    expect(bars.map((b) => b.label)).toEqual(['Typical sample', 'b', 'c', 'a', 'This sample']);
    expect(bars[1]).toMatchObject({ kind: 'up', from: 0.4 });
    expect(bars[1]!.to).toBeCloseTo(0.6, 12);
    expect(bars[2]!.kind).toBe('down');
    // The last step ends where the sample's probability is (tolerance 1e-12).
    expect(bars[3]!.to).toBeCloseTo(p.probability, 12);
  });
  it('pools the small contributions beyond `top`', () => {
    const p = prediction(0.5, [
      ['a', 0.05],
      ['b', 0.03],
      ['c', 0.01],
      ['d', 0.01],
    ]);
    const bars = waterfall(p, 2);
    expect(bars.map((b) => b.label)).toEqual(['Typical sample', 'a', 'b', 'Other measurements', 'This sample']);
    expect(bars[3]!.to - bars[3]!.from).toBeCloseTo(0.02, 12);
  });
});
