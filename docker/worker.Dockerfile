# syntax=docker/dockerfile:1.7
# animate-worker: the GPU worker (resident UniAnimate-DiT pipeline on a CUDA
# LibTorch 2.x). Also carries animate-render (one job, no Redis), the
# animate-tiny-model generator (load tests without a GPU) and the `animate`
# CLI (HEALTHCHECK). Ubuntu 24.04 CUDA images: their gRPC/protobuf/OpenCV are
# the same releases as Debian 12's, which the code is developed against.
#
# Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t animate-worker:0.1.0 \
#     --build-arg LIBTORCH_SHA256=<sha256 of the zip> .
# The build downloads LibTorch (about 2.5 GB) from LIBTORCH_URL; see docker/README.md.

# CUDA base images, pinned by tag (add @sha256:<digest> to pin the digest too).
# The runtime base must carry the same CUDA major.minor as the LibTorch build.
ARG CUDA_VERSION=12.6.3
ARG UBUNTU_VERSION=24.04
ARG CUDA_DEVEL_IMAGE=nvidia/cuda:${CUDA_VERSION}-cudnn-devel-ubuntu${UBUNTU_VERSION}
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:${CUDA_VERSION}-cudnn-runtime-ubuntu${UBUNTU_VERSION}

# LibTorch: CUDA build, C++11 ABI, shared with deps (bundles cuDNN/cuBLAS/NCCL).
ARG LIBTORCH_VERSION=2.7.0
ARG LIBTORCH_CUDA=cu126
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/${LIBTORCH_CUDA}/libtorch-cxx11-abi-shared-with-deps-${LIBTORCH_VERSION}%2B${LIBTORCH_CUDA}.zip
# sha256 of the zip; empty = not verified (the build prints the hash it got).
ARG LIBTORCH_SHA256=

ARG SERVICE_DEV_PACKAGES="libgrpc++-dev libprotobuf-dev libabsl-dev libhiredis-dev prometheus-cpp-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev"

# ---------------------------------------------------------------- libtorch
# Its own stage: the 2.5 GB download is cached independently of the sources.
FROM ${CUDA_DEVEL_IMAGE} AS libtorch
ARG LIBTORCH_URL
ARG LIBTORCH_SHA256
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates unzip \
 && rm -rf /var/lib/apt/lists/* \
 && curl -fL --retry 3 -o /tmp/libtorch.zip "${LIBTORCH_URL}" \
 && got=$(sha256sum /tmp/libtorch.zip | cut -d' ' -f1) \
 && if [ -n "${LIBTORCH_SHA256}" ]; then \
      [ "$got" = "${LIBTORCH_SHA256}" ] || { echo "LibTorch sha256 mismatch: got $got, want ${LIBTORCH_SHA256}" >&2; exit 1; }; \
    else echo "WARNING: LIBTORCH_SHA256 not set; the zip's sha256 is $got"; fi \
 && unzip -q /tmp/libtorch.zip -d /opt \
 && rm /tmp/libtorch.zip \
 && test -f /opt/libtorch/share/cmake/Torch/TorchConfig.cmake

# ---------------------------------------------------------------- builder
FROM ${CUDA_DEVEL_IMAGE} AS builder
ARG SERVICE_DEV_PACKAGES
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache ca-certificates \
      protobuf-compiler protobuf-compiler-grpc libopencv-dev nlohmann-json3-dev \
      ${SERVICE_DEV_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
COPY --from=libtorch /opt/libtorch /opt/libtorch

WORKDIR /src
COPY . .
ARG CMAKE_BUILD_TYPE=Release
# GPU architectures for LibTorch's CMake (no GPU is visible while building):
# A100 8.0, A10/3090 8.6, L4/L40/4090 8.9, H100/H200 9.0.
ARG TORCH_CUDA_ARCH_LIST="8.0;8.6;8.9;9.0"
ENV TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST}
# The model code guards version-specific LibTorch calls, so the same tree that
# builds against Debian's LibTorch 1.13 CPU builds here against LibTorch 2.x.
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} \
      -DCMAKE_PREFIX_PATH=/opt/libtorch \
      -DBUILD_TESTING=OFF -DANIMATE_BENCHMARKS=OFF \
      -DCMAKE_RUNTIME_OUTPUT_DIRECTORY=/out/bin \
 && cmake --build /build --target animate-worker animate-render animate-tiny-model animate -j "$(nproc)" \
 && strip --strip-unneeded /out/bin/animate-worker /out/bin/animate-render /out/bin/animate-tiny-model /out/bin/animate

# ---------------------------------------------------------------- runtime
FROM ${CUDA_RUNTIME_IMAGE} AS runtime
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

# Only LibTorch's shared libraries (no headers, no CMake files).
COPY --from=libtorch /opt/libtorch/lib /opt/libtorch/lib
ENV LD_LIBRARY_PATH=/opt/libtorch/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

COPY --from=builder /out/bin/animate-worker /out/bin/animate-render /out/bin/animate-tiny-model /out/bin/animate /usr/local/bin/
# libcuda (driver) and libnvidia-ml (NVML) are mounted from the node by the
# NVIDIA container toolkit at run time.
RUN --mount=type=bind,source=docker/scripts,target=/tmp/animate-scripts \
    sh /tmp/animate-scripts/check-linked.sh --allow-missing "libcuda.so.1 libnvidia-ml.so.1" \
      /usr/local/bin/animate-worker /usr/local/bin/animate-render \
      /usr/local/bin/animate-tiny-model /usr/local/bin/animate

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="animate-worker" \
      org.opencontainers.image.description="animate GPU worker (UniAnimate-DiT on Wan2.1-I2V-14B, LibTorch)" \
      org.opencontainers.image.version="${VERSION}"

# Ports of docs/service-contract.md: gRPC health and Prometheus /metrics.
# Weights are mounted at /models (read-only) in the official folder layout.
ENV ANIMATE_HEALTH_LISTEN=0.0.0.0:50052 \
    ANIMATE_METRICS_LISTEN=0.0.0.0:9091 \
    ANIMATE_WEIGHTS=/models/Wan2.1-I2V-14B-720P \
    ANIMATE_UNIANIMATE_CKPT=/models/checkpoints/UniAnimate-Wan2.1-14B-Lora-12000.ckpt
EXPOSE 50052 9091

USER 10001:10001
WORKDIR /tmp

# Loading the 14B pipeline takes minutes: a long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30m --retries=3 \
  CMD ["animate", "health", "--addr", "127.0.0.1:50052"]
ENTRYPOINT ["animate-worker"]
