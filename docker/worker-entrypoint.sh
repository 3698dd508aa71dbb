#!/bin/sh
# Entry point of the worker image. Rented instances (RunPod, Vast.ai) run the image as it is, with
# no arguments: the GPU pool hands the control plane's URL and a one-time join token in the
# environment (AIMA_SERVER_URL, AIMA_JOIN_TOKEN), and this turns them into `aima worker` flags.
# Any other arguments go to `aima` unchanged (`worker --server URL --token T`, `models list`, ...).
set -eu
if [ "$#" -eq 0 ] || { [ "$#" -eq 1 ] && [ "$1" = worker ]; }; then
  if [ -z "${AIMA_SERVER_URL:-}" ] || [ -z "${AIMA_JOIN_TOKEN:-}" ]; then
    echo "aima: CLI_USAGE: set AIMA_SERVER_URL and AIMA_JOIN_TOKEN, or run: worker --server URL --token JOIN_TOKEN" >&2
    exit 2
  fi
  set -- worker --server "$AIMA_SERVER_URL" --token "$AIMA_JOIN_TOKEN"
fi
exec node "$(dirname "$0")/../bin/aima" "$@"
