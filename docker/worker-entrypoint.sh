#!/bin/sh
# Entry point of the worker image. Rented instances (RunPod, Vast.ai) run the image as it is, with
# no arguments: the GPU pool hands the control plane's URL and a one-time join token in the
# environment (AIMA_SERVER_URL, AIMA_JOIN_TOKEN), which `aima worker` reads itself, so the token
# never shows in the process list. A restarted worker rejoins with the key kept in its data dir
# (AIMA_DATA_DIR/worker-key.json) and needs no token. Any other arguments go to `aima` unchanged
# (`worker --server URL --token T`, `models list`, ...).
set -eu
if [ "$#" -eq 0 ]; then set -- worker; fi
if [ "$#" -eq 1 ] && [ "$1" = worker ] && [ -z "${AIMA_SERVER_URL:-}" ]; then
  echo "aima: CLI_USAGE: set AIMA_SERVER_URL (and AIMA_JOIN_TOKEN to join the first time), or run: worker --server URL --token JOIN_TOKEN" >&2
  exit 2
fi
exec node --initial-old-space-size=128 "$(dirname "$0")/../bin/aima" "$@"
