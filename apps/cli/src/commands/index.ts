/**
 * Every command group of the CLI, registered in one place, in the order `--help` lists them.
 */
import { registerBundleCommands } from './bundle.js';
import type { RegisterCommands } from './context.js';
import { registerDataDvc } from './data-dvc.js';
import { registerDataIngest } from './data-ingest.js';
import { registerRegistryCommands } from './registry.js';
import { registerServe } from './serve.js';
import { registerTrain } from './train.js';

export type { CliContext, RegisterCommands } from './context.js';
export { commandGroup } from './context.js';

export const commandGroups: readonly RegisterCommands[] = [
  registerDataIngest,
  registerDataDvc,
  registerTrain,
  registerBundleCommands,
  registerRegistryCommands,
  registerServe,
];
