# syntax=docker/dockerfile:1.7
# animate-server: the gRPC frontend (uploads, job API, watch streams). No model,
# no GPU, no LibTorch: a slim Debian 12 runtime with the server binary, the
# `animate` CLI (used by HEALTHCHECK) and their shared libraries only.
#
# Build from the repository root (the context is the repo; .dockerignore keeps
# it to the build inputs):
#   docker build -f docker/server.Dockerfile -t animate-server:0.1.0 .
# See docker/README.md for what the build downloads and for digest pinning.

# Base image, pinned by tag. For reproducible builds pin the digest as well:
#   --build-arg DEBIAN_IMAGE=debian:12.12-slim@sha256:<digest>
ARG DEBIAN_IMAGE=debian:12.12-slim

# -dev packages the server links against; the runtime stage installs the
# library packages behind exactly these (docker/scripts/runtime-deps.sh).
ARG SERVICE_DEV_PACKAGES="libgrpc++-dev libprotobuf-dev libabsl-dev libhiredis-dev prometheus-cpp-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev"

# ---------------------------------------------------------------- builder
FROM ${DEBIAN_IMAGE} AS builder
ARG SERVICE_DEV_PACKAGES
ARG DEBIAN_FRONTEND=noninteractive
# Dependency layer first (cached until this list changes). No LibTorch: the
# tree is configured with ANIMATE_WITH_MODEL=OFF, which leaves model/ and
# worker/ out (check-linked.sh below fails the build if LibTorch ever sneaks in).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache ca-certificates \
      protobuf-compiler protobuf-compiler-grpc libopencv-dev nlohmann-json3-dev \
      ${SERVICE_DEV_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Sources last: editing code never invalidates the layers above.
COPY . .
ARG CMAKE_BUILD_TYPE=Release
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} \
      -DANIMATE_WITH_MODEL=OFF -DBUILD_TESTING=OFF \
      -DCMAKE_RUNTIME_OUTPUT_DIRECTORY=/out/bin \
 && cmake --build /build --target animate-server animate -j "$(nproc)" \
 && strip --strip-unneeded /out/bin/animate-server /out/bin/animate \
 && sh docker/scripts/check-linked.sh --forbid 'libtorch|libc10' /out/bin/animate-server /out/bin/animate

# ---------------------------------------------------------------- runtime
FROM ${DEBIAN_IMAGE} AS runtime
ARG SERVICE_DEV_PACKAGES
ARG DEBIAN_FRONTEND=noninteractive
RUN --mount=type=bind,source=docker/scripts,target=/tmp/animate-scripts \
    apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
      $(sh /tmp/animate-scripts/runtime-deps.sh ${SERVICE_DEV_PACKAGES}) \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 animate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin animate

COPY --from=builder /out/bin/animate-server /out/bin/animate /usr/local/bin/
RUN --mount=type=bind,source=docker/scripts,target=/tmp/animate-scripts \
    sh /tmp/animate-scripts/check-linked.sh --forbid 'libtorch|libc10' \
      /usr/local/bin/animate-server /usr/local/bin/animate

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="animate-server" \
      org.opencontainers.image.description="animate gRPC frontend (pose-driven human image animation)" \
      org.opencontainers.image.version="${VERSION}"

# Ports of docs/service-contract.md: gRPC (AnimateService, health, reflection)
# and Prometheus /metrics.
ENV ANIMATE_LISTEN=0.0.0.0:50051 \
    ANIMATE_METRICS_LISTEN=0.0.0.0:9090
EXPOSE 50051 9090

# Numeric ids so Kubernetes' runAsNonRoot can verify them.
USER 10001:10001
WORKDIR /tmp

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["animate", "health", "--addr", "127.0.0.1:50051"]
ENTRYPOINT ["animate-server"]
