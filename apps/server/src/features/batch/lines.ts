/**
 * Incremental reading of an uploaded body as text lines, for batch scoring: chunks are decoded
 * (UTF-8, split multi-byte characters carried over) and cut at newlines as they arrive, so a
 * million-row upload never sits in memory; only the current chunk's lines do. The byte limit is
 * enforced while reading because a streamed body bypasses Fastify's own body limit. CSV records
 * are split by `splitCsvRecord`, which takes the fast path (plain `split`) when a line has no
 * quote and otherwise follows RFC 4180 (quoted commas, doubled quotes, quoted newlines).
 */
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  /** 1-based physical line number in the upload. */
  readonly no: number;
  readonly text: string;
}

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload exceeds ${limitBytes} bytes`);
  }
}

export class LineSource {
  private readonly it: AsyncIterator<unknown>;
  private readonly decoder = new StringDecoder('utf8');
  private pending: string[] = [];
  private pi = 0;
  private rest = '';
  private done = false;
  private lineNo = 0;
  private bytes = 0;
  private first = true;

  constructor(
    stream: AsyncIterable<unknown>,
    private readonly limitBytes: number,
  ) {
    this.it = stream[Symbol.asyncIterator]();
  }

  get bytesRead(): number {
    return this.bytes;
  }

  /** The next buffered line, or undefined when `fill` must be awaited (or the body has ended). */
  nextSync(): Line | undefined {
    if (this.pi >= this.pending.length) return undefined;
    const text = this.pending[this.pi++]!;
    return { no: ++this.lineNo, text };
  }

  get ended(): boolean {
    return this.done && this.pi >= this.pending.length;
  }

  /** Reads the next chunk into the line buffer; false once the body is exhausted. */
  async fill(): Promise<boolean> {
    if (this.done) return this.pi < this.pending.length;
    const r = await this.it.next();
    let text: string;
    if (r.done === true) {
      this.done = true;
      text = this.rest + this.decoder.end();
      this.rest = '';
      this.pending = text === '' ? [] : [stripCr(text)];
      this.pi = 0;
      return this.pending.length > 0;
    }
    const chunk = r.value;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    this.bytes += buf.length;
    if (this.bytes > this.limitBytes) throw new BodyTooLargeError(this.limitBytes);
    text = this.rest + this.decoder.write(buf);
    if (this.first && text.length > 0) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (let i = 0; i < parts.length; i++) parts[i] = stripCr(parts[i]!);
    this.pending = parts;
    this.pi = 0;
    return true;
  }

  /** Awaits data as needed; undefined at the end of the body. */
  async next(): Promise<Line | undefined> {
    for (;;) {
      const l = this.nextSync();
      if (l !== undefined) return l;
      if (!(await this.fill())) return undefined;
    }
  }
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

/** Fields of one CSV record, or `undefined` when a quoted field continues on the next line. */
export function splitCsvRecord(text: string): string[] | undefined {
  if (!text.includes('"')) return text.split(',');
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (i < n && text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return undefined;
        v += text.slice(i, q);
        if (text[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Anything between the closing quote and the comma is kept, as lenient parsers do.
      const c = text.indexOf(',', i);
      if (c < 0) {
        out.push(v + text.slice(i));
        return out;
      }
      out.push(v + text.slice(i, c));
      i = c + 1;
    } else {
      const c = text.indexOf(',', i);
      if (c < 0) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, c));
      i = c + 1;
    }
  }
}

/** Quotes a CSV output field when it needs it. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
