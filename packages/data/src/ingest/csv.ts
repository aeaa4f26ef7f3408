/**
 * A streaming CSV tokenizer for data files of any size. It reads the file in chunks, rejects
 * binary input (NUL bytes, invalid UTF-8) with the line where it starts, drops a UTF-8 BOM,
 * skips `#` comment lines and blank lines before the header, detects a wrong delimiter from the
 * header line, handles LF/CRLF and RFC 4180 quoting (quoted fields may span lines) and yields
 * records in batches with their starting line number. Only the current chunk is held in memory.
 * Lines without a quote take a fast path (indexOf + split), which is most lines of lab data.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';

export interface CsvRecord {
  readonly fields: string[];
  /** 1-based line number where the record starts. */
  readonly line: number;
}

/** Receives each record: its fields and the 1-based line where it starts. */
export type RecordSink = (fields: string[], line: number) => void;

export interface CsvStats {
  bytes: number;
  bom: boolean;
  commentLines: number;
  blankLines: number;
  crlfLines: number;
  lfLines: number;
  /** The last record had no line ending (not an error by itself; many writers omit it). */
  lastLineUnterminated: boolean;
  delimiter: string;
}

export interface CsvReadOptions {
  /** Field delimiter; default `,`. A header that only splits on another candidate is an error. */
  readonly delimiter?: string;
  readonly signal?: AbortSignal;
  /** Read size in bytes (default 1 MiB). */
  readonly chunkBytes?: number;
}

const DELIMITER_CANDIDATES = [',', ';', '\t', '|'];

function delimiterName(d: string): string {
  return d === '\t' ? 'tab' : `"${d}"`;
}

function countOutsideQuotes(line: string, ch: string): number {
  let n = 0;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && c === ch) n++;
  }
  return n;
}

/** Incremental tokenizer: push decoded text, collect complete records, then end(). */
export class CsvTokenizer {
  private buf = '';
  /** Line number of the first character of `buf`. */
  private line = 1;
  private delim: string | undefined;
  private headerSeen = false;
  readonly stats: CsvStats;

  constructor(
    private readonly file: string,
    preferredDelimiter: string | undefined,
  ) {
    this.stats = {
      bytes: 0,
      bom: false,
      commentLines: 0,
      blankLines: 0,
      crlfLines: 0,
      lfLines: 0,
      lastLineUnterminated: false,
      delimiter: preferredDelimiter ?? ',',
    };
    this.preferred = preferredDelimiter ?? ',';
  }
  private readonly preferred: string;

  /** Line number of the current read position (for errors found in undecoded bytes). */
  currentLine(): number {
    let n = this.line;
    for (let i = this.buf.indexOf('\n'); i !== -1; i = this.buf.indexOf('\n', i + 1)) n++;
    return n;
  }

  push(text: string, out: RecordSink): void {
    this.buf = this.buf.length === 0 ? text : this.buf + text;
    this.drain(out, false);
  }

  end(out: RecordSink): void {
    this.drain(out, true);
  }

  private chooseDelimiter(headerLine: string, line: number): void {
    const counts = DELIMITER_CANDIDATES.map((d) => countOutsideQuotes(headerLine, d));
    const own = countOutsideQuotes(headerLine, this.preferred);
    if (own === 0) {
      let best = -1;
      for (let k = 0; k < DELIMITER_CANDIDATES.length; k++) {
        if ((counts[k] as number) > 0 && (best === -1 || (counts[k] as number) > (counts[best] as number))) best = k;
      }
      if (best !== -1) {
        const found = DELIMITER_CANDIDATES[best] as string;
        throw new AquaopsError(
          'AQUAOPS_E_DATA_DELIMITER',
          `${this.file}:${line}: the header is separated by ${delimiterName(found)} (${counts[best]} times), not by ${delimiterName(this.preferred)}.`,
          {
            hint: `Re-export the file as comma-separated, or pass the delimiter explicitly (CLI: --delimiter '${found === '\t' ? '\\t' : found}').`,
            details: [
              {
                path: `${this.file}:${line}`,
                expected: `${delimiterName(this.preferred)}-separated header`,
                found: headerLine.slice(0, 120),
              },
            ],
          },
        );
      }
    }
    this.delim = this.preferred;
    this.stats.delimiter = this.preferred;
  }

  private drain(out: RecordSink, final: boolean): void {
    const buf = this.buf;
    let pos = 0;
    let line = this.line;
    for (;;) {
      if (pos >= buf.length) break;
      const nl = buf.indexOf('\n', pos);
      if (nl === -1 && !final) break;
      const lineEnd = nl === -1 ? buf.length : nl;
      let text = buf.slice(pos, lineEnd);
      if (nl === -1) this.stats.lastLineUnterminated = true;
      if (text.endsWith('\r')) {
        text = text.slice(0, -1);
        if (nl !== -1) this.stats.crlfLines++;
      } else if (nl !== -1) this.stats.lfLines++;
      if (!this.headerSeen) {
        if (text.trim() === '') {
          this.stats.blankLines++;
          pos = lineEnd + 1;
          line++;
          continue;
        }
        if (text.trimStart().startsWith('#')) {
          this.stats.commentLines++;
          pos = lineEnd + 1;
          line++;
          continue;
        }
        this.chooseDelimiter(text, line);
        this.headerSeen = true;
      }
      if (text.length === 0) {
        this.stats.blankLines++;
        pos = lineEnd + 1;
        line++;
        continue;
      }
      const delim = this.delim as string;
      if (text.indexOf('"') === -1) {
        out(text.split(delim), line);
        pos = lineEnd + 1;
        line++;
        continue;
      }
      // Slow path: quoted fields, possibly spanning several lines. Undo the line-ending count
      // taken above; the quoted parser recounts the lines it consumes.
      if (nl !== -1) {
        if (buf.charCodeAt(lineEnd - 1) === 13) this.stats.crlfLines--;
        else this.stats.lfLines--;
      }
      const rec = this.parseQuoted(buf, pos, delim, final);
      if (rec === undefined) break;
      out(rec.fields, line);
      pos = rec.next;
      line += rec.lines;
    }
    this.buf = pos >= buf.length ? '' : buf.slice(pos);
    this.line = line;
    if (final && this.buf.length > 0) {
      throw new AquaopsError('AQUAOPS_E_DATA_TRUNCATED', `${this.file}:${line}: the file ends inside a quoted field.`, {
        hint: 'The file is cut off or has an unbalanced quote ("). Re-copy the complete file or fix the quote.',
        details: [
          {
            path: `${this.file}:${line}`,
            expected: 'a closing quote',
            found: `end of file after "${this.buf.slice(0, 60)}"`,
          },
        ],
      });
    }
  }

  /**
   * Parses one record starting at `pos` that contains quotes. Returns undefined when the record is
   * not complete in `buf` yet (more input needed). `lines` = line endings consumed.
   */
  private parseQuoted(
    buf: string,
    pos: number,
    delim: string,
    final: boolean,
  ): { fields: string[]; next: number; lines: number } | undefined {
    const fields: string[] = [];
    let i = pos;
    let lines = 0;
    const n = buf.length;
    for (;;) {
      let j = i;
      while (j < n && buf[j] === ' ') j++;
      let value: string;
      if (j < n && buf[j] === '"') {
        let k = j + 1;
        let sb = '';
        for (;;) {
          const q = buf.indexOf('"', k);
          if (q === -1) return undefined;
          sb += buf.slice(k, q);
          if (buf[q + 1] === '"') {
            sb += '"';
            k = q + 2;
            continue;
          }
          if (q + 1 >= n && !final) return undefined;
          k = q + 1;
          break;
        }
        for (let t = sb.indexOf('\n'); t !== -1; t = sb.indexOf('\n', t + 1)) lines++;
        // Text after the closing quote (other than spaces) is kept verbatim so it can be reported.
        let e = k;
        while (e < n && buf[e] !== delim && buf[e] !== '\n') e++;
        const tail = buf.slice(k, e).replace(/\r$/, '');
        value = tail.trim() === '' ? sb : sb + tail;
        i = e;
      } else {
        let e = j;
        while (e < n && buf[e] !== delim && buf[e] !== '\n') e++;
        value = buf.slice(i, e);
        if (buf[e] === '\n' || e >= n) value = value.replace(/\r$/, '');
        i = e;
      }
      fields.push(value);
      if (i >= n) {
        if (!final) return undefined;
        this.stats.lastLineUnterminated = true;
        return { fields, next: n, lines };
      }
      if (buf[i] === '\n') {
        if (buf.charCodeAt(i - 1) === 13) this.stats.crlfLines++;
        else this.stats.lfLines++;
        return { fields, next: i + 1, lines: lines + 1 };
      }
      i++; // delimiter
    }
  }
}

function unreadable(file: string, err: unknown): AquaopsError {
  const code = (err as { code?: string }).code ?? '';
  const why: Record<string, string> = {
    ENOENT: 'it does not exist',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    EPERM: 'operation not permitted',
  };
  return new AquaopsError(
    'AQUAOPS_E_DATA_UNREADABLE',
    `Cannot read ${file}: ${why[code] ?? (err instanceof Error ? err.message : String(err))}.`,
    {
      hint:
        code === 'ENOENT'
          ? 'Check the path (relative paths are resolved from the current directory).'
          : code === 'EISDIR'
            ? 'Pass a CSV file, not a directory.'
            : 'Check that the file is readable by this user.',
      details: [{ path: file, expected: 'a readable CSV file', found: code || 'read error' }],
      cause: err,
    },
  );
}

/**
 * Reads `file` in chunks and yields its decoded text, checking for NUL bytes and invalid UTF-8
 * on the way (with the line where they occur, from `tok`) and counting bytes into `tok.stats`.
 */
export async function* decodedChunks(
  file: string,
  tok: CsvTokenizer,
  options: CsvReadOptions = {},
): AsyncGenerator<string> {
  try {
    const fh = await open(file, 'r');
    const st = await fh.stat();
    await fh.close();
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    throw unreadable(file, err);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stream = createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      if (first) {
        tok.stats.bom = chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
        first = false;
      }
      const nul = chunk.indexOf(0);
      if (nul !== -1) {
        const before = new TextDecoder('utf-8').decode(chunk.subarray(0, nul));
        const line = tok.currentLine() + countChar(before, '\n');
        throw binary(file, line, tok.stats.bytes + nul, 'a NUL byte (0x00)');
      }
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const loose = new TextDecoder('utf-8').decode(chunk);
        const bad = loose.indexOf('\uFFFD');
        const line = tok.currentLine() + countChar(loose.slice(0, Math.max(0, bad)), '\n');
        throw binary(file, line, tok.stats.bytes, 'bytes that are not valid UTF-8');
      }
      tok.stats.bytes += chunk.length;
      if (text.length > 0) yield text;
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw binary(file, tok.currentLine(), tok.stats.bytes, 'an incomplete UTF-8 sequence at the end');
    }
    if (tail.length > 0) yield tail;
  } catch (err) {
    if (err instanceof AquaopsError || options.signal?.aborted) throw err;
    throw unreadable(file, err);
  } finally {
    stream.destroy();
  }
}

/**
 * Streams the CSV records of `file` in batches (one batch per read chunk). The first record is
 * the header. `stats` is filled in as reading proceeds and is final when the iteration ends.
 */
export async function* readCsvRecords(
  file: string,
  stats: { current?: CsvStats },
  options: CsvReadOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const tok = new CsvTokenizer(file, options.delimiter);
  stats.current = tok.stats;
  let out: CsvRecord[] = [];
  const emit: RecordSink = (fields, line) => {
    out.push({ fields, line });
  };
  for await (const text of decodedChunks(file, tok, options)) {
    tok.push(text, emit);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  tok.end(emit);
  if (out.length > 0) yield out;
}

function countChar(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i !== -1; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function binary(file: string, line: number, offset: number, what: string): AquaopsError {
  return new AquaopsError(
    'AQUAOPS_E_DATA_BINARY',
    `${file}:${line}: found ${what} near byte ${offset}; this is not a UTF-8 text CSV.`,
    {
      hint: 'Pass a plain-text CSV in UTF-8 (not a spreadsheet, archive or UTF-16 export); re-save it as "CSV UTF-8".',
      details: [{ path: `${file}:${line}`, expected: 'UTF-8 text', found: what }],
    },
  );
}
