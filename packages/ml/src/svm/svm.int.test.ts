import { describe, expect, it } from 'vitest';
import { varianceProblem } from '../explain/synthetic.js';
import { SupportVectorClassifier } from './svm.js';

describe('SupportVectorClassifier speed', () => {
  it('fits 2600 rows x 9 features with Platt CV in well under 2 s', () => {
    const big = varianceProblem(2600, 9, 5);
    // CPU time of this process, so that other jobs on a shared machine do not inflate it.
    const c0 = process.cpuUsage();
    const m = new SupportVectorClassifier().fit(big.X, big.y);
    const c = process.cpuUsage(c0);
    const s = (c.user + c.system) / 1e6;
    expect(m.converged).toBe(true);
    // Measured ~0.7 s; the bound leaves room for slower machines and GC.
    expect(s).toBeLessThan(2);
  });
});
