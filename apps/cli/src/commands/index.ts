/**
 * Every command group of the CLI, registered in one place. Each module adds its subcommands
 * to the program it is given; they share `CliContext` for output and the interrupt signal.
 */
import type { Command } from 'commander';
import { registerTrain } from './train.js';
import type { Io } from '../output.js';
import { registerDataDvc } from './data-dvc.js';
import { registerDataIngest } from './data-ingest.js';
import { registerRegistryCommands } from './registry.js';

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

export const commandGroups: readonly RegisterCommands[] = [registerDataIngest, registerDataDvc, registerRegistryCommands, registerTrain];
