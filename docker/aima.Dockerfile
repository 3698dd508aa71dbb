# syntax=docker/dockerfile:1
# The AIMA control plane: REST + WebSocket API, the dashboard UI, the job queue and the GPU pool.
# It runs ML itself only when no GPU worker is used (an in-process CPU worker, as `aima serve`
# does on one machine); see README "Deploy". Build from the repository root:
#   docker build -f docker/aima.Dockerfile -t aima .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dependencies (dev included: the CLI runs TypeScript through tsx) and the UI bundle
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so a source edit does not re-run `npm install`.
COPY package.json package-lock.json .npmrc ./
COPY ingest/package.json ingest/
COPY inference/package.json inference/
COPY storage/package.json storage/
COPY dashboard/package.json dashboard/
# `npm install`, not `npm ci` (README: the lock file lacks other platforms' optional packages).
# .npmrc skips onnxruntime-node's CUDA download: the control plane runs ML on the CPU only.
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build:ui
# The mediasoup worker (WebRTC live view, WHIP): `npm install` leaves it out (package.json
# allowScripts), this fetches mediasoup's prebuilt one or builds it. Where that cannot work, build
# with --build-arg AIMA_WEBRTC=0: the live view then uses MSE.
ARG AIMA_WEBRTC=1
RUN if [ "$AIMA_WEBRTC" = "1" ]; then npm run setup:webrtc; fi

# ---- runtime
FROM ${NODE_IMAGE}
# ffmpeg decodes media (Debian's build, as the tests use); pocketsphinx is the download-free ASR.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg libssl3 pocketsphinx pocketsphinx-en-us ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid, so volume ownership is predictable across rebuilds.
RUN groupadd --system --gid 10001 aima \
  && useradd --system --uid 10001 --gid aima --home-dir /home/aima --create-home aima \
  && mkdir -p /data /models /home/aima/.cache/aima \
  && chown -R aima:aima /data /models /home/aima
WORKDIR /app
COPY --from=build --chown=aima:aima /app /app
ENV NODE_ENV=production \
    AIMA_DATA_DIR=/data \
    AIMA_HOST=0.0.0.0 \
    AIMA_PORT=8080 \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe
VOLUME ["/data"]
USER aima
EXPOSE 8080
# Node's own fetch: the slim image has no curl. /healthz needs no token.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AIMA_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini as PID 1: SIGTERM reaches aima (which flushes results and stops ffmpeg children), and
# exited ffmpeg processes are reaped. (So compose needs no `init: true`.)
ENTRYPOINT ["tini", "--", "node", "--initial-old-space-size=128", "/app/bin/aima"]
CMD ["serve"]
