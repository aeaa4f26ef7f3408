/** ModelManager: verification refuses bad versions, alias changes hot-swap, sticky hashing is stable and uniform. */
import { describe, expect, it } from 'vitest';
import { AquaopsError, type ModelSignature } from '@aquaops/contracts';
import { BrokenFixture, fittedModel, LogisticFixture, SIGNATURE, syntheticData } from '../testing/fixtures.js';
import { type ManagerEvent, ModelManager, stickyUnit, verifyModel } from './manager.js';
import { stateChecksum } from './checksum.js';
import { InMemoryModelSource } from './memory.js';
import type { LoadedModel } from './types.js';

function loaded(overrides: Partial<LoadedModel> = {}): LoadedModel {
  const classifier = overrides.classifier ?? fittedModel(1, 100);
  return {
    name: 'water-potability',
    version: 1,
    signature: SIGNATURE,
    classifier,
    threshold: 0.5,
    checksum: stateChecksum(classifier.toState()),
    ...overrides,
  };
}

function rejection(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AquaopsError);
    expect((err as AquaopsError).code).toBe('AQUAOPS_E_MODEL_REJECTED');
    return (err as AquaopsError).message;
  }
  throw new Error('expected a rejection');
}

describe('verifyModel', () => {
  it('accepts a good model', () => {
    expect(() => verifyModel(loaded(), SIGNATURE)).not.toThrow();
  });
  it('refuses a checksum mismatch', () => {
    expect(rejection(() => verifyModel(loaded({ checksum: 'sha256:00' }), undefined))).toMatch(/checksum mismatch/);
  });
  it('refuses NaN probabilities', () => {
    const { rows, y } = syntheticData(100, 3);
    const broken = new BrokenFixture(9).fit(rows, y, 20);
    expect(
      rejection(() =>
        verifyModel(loaded({ classifier: broken, checksum: stateChecksum(broken.toState()) }), undefined),
      ),
    ).toMatch(/probability NaN/);
  });
  it('refuses a feature-count mismatch, an incompatible signature and a bad threshold', () => {
    const { rows, y } = syntheticData(50, 3);
    const five = new LogisticFixture(5).fit(
      rows.map((r) => r.slice(0, 5)),
      y,
      10,
    );
    expect(
      rejection(() => verifyModel(loaded({ classifier: five, checksum: stateChecksum(five.toState()) }), undefined)),
    ).toMatch(/takes 5 features/);
    const renamed: ModelSignature = {
      ...SIGNATURE,
      features: SIGNATURE.features.map((f, j) => (j === 0 ? { ...f, name: 'pH' } : f)),
    };
    expect(rejection(() => verifyModel(loaded({ signature: renamed }), SIGNATURE))).toMatch(/features differ/);
    expect(rejection(() => verifyModel(loaded({ threshold: 1 }), undefined))).toMatch(/threshold/);
  });
});

describe('stickyUnit', () => {
  it('is deterministic, in [0, 1), and near-uniform (mean 0.5 ± 0.02 over 20000 keys)', () => {
    expect(stickyUnit('site-42')).toBe(stickyUnit('site-42'));
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = stickyUnit(`k${i}`);
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.02);
    // Documented rule: first 8 hex digits of sha256 as uint32 / 2^32 (sha256("abc") starts ba7816bf).
    expect(stickyUnit('abc')).toBe(0xba7816bf / 2 ** 32);
  });
});

describe('ModelManager hot swaps', () => {
  it('follows the alias, refuses a bad version and keeps serving the old one', async () => {
    const source = new InMemoryModelSource();
    source.addVersion({ name: 'water-potability', classifier: fittedModel(1, 100), signature: SIGNATURE });
    source.addVersion({ name: 'water-potability', classifier: fittedModel(2, 100), signature: SIGNATURE });
    source.addVersion({
      name: 'water-potability',
      classifier: fittedModel(3, 100),
      signature: SIGNATURE,
      checksum: 'sha256:tampered',
    });
    await source.setAlias('water-potability', 'champion', 1, { reason: 'r', actor: 't' });
    const events: ManagerEvent[] = [];
    const m = new ModelManager(source, {
      name: 'water-potability',
      ref: 'champion',
      pollIntervalMs: 10,
      onEvent: (e) => events.push(e),
    });
    await m.start();
    expect(m.serving?.model.version).toBe(1);
    const held = m.serving;
    await source.setAlias('water-potability', 'champion', 2, { reason: 'r', actor: 't' });
    await expect.poll(() => m.serving?.model.version, { timeout: 2000 }).toBe(2);
    expect(held?.model.version).toBe(1); // a request holding the old reference is unaffected
    await source.setAlias('water-potability', 'champion', 3, { reason: 'r', actor: 't' });
    await expect.poll(() => events.some((e) => e.type === 'rejected'), { timeout: 2000 }).toBe(true);
    expect(m.serving?.model.version).toBe(2);
    expect(m.lastError).toMatch(/checksum mismatch/);
    await expect(m.check(3)).rejects.toMatchObject({ code: 'AQUAOPS_E_MODEL_REJECTED' });
    m.stop();
  });

  it('becomes ready once a missing alias appears', async () => {
    const source = new InMemoryModelSource();
    source.addVersion({ name: 'water-potability', classifier: fittedModel(1, 100), signature: SIGNATURE });
    const m = new ModelManager(source, { name: 'water-potability', ref: 'champion', pollIntervalMs: 10 });
    await m.start();
    expect(m.ready).toBe(false);
    expect(() => m.pick('x')).toThrow(/no verified model/);
    await source.setAlias('water-potability', 'champion', 1, { reason: 'r', actor: 't' });
    await expect.poll(() => m.ready, { timeout: 2000 }).toBe(true);
    m.stop();
  });
});
