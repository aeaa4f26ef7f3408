/**
 * Loading of the shared water-potability data for benchmarks: the CSV (refused unless its sha256
 * is the published one, so figures are only ever compared on the same bytes) and the 25 fixed CV
 * folds of folds.json (refused unless made for that same file). Parsing is strict: a malformed
 * cell is reported with its line and column instead of silently becoming a missing value.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Fold, foldsFromTestSets, type Labels, type Matrix, matrix } from '@aquaops/ml';

export const POTABILITY_SHA256 = '904004bde729bfe3d2e195f46343bceead09e32a0eb95bb8184e7e20e029b2bf';
export const POTABILITY_COLUMNS = [
  'ph',
  'Hardness',
  'Solids',
  'Chloramines',
  'Sulfate',
  'Conductivity',
  'Organic_carbon',
  'Trihalomethanes',
  'Turbidity',
  'Potability',
] as const;

/** A bench precondition that does not hold (wrong file, bad folds): the bench refuses to run. */
export class BenchInputError extends Error {
  override readonly name = 'BenchInputError';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message} ${fix}`);
  }
}

export interface SharedPaths {
  readonly root: string;
  readonly csv: string;
  readonly folds: string;
  readonly cv: string;
  readonly scale: string;
}

/** Paths inside the read-only shared directory (default: ../shared next to the working directory). */
export function sharedPaths(root = path.resolve(process.cwd(), '../shared')): SharedPaths {
  return {
    root,
    csv: path.join(root, 'data/water_potability.csv'),
    folds: path.join(root, 'data/folds.json'),
    cv: path.join(root, 'baseline/cv.json'),
    scale: path.join(root, 'baseline/scale.json'),
  };
}

export interface Potability {
  readonly X: Matrix;
  readonly y: Labels;
  readonly sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Parses the potability CSV bytes (CRLF or LF, empty field = missing feature). With
 * `expectedSha256` set, other bytes are refused before parsing.
 */
export function parsePotabilityCsv(
  bytes: Uint8Array,
  expectedSha256?: string,
  source = 'water_potability.csv',
): Potability {
  const sha = sha256Hex(bytes);
  if (expectedSha256 !== undefined && sha !== expectedSha256) {
    throw new BenchInputError(
      `${source}: sha256 ${sha} differs from the expected ${expectedSha256}; the bench refuses to compare figures on other data.`,
      'Point the bench at the byte-exact shared copy (../shared/data/water_potability.csv).',
    );
  }
  const lines = Buffer.from(bytes).toString('utf8').split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const header = (lines[0] ?? '').split(',');
  if (header.join(',') !== POTABILITY_COLUMNS.join(',')) {
    throw new BenchInputError(
      `${source}: line 1 header is "${header.join(',')}", expected "${POTABILITY_COLUMNS.join(',')}".`,
      'Use the water-potability CSV with its original header.',
    );
  }
  const nCols = POTABILITY_COLUMNS.length - 1;
  const nRows = lines.length - 1;
  const data = new Float64Array(nRows * nCols);
  const y = new Uint8Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const cells = (lines[i + 1] as string).split(',');
    if (cells.length !== nCols + 1) {
      throw new BenchInputError(
        `${source}: line ${i + 2} has ${cells.length} fields, expected ${nCols + 1}.`,
        'Repair or re-fetch the file.',
      );
    }
    for (let j = 0; j < nCols; j++) {
      const c = cells[j] as string;
      const v = c === '' ? Number.NaN : Number(c);
      if (c !== '' && !Number.isFinite(v)) {
        throw new BenchInputError(
          `${source}: line ${i + 2}, column ${POTABILITY_COLUMNS[j]}: "${c}" is not a number.`,
          'Leave missing values empty; every other cell must be a finite number.',
        );
      }
      data[j * nRows + i] = v;
    }
    const label = cells[nCols] as string;
    if (label !== '0' && label !== '1') {
      throw new BenchInputError(
        `${source}: line ${i + 2}, column Potability: "${label}" is not 0 or 1.`,
        'The label must be 0 (not potable) or 1 (potable).',
      );
    }
    y[i] = label === '1' ? 1 : 0;
  }
  return { X: matrix(nRows, nCols, data, POTABILITY_COLUMNS.slice(0, nCols)), y, sha256: sha };
}

export function loadPotability(csvPath: string, expectedSha256: string = POTABILITY_SHA256): Potability {
  if (!existsSync(csvPath)) {
    throw new BenchInputError(`${csvPath} does not exist.`, 'Run from the repository root with ../shared next to it.');
  }
  return parsePotabilityCsv(readFileSync(csvPath), expectedSha256, csvPath);
}

interface FoldsFile {
  readonly dataset_sha256?: unknown;
  readonly n_rows?: unknown;
  readonly folds?: unknown;
}

/** Turns folds.json content into train/test folds, checking it was made for `data`. */
export function parseFolds(json: string, data: Potability, source = 'folds.json'): Fold[] {
  let parsed: FoldsFile;
  try {
    parsed = JSON.parse(json) as FoldsFile;
  } catch (e) {
    throw new BenchInputError(`${source} is not valid JSON (${(e as Error).message}).`, 'Re-fetch the folds file.');
  }
  if (parsed.dataset_sha256 !== data.sha256) {
    throw new BenchInputError(
      `${source} was made for dataset sha256 ${String(parsed.dataset_sha256)}, not ${data.sha256}.`,
      'Use the folds file published next to the dataset.',
    );
  }
  if (parsed.n_rows !== data.X.nRows || !Array.isArray(parsed.folds) || parsed.folds.length === 0) {
    throw new BenchInputError(
      `${source}: expected n_rows ${data.X.nRows} and a non-empty "folds" array.`,
      'Use the folds file published next to the dataset.',
    );
  }
  const sets = (parsed.folds as unknown[]).map((f, k) => {
    const o = f as { repeat?: unknown; fold?: unknown; test?: unknown };
    if (typeof o.repeat !== 'number' || typeof o.fold !== 'number' || !Array.isArray(o.test)) {
      throw new BenchInputError(
        `${source}: folds[${k}] lacks numeric "repeat"/"fold" or a "test" array.`,
        'Use the folds file published next to the dataset.',
      );
    }
    return { repeat: o.repeat, fold: o.fold, test: o.test as number[] };
  });
  return foldsFromTestSets(data.X.nRows, sets);
}

export function loadFolds(foldsPath: string, data: Potability): Fold[] {
  if (!existsSync(foldsPath)) {
    throw new BenchInputError(
      `${foldsPath} does not exist.`,
      'Run from the repository root with ../shared next to it.',
    );
  }
  return parseFolds(readFileSync(foldsPath, 'utf8'), data, foldsPath);
}
