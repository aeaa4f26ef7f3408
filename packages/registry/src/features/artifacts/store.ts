/**
 * The artifact store interface: content-addressed blobs (model files, reports) keyed by their
 * sha256. Every `get` re-hashes what it read and refuses a mismatch, so a corrupt or tampered
 * file is never loaded. The interface is deliberately small (put/get/has/delete/list, no
 * rename or partial writes) so that an S3-compatible object store can implement it directly:
 * keys map to object names, `put` to a PUT after hashing, `list` to a prefix listing.
 */

export interface PutResult {
  readonly sha256: string;
  readonly size: number;
}

export interface BlobInfo {
  readonly sha256: string;
  readonly size: number;
  /** Last modification, ms since epoch: lets gc spare blobs a registration is still writing. */
  readonly modifiedMs: number;
}

/** What the blob belongs to, so a checksum error can name the model version. */
export interface ArtifactContext {
  readonly model?: string;
  readonly version?: number;
  readonly name?: string;
}

export type ArtifactSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface ArtifactStore {
  /** What the store is, for messages. */
  readonly description: string;
  /** Stores the bytes (idempotent: the same content gives the same key). */
  put(data: ArtifactSource): Promise<PutResult>;
  /**
   * Reads and verifies. Missing → AQUAOPS_E_ARTIFACT_MISSING; bytes not hashing to `sha256` →
   * AQUAOPS_E_ARTIFACT_CORRUPT naming the version (from `context`) and both checksums.
   */
  get(sha256: string, context?: ArtifactContext): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** Returns whether a blob was removed. */
  delete(sha256: string): Promise<boolean>;
  list(): Promise<BlobInfo[]>;
}
