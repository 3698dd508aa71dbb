# syntax=docker/dockerfile:1
# An AIMA inference worker (`aima worker`) for NVIDIA GPUs: CUDA 12 + cuDNN 9 runtime, Node 20,
# ffmpeg, and onnxruntime-node with its CUDA execution provider. It needs nothing else: the GPU
# pool starts this image on rented machines (RunPod, Vast.ai) and it joins the control plane with
# a one-time token. Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t aima-worker .

ARG NODE_IMAGE=node:20-bookworm-slim
# onnxruntime-node 1.30's CUDA EP is built for CUDA 12 and cuDNN 9.
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04

FROM ${NODE_IMAGE} AS node

# ---- build: dependencies on the same base as the runtime (native addons match its glibc)
FROM ${CUDA_IMAGE} AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY ingest/package.json ingest/
COPY inference/package.json inference/
COPY storage/package.json storage/
COPY dashboard/package.json dashboard/
# The repository's .npmrc skips onnxruntime-node's CUDA download (the CI machine has no GPU and no
# internet). This image is the one place that needs it: drop the skip and ask for the CUDA 12 EP
# binaries explicitly (the environment variable wins over any npm config).
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
RUN sed -i '/^onnxruntime-node-install/d' .npmrc \
  && npm install --no-audit --no-fund \
  && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
COPY . .

# ---- runtime
FROM ${CUDA_IMAGE}
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg pocketsphinx pocketsphinx-en-us ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 aima \
  && useradd --system --uid 10001 --gid aima --home-dir /home/aima --create-home aima \
  && mkdir -p /data /home/aima/.cache/aima \
  && chown -R aima:aima /data /home/aima
WORKDIR /app
COPY --from=build --chown=aima:aima /app /app
ENV NODE_ENV=production \
    AIMA_DATA_DIR=/data \
    AIMA_CACHE_DIR=/home/aima/.cache/aima/models \
    AIMA_EP=cuda \
    FFMPEG_PATH=/usr/bin/ffmpeg \
    FFPROBE_PATH=/usr/bin/ffprobe \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,video
USER aima
# The worker dials out to the control plane; it listens on nothing.
# tini as PID 1: SIGTERM reaches aima (which flushes results and stops ffmpeg children), and
# exited ffmpeg processes are reaped. (So compose needs no `init: true`.)
# No arguments (how RunPod and Vast.ai start it): `aima worker` from AIMA_SERVER_URL and
# AIMA_JOIN_TOKEN, which the GPU pool sets on the instance.
ENTRYPOINT ["tini", "--", "/app/docker/worker-entrypoint.sh"]
CMD ["worker"]
