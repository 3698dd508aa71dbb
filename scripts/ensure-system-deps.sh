#!/usr/bin/env bash
# Installs the Debian packages AIMA's tests use when they are missing. Runs as part of `npm test`,
# so a fresh machine needs nothing installed by hand:
#   ffmpeg (with ffprobe)                      decoding, probing, recording
#   chromium                                   browser tests (playwright-core drives /usr/bin/chromium)
#   nginx + libnginx-mod-rtmp                  RTMP and HLS test server
#   python3-gi + gir1.2-gst-rtsp-server-1.0    GStreamer RTSP test server (+ the plugins it needs)
#   srt-tools                                  srt-live-transmit, the SRT test relay
#   pocketsphinx + pocketsphinx-en-us          the download-free speech recogniser (asr analyzer)
#   redis-server                               the Redis job-queue adapter's tests (started on 127.0.0.1)
#   docker-compose                             validates docker-compose.yml (`config -q`; no daemon)
# Without root or apt it says what is missing: ffmpeg then falls back to the copy bundled through
# npm, and the tests that need a missing server are skipped with that reason.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || missing+=(libnginx-mod-rtmp)
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' >/dev/null 2>&1 ||
  missing+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad)
command -v srt-live-transmit >/dev/null 2>&1 || missing+=(srt-tools)
[ -x /usr/bin/pocketsphinx_continuous ] || missing+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us/en-us ] || missing+=(pocketsphinx-en-us)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)

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
# nginx's package starts the system service by default; AIMA's tests run their own on loopback.
ours=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && ours=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "$ours" = 1 ] && rm -f /usr/sbin/policy-rc.d
exit 0
