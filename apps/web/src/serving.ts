/** What the app knows about the served model: loading, unavailable (with the reason), or ready. */
import type { ModelVersionDetail } from './api/types.js';

export type ServingState =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly message: string }
  | { readonly status: 'none'; readonly message: string }
  | { readonly status: 'ready'; readonly model: ModelVersionDetail };
