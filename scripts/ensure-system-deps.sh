#!/usr/bin/env bash
# Installs the Debian packages AIMA's tests use when they are missing (ffmpeg with ffprobe).
# Runs as part of `npm test`, so a fresh machine needs nothing installed by hand. Without root or
# apt, it says so and the project falls back to the ffmpeg bundled through npm.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: ${missing[*]} not installed and cannot apt-get here; using the npm-bundled ffmpeg" >&2
  exit 0
fi

echo "ensure-system-deps: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
