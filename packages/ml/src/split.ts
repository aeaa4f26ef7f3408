/**
 * Stratified resampling plans: k-fold, repeated k-fold and a single train/test split. Each
 * class's rows are shuffled with a seeded `Rng` and dealt to folds round-robin, the dealing
 * continuing across classes, so every fold's per-class count is within one row of its share
 * and fold sizes differ by at most one. Index arrays are sorted ascending (cache-friendly
 * `takeRows`), and the same seed gives the same plan on every platform.
 */
import { MlError, invalidArgument } from './errors.js';
import { Rng } from './rng.js';
import { checkLabels } from './metrics/validate.js';

export interface Fold {
  /** 0-based repeat number (0 for plain k-fold). */
  readonly repeat: number;
  /** 0-based fold number within the repeat. */
  readonly fold: number;
  readonly train: Int32Array;
  readonly test: Int32Array;
}

export interface TrainTestSplit {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) {
    throw invalidArgument('seed', 'an integer', String(seed), 'Pass an integer seed, e.g. 42.');
  }
}

function classIndices(y: Uint8Array): [Int32Array, Int32Array] {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i] as number;
  const neg = new Int32Array(y.length - pos);
  const posIdx = new Int32Array(pos);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) posIdx[b++] = i;
    else neg[a++] = i;
  }
  return [neg, posIdx];
}

/** Fold number of every row for one repeat. */
function assignFolds(classes: readonly Int32Array[], n: number, k: number, rng: Rng): Int32Array {
  const foldOf = new Int32Array(n);
  let next = 0;
  for (const members of classes) {
    const shuffled = rng.shuffle(Int32Array.from(members));
    for (let t = 0; t < shuffled.length; t++) {
      foldOf[shuffled[t] as number] = next;
      next = next + 1 === k ? 0 : next + 1;
    }
  }
  return foldOf;
}

function foldsFromAssignment(foldOf: Int32Array, k: number, repeat: number): Fold[] {
  const n = foldOf.length;
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[foldOf[i] as number] = (sizes[foldOf[i] as number] as number) + 1;
  const out: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(sizes[f] as number);
    const train = new Int32Array(n - (sizes[f] as number));
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (foldOf[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    out.push({ repeat, fold: f, train, test });
  }
  return out;
}

function checkK(n: number, k: number): void {
  if (!Number.isInteger(k) || k < 2) {
    throw invalidArgument('k', 'an integer >= 2', String(k), 'Use e.g. 5 folds.');
  }
  if (k > n) {
    throw invalidArgument('k', `at most the number of rows (${n})`, String(k), 'Use fewer folds or more rows.');
  }
}

function checkLabelsNonEmpty(y: ArrayLike<number>): Uint8Array {
  if (y.length === 0) {
    throw new MlError('AQUAOPS_E_ML_EMPTY_DATA', {
      argument: 'y',
      expected: 'at least one label',
      found: 'an empty vector',
      fix: 'Split a non-empty data set.',
    });
  }
  return checkLabels(y, 'y');
}

/**
 * Stratified k-fold: every row is in exactly one test fold. A class with fewer rows than k
 * simply leaves some folds without it (scikit-learn warns in that case; we do not log).
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed: number): Fold[] {
  return repeatedStratifiedKFold(y, k, 1, seed);
}

/** `repeats` independent stratified k-fold plans from one seeded stream, repeat-major order. */
export function repeatedStratifiedKFold(y: ArrayLike<number>, k: number, repeats: number, seed: number): Fold[] {
  const labels = checkLabelsNonEmpty(y);
  checkK(labels.length, k);
  checkSeed(seed);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw invalidArgument('repeats', 'a positive integer', String(repeats), 'Use e.g. 5 repeats.');
  }
  const classes = classIndices(labels);
  const rng = new Rng(seed);
  const out: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    out.push(...foldsFromAssignment(assignFolds(classes, labels.length, k, rng), k, r));
  }
  return out;
}

/**
 * One stratified split. The test set has round(n * testFraction) rows, shared between the
 * classes by largest remainder so each class keeps its proportion to within one row.
 */
export function stratifiedTrainTestSplit(y: ArrayLike<number>, testFraction: number, seed: number): TrainTestSplit {
  const labels = checkLabelsNonEmpty(y);
  checkSeed(seed);
  if (!(testFraction > 0 && testFraction < 1)) {
    throw invalidArgument(
      'testFraction',
      'a number in (0, 1)',
      String(testFraction),
      'Use e.g. 0.2 for a 20% test set.',
    );
  }
  const n = labels.length;
  const nTest = Math.round(n * testFraction);
  if (nTest === 0 || nTest === n) {
    throw invalidArgument(
      'testFraction',
      `a fraction leaving at least one row on each side (n = ${n})`,
      String(testFraction),
      'Use more rows or a test fraction closer to 0.5.',
    );
  }
  const classes = classIndices(labels);
  const exact = classes.map((c) => (c.length * nTest) / n);
  const take = exact.map(Math.floor);
  let left = nTest - take.reduce((a, b) => a + b, 0);
  const byRemainder = [0, 1].sort(
    (a, b) => (exact[b] as number) - (take[b] as number) - ((exact[a] as number) - (take[a] as number)),
  );
  for (const c of byRemainder) {
    if (left === 0) break;
    take[c] = (take[c] as number) + 1;
    left--;
  }
  const rng = new Rng(seed);
  const isTest = new Uint8Array(n);
  classes.forEach((members, c) => {
    const shuffled = rng.shuffle(Int32Array.from(members));
    for (let t = 0; t < (take[c] as number); t++) isTest[shuffled[t] as number] = 1;
  });
  const test = new Int32Array(nTest);
  const train = new Int32Array(n - nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i] === 1) test[a++] = i;
    else train[b++] = i;
  }
  return { train, test };
}

/**
 * Folds from externally fixed test sets (e.g. the reference CV plan in `folds.json`), checked
 * to be a partition of `0..n-1` within each repeat; train sets are the complements.
 */
export function foldsFromTestSets(
  n: number,
  sets: readonly { readonly repeat: number; readonly fold: number; readonly test: ArrayLike<number> }[],
): Fold[] {
  if (!Number.isInteger(n) || n < 2) {
    throw invalidArgument('n', 'an integer >= 2', String(n), 'Pass the number of rows the folds index.');
  }
  const coverage = new Map<number, Uint8Array>();
  const out: Fold[] = [];
  sets.forEach((s, k) => {
    let seen = coverage.get(s.repeat);
    if (seen === undefined) {
      seen = new Uint8Array(n);
      coverage.set(s.repeat, seen);
    }
    const inTest = new Uint8Array(n);
    for (let t = 0; t < s.test.length; t++) {
      const i = s.test[t] as number;
      if (!Number.isInteger(i) || i < 0 || i >= n) {
        throw invalidArgument(`sets[${k}].test[${t}]`, `a row index in 0..${n - 1}`, String(i), 'Use 0-based indices.');
      }
      if (seen[i] === 1) {
        throw invalidArgument(
          `sets[${k}].test[${t}]`,
          `a row not already in another test fold of repeat ${s.repeat}`,
          `row ${i} twice`,
          'Each row must be in exactly one test fold per repeat.',
        );
      }
      seen[i] = 1;
      inTest[i] = 1;
    }
    const test = new Int32Array(s.test.length);
    const train = new Int32Array(n - s.test.length);
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (inTest[i] === 1) test[a++] = i;
      else train[b++] = i;
    }
    out.push({ repeat: s.repeat, fold: s.fold, train, test });
  });
  for (const [repeat, seen] of coverage) {
    const missing = seen.indexOf(0);
    if (missing !== -1) {
      throw invalidArgument(
        'sets',
        `test folds of repeat ${repeat} covering every row 0..${n - 1}`,
        `row ${missing} in no test fold`,
        'Pass the complete fold plan.',
      );
    }
  }
  return out;
}
