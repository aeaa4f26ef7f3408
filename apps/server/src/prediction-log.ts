/**
 * The bounded, asynchronous prediction log. Serving never waits on storage: `push` only enqueues
 * (and drops, counting, when the queue is full); a timer flushes batches to the PredictionSink.
 * A failed batch is retried with exponential back-off, then dropped and counted, so a broken sink
 * costs log entries, never availability, and the log recovers by itself once the sink is back.
 */
import type { PredictionRecord, PredictionSink } from './model/types.js';

export interface PredictionLogOptions {
  readonly capacity: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  /** Attempts per batch before it is dropped. */
  readonly maxAttempts?: number;
  /** Upper bound of the back-off between failed attempts. */
  readonly maxBackoffMs?: number;
  readonly onDrop?: (count: number, reason: 'queue-full' | 'sink-failed') => void;
  readonly onSinkError?: (err: unknown) => void;
}

export class PredictionLog {
  private queue: PredictionRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private backoffMs = 0;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  dropped = 0;
  written = 0;

  constructor(
    private readonly sink: PredictionSink,
    private readonly options: PredictionLogOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  get size(): number {
    return this.queue.length;
  }

  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.flush().finally(() => {
          if (this.timer !== undefined) tick();
        });
      }, this.options.flushIntervalMs + this.backoffMs);
      this.timer.unref();
    };
    tick();
  }

  push(record: PredictionRecord): void {
    if (this.queue.length >= this.options.capacity) {
      this.dropped++;
      this.options.onDrop?.(1, 'queue-full');
      return;
    }
    this.queue.push(record);
  }

  /** Writes everything queued so far (one batch at a time); never rejects. */
  flush(): Promise<void> {
    if (this.flushing !== undefined) return this.flushing;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.batchSize);
      let ok = false;
      for (let attempt = 1; attempt <= this.maxAttempts && !ok; attempt++) {
        try {
          await this.sink.append(batch);
          ok = true;
        } catch (err) {
          this.options.onSinkError?.(err);
          if (attempt < this.maxAttempts) await sleep(Math.min(this.maxBackoffMs, 20 * 2 ** attempt));
        }
      }
      // Only the records sent are removed: pushes during the await landed after them.
      this.queue = this.queue.slice(batch.length);
      if (ok) {
        this.written += batch.length;
        this.backoffMs = 0;
      } else {
        this.dropped += batch.length;
        this.options.onDrop?.(batch.length, 'sink-failed');
        this.backoffMs = Math.min(this.maxBackoffMs, Math.max(100, this.backoffMs * 2));
        return; // wait for the next tick (with back-off) before hitting the sink again
      }
    }
  }

  /** Stops the timer and makes a last attempt to write what is queued. */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
