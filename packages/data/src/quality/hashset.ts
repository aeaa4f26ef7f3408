/**
 * Row fingerprints for duplicate and leakage checks without keeping the rows: each row is
 * hashed to 53 bits (two independent 32-bit mixes of the value bits) and stored in an
 * open-addressing table of doubles, with the line where it was first seen. With n rows the
 * chance of any false match is about n^2 / 2^54 (0.6% at 10 million rows). The table grows up to
 * `maxEntries` distinct rows (default 2 million: 48 MB per table at most); past that, new rows are still checked
 * but no longer stored, and `saturated` says the counts are a lower bound.
 */

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Incremental 53-bit hash of numbers and strings. */
export class RowHasher {
  private h1 = 0x811c9dc5;
  private h2 = 0x3c6ef372;

  reset(): this {
    this.h1 = 0x811c9dc5;
    this.h2 = 0x3c6ef372;
    return this;
  }

  private mix(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x01000193);
    this.h1 ^= this.h1 >>> 15;
    this.h2 = Math.imul(this.h2 ^ x, 0x5bd1e995);
    this.h2 ^= this.h2 >>> 13;
    this.h2 = Math.imul(this.h2, 0xc2b2ae35);
  }

  number(v: number): this {
    // All NaNs hash alike (missing is missing), and -0 like 0.
    f64[0] = v !== v ? Number.NaN : v === 0 ? 0 : v;
    this.mix(u32[0] as number);
    this.mix(u32[1] as number);
    return this;
  }

  string(s: string): this {
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(s.length | 0x40000000);
    return this;
  }

  /** The 53-bit digest, never 0 (0 marks an empty slot). */
  digest(): number {
    let a = this.h1 ^ (this.h2 >>> 7);
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a ^= a >>> 13;
    const hi = (a >>> 0) & 0x1fffff;
    const lo = Math.imul(this.h2 ^ (this.h2 >>> 16), 0x27d4eb2d) >>> 0;
    const d = hi * 4294967296 + lo;
    return d === 0 ? 1 : d;
  }
}

export class FingerprintSet {
  private keys: Float64Array;
  private lines: Uint32Array;
  private size = 0;
  saturated = false;

  constructor(readonly maxEntries = 2_000_000) {
    this.keys = new Float64Array(1 << 14);
    this.lines = new Uint32Array(1 << 14);
  }

  get count(): number {
    return this.size;
  }

  private slot(keys: Float64Array, h: number): number {
    const mask = keys.length - 1;
    let i = (h % 4294967296) & mask;
    for (;;) {
      const k = keys[i] as number;
      if (k === 0 || k === h) return i;
      i = (i + 1) & mask;
    }
  }

  /** The line where `h` was first seen, or 0 when new (it is then recorded with `line`). */
  addOrGet(h: number, line: number): number {
    const i = this.slot(this.keys, h);
    if (this.keys[i] === h) return this.lines[i] as number;
    if (this.size >= this.maxEntries) {
      this.saturated = true;
      return 0;
    }
    this.keys[i] = h;
    this.lines[i] = line;
    this.size++;
    if (this.size * 2 > this.keys.length) this.grow();
    return 0;
  }

  /** The line where `h` was seen, or 0. */
  get(h: number): number {
    const i = this.slot(this.keys, h);
    return this.keys[i] === h ? (this.lines[i] as number) : 0;
  }

  private grow(): void {
    const oldK = this.keys;
    const oldL = this.lines;
    this.keys = new Float64Array(oldK.length * 2);
    this.lines = new Uint32Array(oldK.length * 2);
    for (let j = 0; j < oldK.length; j++) {
      const k = oldK[j] as number;
      if (k === 0) continue;
      const i = this.slot(this.keys, k);
      this.keys[i] = k;
      this.lines[i] = oldL[j] as number;
    }
  }
}
