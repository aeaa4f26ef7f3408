/** `aquaops serve|up --workers`: the flag's parsing and how it reaches the server's environment. */
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { serverEnv, workersArg } from './serve.js';

describe('--workers', () => {
  it('accepts a positive integer or auto', () => {
    expect(workersArg('2')).toBe('2');
    expect(workersArg('02')).toBe('2');
    expect(workersArg('auto')).toBe('auto');
    expect(workersArg('AUTO')).toBe('auto');
  });

  it('refuses anything else with the flag named', () => {
    for (const bad of ['0', '-1', '1.5', 'many', '']) {
      expect(() => workersArg(bad)).toThrow(InvalidArgumentError);
      expect(() => workersArg(bad)).toThrow(`--workers must be an integer >= 1 or "auto", got "${bad}".`);
    }
  });

  it('sets AQUAOPS_WORKERS for the server; without the flag an inherited value stays', () => {
    expect(serverEnv({ workers: '3' }, {}, '/tmp').AQUAOPS_WORKERS).toBe('3');
    expect(serverEnv({ workers: 'auto' }, { AQUAOPS_WORKERS: '2' }, '/tmp').AQUAOPS_WORKERS).toBe('auto');
    expect(serverEnv({}, { AQUAOPS_WORKERS: '2' }, '/tmp').AQUAOPS_WORKERS).toBe('2');
    expect(serverEnv({}, {}, '/tmp').AQUAOPS_WORKERS).toBeUndefined();
  });
});
