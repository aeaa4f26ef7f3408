#!/bin/sh
# One-shot bootstrap used by the compose `train` service and the Kubernetes training Job: when the
# registry has no `champion` for the model, train one (and let `aquaops train` promote it); when it
# already has one, do nothing, so re-running the job never replaces a champion chosen by people.
# It reads the same variables as the API server, so both always point at the same registry:
#   AQUAOPS_STORE_URL     registry store (sqlite:PATH or postgres://…)       — required
#   AQUAOPS_ARTIFACT_DIR  artifact directory shared with the API             — required
#   AQUAOPS_MODEL_NAME    registered model name (default water-potability)
# Every argument is passed on to `aquaops train` (e.g. --data /data/in/water.csv --trials 4).
# Exit codes: 0 champion exists or was trained; 1 registry/training failure; 2 bad setup.
set -eu

if [ -z "${AQUAOPS_STORE_URL:-}" ] || [ -z "${AQUAOPS_ARTIFACT_DIR:-}" ]; then
  echo "train-if-no-champion: AQUAOPS_STORE_URL and AQUAOPS_ARTIFACT_DIR must be set (the same values as the API server's)." >&2
  exit 2
fi
model="${AQUAOPS_MODEL_NAME:-water-potability}"
err_file="$(mktemp)"
trap 'rm -f "$err_file"' EXIT

if aquaops models show "${model}@champion" --store "$AQUAOPS_STORE_URL" --artifacts "$AQUAOPS_ARTIFACT_DIR" --json \
  >/dev/null 2>"$err_file"; then
  echo "train-if-no-champion: ${model} already has a champion; nothing to do."
  exit 0
fi
# Only "the alias does not exist" means "train"; an unreachable database must fail the job instead
# of silently training on top of a registry we could not read.
if ! grep -q 'AQUAOPS_E_NOT_FOUND' "$err_file"; then
  cat "$err_file" >&2
  echo "train-if-no-champion: could not read the registry; not training." >&2
  exit 1
fi

echo "train-if-no-champion: no champion for ${model}; training one."
aquaops train --store "$AQUAOPS_STORE_URL" --artifacts "$AQUAOPS_ARTIFACT_DIR" --model-name "$model" "$@"

if ! aquaops models show "${model}@champion" --store "$AQUAOPS_STORE_URL" --artifacts "$AQUAOPS_ARTIFACT_DIR" --json \
  >/dev/null 2>"$err_file"; then
  cat "$err_file" >&2
  echo "train-if-no-champion: training finished but ${model} still has no champion." >&2
  exit 1
fi
echo "train-if-no-champion: ${model} has a champion now."
