/**
 * Error codes of data versioning (DVC-compatible `.dvc` files, cache and remotes), the
 * pipeline runner (`dvc.yaml`, `dvc.lock`, `params.yaml`) and `import-url`. Each code names one
 * thing the user can act on: a malformed file, a missing path, a cycle, a failed stage.
 */
import type { Catalogue } from './catalogue.js';

export const dvcErrors = {
  AQUAOPS_E_DVC_NO_REPO: { status: 400, title: 'No .dvc directory was found in this directory or its parents.' },
  AQUAOPS_E_DVC_PATH_MISSING: { status: 404, title: 'A data path, dependency or output does not exist.' },
  AQUAOPS_E_DVC_FILE_INVALID: {
    status: 422,
    title: 'A .dvc, dvc.yaml, dvc.lock, params or .dvc/config file is malformed.',
  },
  AQUAOPS_E_DVC_CACHE_MISSING: { status: 404, title: 'A content object is neither in the cache nor on the remote.' },
  AQUAOPS_E_DVC_CACHE_CORRUPT: { status: 422, title: 'A cache object does not match its md5 (corrupt).' },
  AQUAOPS_E_DVC_UNSAVED_CHANGES: {
    status: 409,
    title: 'A workspace file has changes that are not in the cache; overwriting it would lose them.',
  },
  AQUAOPS_E_DVC_REMOTE: { status: 502, title: 'The remote is not configured or cannot be reached.' },
  AQUAOPS_E_DVC_PIPELINE_CYCLE: { status: 422, title: 'The stages of dvc.yaml depend on each other in a cycle.' },
  AQUAOPS_E_DVC_PARAM_MISSING: { status: 422, title: 'A stage uses a parameter that the params file lacks.' },
  AQUAOPS_E_DVC_STAGE_UNKNOWN: { status: 404, title: 'No stage of that name exists in dvc.yaml.' },
  AQUAOPS_E_DVC_STAGE_FAILED: { status: 500, title: 'A pipeline stage command exited with a non-zero code.' },
  AQUAOPS_E_DVC_GIT: { status: 500, title: 'Reading a file at a git revision failed.' },
  AQUAOPS_E_DVC_DOWNLOAD: { status: 502, title: 'Downloading a URL failed (network or HTTP status).' },
  AQUAOPS_E_DVC_CHECKSUM: { status: 422, title: 'Downloaded content does not match the expected sha256.' },
  AQUAOPS_E_DVC_CSV_INVALID: { status: 422, title: 'A CSV file to split is malformed or lacks the label column.' },
} as const satisfies Catalogue;
