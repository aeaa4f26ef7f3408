/**
 * Command-line flags of `npm run bench:ml`. Unknown flags and bad values are refused with the
 * usage text, so a typo never silently runs the full multi-minute bench.
 */

export interface BenchArgs {
  readonly smoke: boolean;
  readonly quality: boolean;
  readonly speed: boolean;
  /** Family ids to evaluate (undefined = every family the catalogue has). */
  readonly families: readonly string[] | undefined;
  /** Outer folds to use (undefined = all; 2 under --smoke). */
  readonly folds: number | undefined;
  /** Worker threads for the outer folds (0 = run in this thread). */
  readonly workers: number;
  /** Configurations tried per family by the inner search of a tuned variant. */
  readonly trials: number;
  /** Directory for the JSON result. */
  readonly outDir: string;
  /** Shared reference directory (default ../shared). */
  readonly shared: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run bench:ml -- [flags]
  --smoke            tiny run for CI: 2 folds, 2 families, few trials, small speed sizes (< 60 s)
  --quality-only     only the 25-fold quality comparison
  --speed-only       only the synthetic speed comparison
  --families a,b     only these model families (ids as in the catalogue, e.g. gbm,svm)
  --folds N          only the first N outer folds (default all 25)
  --workers N        worker threads for the outer folds (default 2; 0 = in this thread)
  --trials N         configurations per family in the tuned variants' inner search (default 8)
  --out DIR          directory for the JSON result (default bench/results)
  --shared DIR       shared reference directory (default ../shared)
  --help             this text`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function intArg(name: string, raw: string | undefined, min: number): number {
  const v = Number(raw);
  if (raw === undefined || raw.startsWith('--') || !Number.isInteger(v) || v < min) {
    throw new UsageError(`${name} needs an integer >= ${min}, got ${raw === undefined ? 'nothing' : `"${raw}"`}.`);
  }
  return v;
}

function strArg(name: string, raw: string | undefined): string {
  if (raw === undefined || raw.startsWith('--') || raw.length === 0) {
    throw new UsageError(`${name} needs a value.`);
  }
  return raw;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let smoke = false;
  let qualityOnly = false;
  let speedOnly = false;
  let families: string[] | undefined;
  let folds: number | undefined;
  let workers: number | undefined;
  let trials: number | undefined;
  let outDir = 'bench/results';
  let shared: string | undefined;
  let help = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k] as string;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++k];
    switch (flag) {
      case '--smoke':
        smoke = true;
        break;
      case '--quality-only':
        qualityOnly = true;
        break;
      case '--speed-only':
        speedOnly = true;
        break;
      case '--families': {
        const list = strArg(flag, value())
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        if (list.length === 0) throw new UsageError('--families needs at least one family id.');
        families = list;
        break;
      }
      case '--folds':
        folds = intArg(flag, value(), 1);
        break;
      case '--workers':
        workers = intArg(flag, value(), 0);
        break;
      case '--trials':
        trials = intArg(flag, value(), 1);
        break;
      case '--out':
        outDir = strArg(flag, value());
        break;
      case '--shared':
        shared = strArg(flag, value());
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`Unknown flag "${a}".`);
    }
  }
  if (qualityOnly && speedOnly) throw new UsageError('--quality-only and --speed-only exclude each other.');
  return {
    smoke,
    quality: !speedOnly,
    speed: !qualityOnly,
    families,
    folds: folds ?? (smoke ? 2 : undefined),
    workers: workers ?? 2,
    trials: trials ?? (smoke ? 3 : 8),
    outDir,
    shared,
    help,
  };
}
