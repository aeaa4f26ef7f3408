/**
 * The `aquaops` command line: parses arguments with commander, runs the command, and turns any
 * error into one line on stderr plus a non-zero exit code (stack traces only with `--debug`).
 */
import { Command, CommanderError } from 'commander';
import { commandGroups } from './commands/index.js';
import { EXIT_USAGE, formatError, processIo } from './output.js';
import type { Io } from './output.js';

export const VERSION = '0.1.0';

export function buildProgram(io: Io, signal: AbortSignal): Command {
  const program = new Command('aquaops')
    .description('aquaops — drinking-water potability: data, training, registry, serving, monitoring')
    .version(VERSION)
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const register of commandGroups) register(program, { io, signal });
  for (const c of program.commands) applyRecursively(c, io);
  return program;
}

function applyRecursively(cmd: Command, io: Io): void {
  cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  cmd.showHelpAfterError('(run with --help for usage)');
  for (const c of cmd.commands) applyRecursively(c, io);
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const debug = argv.includes('--debug');
  const program = buildProgram(io, controller.signal);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit through here with code 0
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const { text, exitCode } = formatError(err, debug);
    io.err(text);
    return exitCode;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
