/**
 * Every command group of the CLI, registered in one place. Each module adds its subcommands
 * to the program it is given; they share `CliContext` for output and the `--debug` flag.
 */
import type { Command } from 'commander';
import type { Io } from '../output.js';

export interface CliContext {
  readonly io: Io;
  /** Set when a command is interrupted (Ctrl-C); long commands poll it to stop cleanly. */
  readonly signal: AbortSignal;
}

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export const commandGroups: readonly RegisterCommands[] = [];
