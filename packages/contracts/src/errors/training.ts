/** Error codes of training runs (search, selection, final fit). */
import type { Catalogue } from './catalogue.js';

export const trainingErrors = {
  AQUAOPS_E_TRAIN_NO_MODEL: {
    status: 422,
    title: 'No candidate model finished training (all trials failed or the run was stopped first).',
  },
  AQUAOPS_E_TRAIN_INTERRUPTED: {
    status: 409,
    title: 'The training run was interrupted before it could register a model.',
  },
} as const satisfies Catalogue;
