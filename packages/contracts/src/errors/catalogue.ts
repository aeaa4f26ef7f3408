/**
 * The one catalogue of aquaops error codes. API responses, CLI messages and the docs all take
 * codes from here; each entry fixes the HTTP status a code maps to and a one-line meaning.
 * Entries are grouped by domain in separate files so that each domain owns its codes.
 */
export interface ErrorEntry {
  readonly status: number;
  /** One line: what this error means. */
  readonly title: string;
}

export type Catalogue = Readonly<Record<`AQUAOPS_E_${string}`, ErrorEntry>>;
