/**
 * Stratified, seeded train/test split of a CSV file for the `split` pipeline stage. Rows keep
 * their raw bytes (line endings, quoting, missing fields, a BOM and leading `#` comment lines
 * go to both parts) and their original order in both outputs; within each label class a seeded shuffle picks round(n·f) test rows, so class
 * proportions match and the same seed always gives the same split on every platform.
 */
import { readFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import { writeFileAtomic } from '../fs/atomic.js';

export interface SplitOptions {
  /** Share of rows (per class) that go to the test set, strictly between 0 and 1. */
  readonly testFraction: number;
  readonly seed: number;
  /** Column to stratify by; without it the whole file is one class. */
  readonly stratifyBy?: string;
}

export interface SplitResult {
  readonly train: string;
  readonly test: string;
  readonly trainRows: number;
  readonly testRows: number;
  /** Per class value: rows in train and test. */
  readonly classes: Readonly<Record<string, { train: number; test: number }>>;
}

/** Splits CSV text into raw records (each with its line terminator), honouring quoted newlines. */
export function csvRecords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out.filter((r) => r.trim() !== '');
}

/** Fields of one record (RFC 4180 quoting). */
export function csvFields(record: string): string[] {
  const line = record.replace(/\r?\n$/, '');
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  return fields;
}

/** splitmix32 → uniform [0, 1): small, exact in 32-bit integer arithmetic, same on every platform. */
function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

function invalid(message: string, hint: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_DVC_CSV_INVALID', message, { hint });
}

export function splitCsv(text: string, options: SplitOptions, source = 'input'): SplitResult {
  const f = options.testFraction;
  if (!(f > 0 && f < 1)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `--test-fraction must be between 0 and 1 (exclusive), got ${f}`, {
      hint: 'e.g. --test-fraction 0.2',
    });
  }
  if (!Number.isInteger(options.seed)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `--seed must be an integer, got ${options.seed}`, {
      hint: 'e.g. --seed 42',
    });
  }
  const all = csvRecords(text);
  // Leading `#` comment lines (e.g. the provenance line of a generated sample) go to both parts.
  let skip = 0;
  while (skip < all.length && all[skip]!.replace(/^\uFEFF/, '').startsWith('#')) skip++;
  const preamble = all.slice(0, skip).join('');
  const records = all.slice(skip);
  const header = records[0];
  if (header === undefined) throw invalid(`${source} is empty`, 'give a CSV file with a header row and data rows.');
  const eol = header.endsWith('\r\n') ? '\r\n' : '\n';
  const rows = records.slice(1).map((r) => (r.endsWith('\n') ? r : r + eol));
  if (rows.length < 2)
    throw invalid(`${source} has ${rows.length} data row(s); a split needs at least 2`, 'use a larger file.');
  let col = -1;
  if (options.stratifyBy !== undefined) {
    const names = csvFields(header.replace(/^\uFEFF/, '')).map((h) => h.trim());
    col = names.indexOf(options.stratifyBy);
    if (col < 0) {
      throw invalid(
        `${source} has no column "${options.stratifyBy}" (columns: ${names.join(', ')})`,
        'pass an existing column to --stratify-by.',
      );
    }
  }
  const byClass = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const label = col < 0 ? '' : (csvFields(r)[col] ?? '');
    const list = byClass.get(label);
    if (list === undefined) byClass.set(label, [i]);
    else list.push(i);
  });
  const rand = seededRandom(options.seed);
  const isTest = new Uint8Array(rows.length);
  const classes: Record<string, { train: number; test: number }> = {};
  for (const label of [...byClass.keys()].sort()) {
    const idx = [...byClass.get(label)!];
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const nTest = Math.round(idx.length * f);
    for (let k = 0; k < nTest; k++) isTest[idx[k]!] = 1;
    classes[label] = { train: idx.length - nTest, test: nTest };
  }
  let train = preamble + (header.endsWith('\n') ? header : header + eol);
  let test = train;
  let trainRows = 0;
  let testRows = 0;
  rows.forEach((r, i) => {
    if (isTest[i]) {
      test += r;
      testRows++;
    } else {
      train += r;
      trainRows++;
    }
  });
  return { train, test, trainRows, testRows, classes };
}

export async function splitCsvFile(
  file: string,
  outTrain: string,
  outTest: string,
  options: SplitOptions,
): Promise<Omit<SplitResult, 'train' | 'test'>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AquaopsError('AQUAOPS_E_DVC_PATH_MISSING', `${file} does not exist`, { hint: 'check the input path.' });
  }
  const { train, test, ...rest } = splitCsv(text, options, file);
  await writeFileAtomic(outTrain, train);
  await writeFileAtomic(outTest, test);
  return rest;
}
