/**
 * ModelManager: verification refuses bad versions, alias changes hot-swap, sticky hashing is
 * stable and uniform, and routing stored in the (shared) source is read at start, followed on
 * the poll, refused when it names a bad version, and kept while the source cannot be read.
 */
import { describe, expect, it } from 'vitest';
import { AquaopsError, type ModelSignature, type Routing } from '@aquaops/contracts';
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

const NAME = 'water-potability';
const META = { reason: 'r', actor: 'another process' };

/** v1 (champion), v2, and v3 whose recorded checksum does not match (verification refuses it). */
async function threeVersions<T extends InMemoryModelSource>(source: T): Promise<T> {
  source.addVersion({ name: NAME, classifier: fittedModel(1, 100), signature: SIGNATURE });
  source.addVersion({ name: NAME, classifier: fittedModel(2, 100), signature: SIGNATURE });
  source.addVersion({ name: NAME, classifier: fittedModel(3, 100), signature: SIGNATURE, checksum: 'sha256:tampered' });
  await source.setAlias(NAME, 'champion', 1, META);
  return source;
}

/** Counts model loads, to see that a refused routing table is not re-verified on every poll. */
class CountingSource extends InMemoryModelSource {
  loads = 0;
  override async load(name: string, ref: string | number): Promise<LoadedModel> {
    this.loads++;
    return super.load(name, ref);
  }
}

/** A source whose routing read fails while `failure` is set (the registry unreachable, or a bad row). */
class FlakyRoutingSource extends InMemoryModelSource {
  failure: Error | undefined;
  override async getRouting(name: string): Promise<Routing | undefined> {
    if (this.failure !== undefined) throw this.failure;
    return super.getRouting(name);
  }
}

describe('ModelManager routing from the source', () => {
  const ab: Routing = {
    variants: [
      { version: 1, weight: 1 },
      { version: 2, weight: 1 },
    ],
  };

  it('applies routing another process stored on its poll, refuses a bad version once, follows clearing, and reads it at start', async () => {
    const source = await threeVersions(new CountingSource());
    const events: ManagerEvent[] = [];
    const m = new ModelManager(source, {
      name: NAME,
      ref: 'champion',
      pollIntervalMs: 10,
      onEvent: (e) => events.push(e),
    });
    await m.start();
    expect(m.routingConfig).toBeUndefined();
    await source.setRouting(NAME, ab, META);
    await expect
      .poll(() => events.find((e) => e.type === 'routing-swapped'), { timeout: 5000, interval: 10 })
      .toEqual({ type: 'routing-swapped', from: undefined, to: ab });
    expect(m.routingConfig).toEqual(ab);

    await source.setRouting(NAME, { variants: [{ version: 1, weight: 1 }], shadowVersion: 3 }, META);
    const rejected = () => events.filter((e) => e.type === 'rejected');
    await expect.poll(() => rejected().length, { timeout: 5000, interval: 10 }).toBe(1);
    expect(rejected()[0]).toMatchObject({ version: 3, routing: true });
    expect((rejected()[0] as { reason: string }).reason).toMatch(
      /routing of model water-potability not applied.*checksum mismatch/,
    );
    expect(m.routingConfig).toEqual(ab);
    expect(m.shadow).toBeUndefined();
    expect(m.pick('unit').route).toMatch(/^ab:[12]$/);
    expect(m.serving?.model.version).toBe(1); // the served model is untouched
    expect(m.lastError).toBeUndefined();
    const loads = source.loads;
    await m.syncRouting();
    await m.syncRouting();
    expect(rejected()).toHaveLength(1);
    expect(source.loads).toBe(loads); // not re-verified until the stored table changes

    await source.setRouting(NAME, { variants: [] }, META);
    await expect.poll(() => m.routingConfig, { timeout: 5000, interval: 10 }).toBeUndefined();
    expect(m.pick('unit').route).toBe('default');
    expect(events.filter((e) => e.type === 'routing-swapped').at(-1)).toEqual({
      type: 'routing-swapped',
      from: ab,
      to: undefined,
    });
    m.stop();

    await source.setRouting(NAME, ab, META);
    const restarted = new ModelManager(source, { name: NAME, ref: 'champion', pollIntervalMs: 10 });
    await restarted.start();
    expect(restarted.routingConfig).toEqual(ab);
    restarted.stop();
  });

  it('keeps its routing while the source cannot be read or holds a malformed table, reporting each once', async () => {
    const source = await threeVersions(new FlakyRoutingSource());
    await source.setRouting(NAME, ab, META);
    const events: ManagerEvent[] = [];
    // a long poll interval: this test drives every read itself
    const m = new ModelManager(source, {
      name: NAME,
      ref: 'champion',
      pollIntervalMs: 60_000,
      onEvent: (e) => events.push(e),
    });
    await m.start();
    expect(m.routingConfig).toEqual(ab);
    source.failure = new AquaopsError('AQUAOPS_E_REGISTRY_UNAVAILABLE', 'registry store sqlite:x failed: SQLITE_BUSY');
    for (let i = 0; i < 3; i++) await m.syncRouting();
    source.failure = new AquaopsError(
      'AQUAOPS_E_REGISTRY_INVALID',
      'the routing stored for model water-potability is malformed',
    );
    for (let i = 0; i < 3; i++) await m.syncRouting();
    expect(events.filter((e) => e.type !== 'swapped' && e.type !== 'routing-swapped')).toEqual([
      {
        type: 'load-failed',
        ref: 'routing',
        routing: true,
        reason: expect.stringMatching(
          /routing of model water-potability not read, the current one stays: .*SQLITE_BUSY/,
        ),
      },
      { type: 'rejected', version: 'routing', routing: true, reason: expect.stringMatching(/malformed/) },
    ]);
    expect(m.routingConfig).toEqual(ab);
    source.failure = undefined;
    const only2 = { variants: [{ version: 2, weight: 1 }] };
    await source.setRouting(NAME, only2, META);
    await m.syncRouting();
    expect(m.routingConfig).toEqual(only2);
    m.stop();
  });

  it('setRouting verifies every version before persisting, and swaps only after the write succeeded', async () => {
    const source = await threeVersions(new InMemoryModelSource());
    const m = new ModelManager(source, { name: NAME, ref: 'champion', pollIntervalMs: 60_000 });
    await m.start();
    const written: Routing[] = [];
    const persist = async (c: Routing) => {
      written.push(c);
    };
    await expect(
      m.setRouting(
        {
          variants: [
            { version: 1, weight: 1 },
            { version: 3, weight: 1 },
          ],
        },
        persist,
      ),
    ).rejects.toMatchObject({
      code: 'AQUAOPS_E_MODEL_REJECTED',
    });
    await expect(m.setRouting({ variants: [], shadowVersion: 9 }, persist)).rejects.toMatchObject({
      code: 'AQUAOPS_E_NOT_FOUND',
    });
    expect(written).toEqual([]);
    await expect(
      m.setRouting(ab, async () => {
        throw new AquaopsError('AQUAOPS_E_REGISTRY_UNAVAILABLE', 'down');
      }),
    ).rejects.toMatchObject({ code: 'AQUAOPS_E_REGISTRY_UNAVAILABLE' });
    expect(m.routingConfig).toBeUndefined();
    await m.setRouting(ab, persist);
    expect(written).toEqual([ab]);
    expect(m.routingConfig).toEqual(ab);
    m.stop();
  });
});
