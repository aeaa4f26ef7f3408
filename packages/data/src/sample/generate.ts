/**
 * Synthetic potability data for demos, tests and the embedded default, generated from the
 * published per-class statistics of the public water-potability dataset (class balance, class
 * means and standard deviations, missing rates — facts, copied below; no real row is used).
 * Like the real data it has almost no mean shift between classes: the signal is the class-wise
 * difference in spread (e.g. Sulfate std 36.7 vs 47.7), which QDA and trees can learn and linear
 * models cannot. Solids and Conductivity are right-skewed in the real data, so they are drawn
 * from gamma distributions with the same mean and std; the rest are Gaussian. Values are clipped
 * to physical bounds. Output is labelled synthetic and deterministic per seed.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { AquaopsError } from '@aquaops/contracts';
import { Rng, matrix } from '@aquaops/ml';
import type { Matrix } from '@aquaops/ml';

interface ClassStat {
  readonly mean: number;
  readonly std: number;
  readonly missing: number;
}

interface FeatureStat {
  readonly name: string;
  readonly dist: 'normal' | 'gamma';
  readonly min: number;
  readonly max: number;
  /** [class 0, class 1] */
  readonly cls: readonly [ClassStat, ClassStat];
}

/** Per-class statistics of water_potability.csv (shared/data/README.md). */
export const POTABILITY_STATS: readonly FeatureStat[] = [
  {
    name: 'ph',
    dist: 'normal',
    min: 0,
    max: 14,
    cls: [
      { mean: 7.0854, std: 1.6835, missing: 0.157 },
      { mean: 7.0738, std: 1.448, missing: 0.138 },
    ],
  },
  {
    name: 'Hardness',
    dist: 'normal',
    min: 0,
    max: 100000,
    cls: [
      { mean: 196.733, std: 31.058, missing: 0 },
      { mean: 195.801, std: 35.547, missing: 0 },
    ],
  },
  {
    name: 'Solids',
    dist: 'gamma',
    min: 0,
    max: 1000000,
    cls: [
      { mean: 21777.5, std: 8543.1, missing: 0 },
      { mean: 22384.0, std: 9101.0, missing: 0 },
    ],
  },
  {
    name: 'Chloramines',
    dist: 'normal',
    min: 0,
    max: 10000,
    cls: [
      { mean: 7.0922, std: 1.501, missing: 0 },
      { mean: 7.1693, std: 1.703, missing: 0 },
    ],
  },
  {
    name: 'Sulfate',
    dist: 'normal',
    min: 0,
    max: 100000,
    cls: [
      { mean: 334.564, std: 36.746, missing: 0.244 },
      { mean: 332.567, std: 47.693, missing: 0.229 },
    ],
  },
  {
    name: 'Conductivity',
    dist: 'gamma',
    min: 0,
    max: 200000,
    cls: [
      { mean: 426.73, std: 80.047, missing: 0 },
      { mean: 425.384, std: 82.048, missing: 0 },
    ],
  },
  {
    name: 'Organic_carbon',
    dist: 'normal',
    min: 0,
    max: 100000,
    cls: [
      { mean: 14.364, std: 3.3346, missing: 0 },
      { mean: 14.161, std: 3.2639, missing: 0 },
    ],
  },
  {
    name: 'Trihalomethanes',
    dist: 'normal',
    min: 0,
    max: 1000000,
    cls: [
      { mean: 66.304, std: 16.079, missing: 0.054 },
      { mean: 66.54, std: 16.327, missing: 0.043 },
    ],
  },
  {
    name: 'Turbidity',
    dist: 'normal',
    min: 0,
    max: 10000,
    cls: [
      { mean: 3.9658, std: 0.7803, missing: 0 },
      { mean: 3.9683, std: 0.7808, missing: 0 },
    ],
  },
];

/** 1278 of 3276 rows are potable in the real data. */
export const POTABLE_RATE = 1278 / 3276;
export const SAMPLE_LABEL = 'Potability';
export const SAMPLE_GENERATOR = 'aquaops-sample/1';

export interface SampleOptions {
  readonly rows: number;
  readonly seed: number;
  /** Fraction of positive (potable) rows; default the real data's 39.0%. */
  readonly positiveRate?: number;
}

function check(opts: SampleOptions): void {
  if (!Number.isInteger(opts.rows) || opts.rows < 1) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `rows must be a positive integer, got ${opts.rows}.`, {
      hint: 'Pass --rows N with N >= 1.',
      details: [{ path: 'rows', expected: 'a positive integer', found: String(opts.rows) }],
    });
  }
  if (!Number.isInteger(opts.seed)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `seed must be an integer, got ${opts.seed}.`, {
      hint: 'Pass --seed S with an integer S.',
      details: [{ path: 'seed', expected: 'an integer', found: String(opts.seed) }],
    });
  }
  const p = opts.positiveRate;
  if (p !== undefined && !(p > 0 && p < 1)) {
    throw new AquaopsError('AQUAOPS_E_USAGE', `positiveRate must be in (0, 1), got ${p}.`, {
      hint: 'Use a fraction such as 0.39.',
      details: [{ path: 'positiveRate', expected: 'a number in (0, 1)', found: String(p) }],
    });
  }
}

/** Gamma(shape k, scale theta) by Marsaglia & Tsang (k >= 1 here: all shapes are > 6). */
function gamma(rng: Rng, k: number, theta: number): number {
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * theta;
  }
}

/**
 * Draws rows one at a time: `fill(out)` writes the features (NaN = missing) into `out` and
 * returns the label. The same seed gives the same sequence on every platform.
 */
export class SampleGenerator {
  private readonly rng: Rng;
  private readonly p: number;
  readonly featureNames: readonly string[] = POTABILITY_STATS.map((f) => f.name);

  constructor(readonly options: SampleOptions) {
    check(options);
    this.rng = new Rng(options.seed);
    this.p = options.positiveRate ?? POTABLE_RATE;
  }

  fill(out: Float64Array): 0 | 1 {
    const rng = this.rng;
    const y: 0 | 1 = rng.next() < this.p ? 1 : 0;
    for (let j = 0; j < POTABILITY_STATS.length; j++) {
      const f = POTABILITY_STATS[j] as FeatureStat;
      const s = f.cls[y];
      // Draw the value even when it will be dropped, so missingness does not shift the stream.
      let v: number;
      if (f.dist === 'gamma') {
        const k = (s.mean / s.std) ** 2;
        v = gamma(rng, k, s.std ** 2 / s.mean);
      } else v = s.mean + s.std * rng.normal();
      if (v < f.min) v = f.min;
      if (v > f.max) v = f.max;
      const miss = rng.next() < s.missing;
      out[j] = miss ? Number.NaN : v;
    }
    return y;
  }
}

/** Synthetic rows as an in-memory training set (no CSV round trip). */
export function sampleDataset(opts: SampleOptions): { X: Matrix; y: Uint8Array; featureNames: readonly string[] } {
  const g = new SampleGenerator(opts);
  const n = opts.rows;
  const nf = g.featureNames.length;
  const data = new Float64Array(n * nf);
  const y = new Uint8Array(n);
  const row = new Float64Array(nf);
  for (let i = 0; i < n; i++) {
    y[i] = g.fill(row);
    for (let j = 0; j < nf; j++) data[j * n + i] = row[j] as number;
  }
  return { X: matrix(n, nf, data, g.featureNames), y, featureNames: g.featureNames };
}

function formatValue(v: number): string {
  return v !== v ? '' : v.toPrecision(10);
}

/** The `# synthetic …` first line that marks generated files (the ingest skips `#` lines on top). */
export function sampleComment(opts: SampleOptions): string {
  return `# synthetic water-potability sample (${SAMPLE_GENERATOR}, rows=${opts.rows}, seed=${opts.seed}): generated from published per-class statistics, not real measurements`;
}

/** CSV lines (comment, header, rows), produced lazily in blocks of up to `block` rows. */
export function* sampleCsvBlocks(opts: SampleOptions, block = 8192): Generator<string> {
  const g = new SampleGenerator(opts);
  const row = new Float64Array(g.featureNames.length);
  yield `${sampleComment(opts)}\n${[...g.featureNames, SAMPLE_LABEL].join(',')}\n`;
  let lines: string[] = [];
  for (let i = 0; i < opts.rows; i++) {
    const y = g.fill(row);
    let line = '';
    for (let j = 0; j < row.length; j++) line += `${formatValue(row[j] as number)},`;
    lines.push(`${line}${y}`);
    if (lines.length === block) {
      yield `${lines.join('\n')}\n`;
      lines = [];
    }
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
}

/** The whole sample as CSV text (small sizes; use writeSampleCsv for big files). */
export function sampleCsv(opts: SampleOptions): string {
  return [...sampleCsvBlocks(opts)].join('');
}

export interface SampleMeta {
  readonly synthetic: true;
  readonly generator: string;
  readonly rows: number;
  readonly seed: number;
  readonly positiveRate: number;
  readonly schema: string;
  readonly source: string;
  readonly note: string;
}

/** Streams the sample to `file` (bounded memory) and writes `FILE.meta.json` beside it. */
export async function writeSampleCsv(file: string, opts: SampleOptions): Promise<SampleMeta> {
  check(opts);
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([e]) => {
    throw e;
  });
  failed.catch(() => undefined);
  try {
    for (const chunk of sampleCsvBlocks(opts)) {
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
  } catch (err) {
    out.destroy();
    throw new AquaopsError('AQUAOPS_E_DATA_UNREADABLE', `Cannot write ${file}: ${(err as Error).message}.`, {
      hint: 'Check that the directory exists and is writable.',
      cause: err,
    });
  }
  const meta: SampleMeta = {
    synthetic: true,
    generator: SAMPLE_GENERATOR,
    rows: opts.rows,
    seed: opts.seed,
    positiveRate: opts.positiveRate ?? POTABLE_RATE,
    schema: 'water-potability',
    source: 'per-class mean/std/missing rates of the public water-potability dataset (shared/data/README.md)',
    note: 'Synthetic data: not real measurements. Do not use for claims about real water.',
  };
  await writeFile(`${file}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}
