/**
 * How the CLI talks to people: errors become one clear line (code, message, fix) and a
 * non-zero exit; a stack trace appears only with `--debug`. Commands write through an
 * `Io` so tests can capture output without touching process streams.
 */
import { errorCodeOf } from '@aquaops/contracts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** Exit codes: 1 = the command failed (bad data, failed rule), 2 = wrong usage, 3 = internal error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

export function formatError(err: unknown, debug: boolean): { text: string; exitCode: number } {
  const code = errorCodeOf(err);
  const e = err instanceof Error ? err : new Error(String(err));
  const hint = typeof (err as { hint?: unknown }).hint === 'string' ? ` Fix: ${(err as { hint: string }).hint}` : '';
  const stack = debug && e.stack ? `\n${e.stack}` : '';
  if (code !== undefined) {
    const exitCode =
      code === 'AQUAOPS_E_USAGE' ? EXIT_USAGE : code === 'AQUAOPS_E_INTERNAL' ? EXIT_INTERNAL : EXIT_FAILURE;
    return { text: `error ${code}: ${sentence(oneLine(e.message))}${hint}${stack}`, exitCode };
  }
  const sys = (err as { code?: unknown }).code;
  if (typeof sys === 'string' && /^E[A-Z]+$/.test(sys)) {
    // Operating-system errors (ENOENT, EACCES, ...) are the user's to fix, not internal faults.
    return { text: `error ${sys}: ${oneLine(e.message)}${stack}`, exitCode: EXIT_FAILURE };
  }
  return {
    text: `error AQUAOPS_E_INTERNAL: ${oneLine(e.message)}${debug ? stack : ' (run again with --debug for details)'}`,
    exitCode: EXIT_INTERNAL,
  };
}

/** Ends the message with a full stop so the `Fix:` that follows reads as its own sentence. */
function sentence(s: string): string {
  return /[.!?:)]$/.test(s) ? s : `${s}.`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
