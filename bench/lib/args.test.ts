import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError } from './args.js';

describe('parseBenchArgs', () => {
  it('defaults to the full bench', () => {
    const a = parseBenchArgs([]);
    expect(a).toMatchObject({ smoke: false, quality: true, speed: true, folds: undefined, workers: 2, trials: 8 });
    expect(a.families).toBeUndefined();
  });
  it('makes --smoke tiny and honours explicit overrides', () => {
    expect(parseBenchArgs(['--smoke'])).toMatchObject({ smoke: true, folds: 2, trials: 3 });
    expect(parseBenchArgs(['--smoke', '--folds', '3', '--trials=5'])).toMatchObject({ folds: 3, trials: 5 });
  });
  it('parses --families and the only-flags', () => {
    expect(parseBenchArgs(['--families', 'gbm, svm']).families).toEqual(['gbm', 'svm']);
    expect(parseBenchArgs(['--quality-only'])).toMatchObject({ quality: true, speed: false });
    expect(parseBenchArgs(['--speed-only'])).toMatchObject({ quality: false, speed: true });
    expect(parseBenchArgs(['--workers', '0']).workers).toBe(0);
  });
  it('refuses unknown flags, bad numbers and contradictions', () => {
    expect(() => parseBenchArgs(['--fast'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--folds', '0'])).toThrow(/--folds needs an integer >= 1, got "0"/);
    expect(() => parseBenchArgs(['--folds'])).toThrow(/got nothing/);
    expect(() => parseBenchArgs(['--families', '--smoke'])).toThrow(/--families needs a value/);
    expect(() => parseBenchArgs(['--families', ','])).toThrow(/at least one/);
    expect(() => parseBenchArgs(['--quality-only', '--speed-only'])).toThrow(/exclude each other/);
  });
});
