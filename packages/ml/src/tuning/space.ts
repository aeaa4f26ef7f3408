/**
 * Sampling hyperparameters from a family's search space. Integer and float ranges may be
 * log-uniform (learning rates, regularisation strengths span decades); choices are uniform.
 * Sampling draws from a seeded `Rng`, so a search is reproducible from its seed.
 */
import { invalidArgument } from '../errors.js';
import type { ParamRange } from '../model.js';
import type { Rng } from '../rng.js';

export type ParamValue = number | string | boolean;

export function sampleParam(name: string, range: ParamRange, rng: Rng): ParamValue {
  switch (range.type) {
    case 'choice': {
      if (range.values.length === 0) {
        throw invalidArgument(`searchSpace.${name}`, 'at least one choice', 'none', 'List the values to try.');
      }
      return range.values[rng.int(range.values.length)] as ParamValue;
    }
    case 'int':
    case 'float': {
      if (!(range.max >= range.min) || (range.log === true && range.min <= 0)) {
        throw invalidArgument(
          `searchSpace.${name}`,
          range.log === true ? '0 < min <= max for a log range' : 'min <= max',
          `min ${range.min}, max ${range.max}`,
          'Fix the range bounds.',
        );
      }
      const u = rng.next();
      let v: number;
      if (range.log === true) {
        const lo = Math.log(range.min);
        const hi = Math.log(range.type === 'int' ? range.max + 1 : range.max);
        v = Math.exp(lo + u * (hi - lo));
      } else {
        v = range.min + u * (range.type === 'int' ? range.max + 1 - range.min : range.max - range.min);
      }
      if (range.type === 'int') return Math.min(range.max, Math.max(range.min, Math.floor(v)));
      return v;
    }
  }
}

/** One random configuration from a search space (keys in a fixed, sorted order). */
export function sampleParams(space: Readonly<Record<string, ParamRange>>, rng: Rng): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const name of Object.keys(space).sort()) {
    out[name] = sampleParam(name, space[name] as ParamRange, rng);
  }
  return out;
}
