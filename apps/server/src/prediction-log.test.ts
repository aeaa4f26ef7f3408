/** The bounded prediction log: batching, overflow drops, sink failures dropped and counted, recovery. */
import { describe, expect, it } from 'vitest';
import { InMemoryPredictionSink } from './model/memory.js';
import type { PredictionRecord } from './model/types.js';
import { PredictionLog } from './prediction-log.js';

function rec(i: number): PredictionRecord {
  return {
    predictionId: `id-${i}`,
    requestId: 'r',
    timestamp: new Date(0).toISOString(),
    model: { name: 'm', version: 1 },
    route: 'default',
    inputs: { x: i },
    passthrough: {},
    probability: 0.5,
    verdict: 'potable',
    threshold: 0.5,
    latencyMs: 1,
    shadow: false,
  };
}

describe('PredictionLog', () => {
  it('writes in batches of at most batchSize, in order', async () => {
    const sink = new InMemoryPredictionSink();
    const log = new PredictionLog(sink, { capacity: 100, batchSize: 4, flushIntervalMs: 1000 });
    for (let i = 0; i < 10; i++) log.push(rec(i));
    await log.flush();
    expect(sink.appendCalls).toBe(3);
    expect(sink.records.map((r) => r.predictionId)).toEqual(Array.from({ length: 10 }, (_, i) => `id-${i}`));
    expect([log.written, log.dropped, log.size]).toEqual([10, 0, 0]);
  });

  it('drops and counts when the queue is full', () => {
    const drops: number[] = [];
    const log = new PredictionLog(new InMemoryPredictionSink(), {
      capacity: 3,
      batchSize: 10,
      flushIntervalMs: 1000,
      onDrop: (n) => drops.push(n),
    });
    for (let i = 0; i < 5; i++) log.push(rec(i));
    expect([log.size, log.dropped, drops.length]).toEqual([3, 2, 2]);
  });

  it('retries a failing sink, drops the batch, then recovers by itself', async () => {
    const sink = new InMemoryPredictionSink();
    sink.failing = true;
    let dropped = 0;
    const log = new PredictionLog(sink, {
      capacity: 100,
      batchSize: 100,
      flushIntervalMs: 5,
      maxAttempts: 2,
      maxBackoffMs: 20,
      onDrop: (n) => {
        dropped += n;
      },
    });
    log.start();
    for (let i = 0; i < 5; i++) log.push(rec(i));
    await new Promise((r) => setTimeout(r, 150));
    expect(dropped).toBe(5);
    expect(sink.appendCalls).toBeGreaterThanOrEqual(2);
    sink.failing = false;
    log.push(rec(99));
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.records.map((r) => r.predictionId)).toEqual(['id-99']);
    await log.close();
  });
});
