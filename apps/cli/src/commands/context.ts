/**
 * What every command module shares: the output channel, the interrupt signal, and the helper
 * that lets several modules add subcommands to one group (e.g. `data validate` and `data add`).
 * Kept apart from the command list so command modules never import the list that imports them.
 */
import type { Command } from 'commander';
import type { Io } from '../output.js';

export interface CliContext {
  readonly io: Io;
  /** Set when a command is interrupted (Ctrl-C); long commands poll it to stop cleanly. */
  readonly signal: AbortSignal;
}

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

/** The subcommand `name` of `program`, created on first use so several modules can add to one group. */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  return existing ?? program.command(name).description(description);
}
