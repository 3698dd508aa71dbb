#!/usr/bin/env bash
# Installs the Debian packages AIMA's tests use when they are missing: ffmpeg (with ffprobe) and
# chromium (browser tests drive Debian's /usr/bin/chromium through playwright-core). Runs as part of
# `npm test`, so a fresh machine needs nothing installed by hand. Without root or apt it says so:
# ffmpeg then falls back to the copy bundled through npm, and browser tests report chromium missing.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-system-deps: ${missing[*]} not installed and cannot apt-get here" >&2
  exit 0
fi

echo "ensure-system-deps: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
