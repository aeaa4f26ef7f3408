/**
 * CSV in the browser: a small RFC 4180 reader (quotes, CRLF, empty field = missing) that keeps the
 * file's line number of every record, so row errors can point at the line a technician sees in a
 * spreadsheet, and a writer for the downloadable results.
 */

export interface CsvRecord {
  /** 1-based physical line where the record starts (the header is line 1). */
  readonly line: number;
  readonly fields: readonly string[];
}

/** Parses CSV text; blank lines are skipped; a byte-order mark is dropped. */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let done = false;
    while (i < n && !done) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
      } else if (ch === '"' && field === '') {
        quoted = true;
        i++;
      } else if (ch === ',') {
        fields.push(field);
        field = '';
        i++;
      } else if (ch === '\r' || ch === '\n') {
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
        done = true;
      } else {
        field += ch;
        i++;
      }
    }
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
  }
  return out;
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text (CRLF line ends) from a header and rows; null/undefined become empty fields. */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const lines = [header.map(quote).join(',')];
  for (const r of rows) lines.push(r.map((v) => (v === null || v === undefined ? '' : quote(String(v)))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
