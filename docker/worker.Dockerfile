# syntax=docker/dockerfile:1.7
# animate-worker: the GPU worker (resident UniAnimate-DiT pipeline on a CUDA
# LibTorch 2.x). Also carries animate-render (one job, no Redis), the
# animate-tiny-model generator (load tests without a GPU) and the `animate`
# CLI (HEALTHCHECK). Ubuntu 24.04 CUDA images: their gRPC/protobuf/OpenCV are
# the same releases as Debian 12's, which the code is developed against.
#
# Built the way CI builds: LibTorch is the pinned PyTorch wheel of
# scripts/libtorch-requirements.txt with its NVIDIA runtime wheels, installed by
# scripts/install-libtorch.sh, and the tree is configured and built by
# scripts/build.sh (CUDA required, the same options; tests and benchmarks off).
#
# Build from the repository root:
#   docker build -f docker/worker.Dockerfile -t animate-worker:0.1.0 .
# The build downloads about 2.8 GB of wheels from PyPI; see docker/README.md.

# CUDA base images, pinned by tag (add @sha256:<digest> to pin the digest too).
# The wheel torch==2.15.0 is built against CUDA 13.2 and brings its own CUDA
# runtime libraries (cuBLAS, cuDNN, NCCL, ...); the devel image supplies nvcc
# and the headers that LibTorch's CMake package asks for, of the same release.
ARG CUDA_VERSION=13.2.0
ARG UBUNTU_VERSION=24.04
ARG CUDA_DEVEL_IMAGE=nvidia/cuda:${CUDA_VERSION}-devel-ubuntu${UBUNTU_VERSION}
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:${CUDA_VERSION}-base-ubuntu${UBUNTU_VERSION}

ARG SERVICE_DEV_PACKAGES="libgrpc++-dev libprotobuf-dev libabsl-dev libhiredis-dev prometheus-cpp-dev libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev"
# Where install-libtorch.sh puts the wheels; the binaries' RUNPATH points here,
# so the runtime stage keeps the same path.
ARG LIBTORCH_PREFIX=/opt/animate/libtorch

# ---------------------------------------------------------------- libtorch
# Its own stage: the 2.8 GB of wheels are cached until the pins change.
FROM ${CUDA_DEVEL_IMAGE} AS libtorch
ARG LIBTORCH_PREFIX
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pip ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/libtorch-env.sh scripts/libtorch-requirements.txt scripts/install-libtorch.sh /src/scripts/
RUN ANIMATE_LIBTORCH_PREFIX=${LIBTORCH_PREFIX} bash /src/scripts/install-libtorch.sh \
 && test -f ${LIBTORCH_PREFIX}/torch/share/cmake/Torch/TorchConfig.cmake

# ---------------------------------------------------------------- builder
FROM ${CUDA_DEVEL_IMAGE} AS builder
ARG SERVICE_DEV_PACKAGES
ARG LIBTORCH_PREFIX
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ccache ca-certificates \
      protobuf-compiler protobuf-compiler-grpc libopencv-dev nlohmann-json3-dev \
      ${SERVICE_DEV_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
COPY --from=libtorch ${LIBTORCH_PREFIX} ${LIBTORCH_PREFIX}

WORKDIR /src
COPY . .
# GPU architectures for LibTorch's CMake (no GPU is visible while building):
# A100 8.0, A10/3090 8.6, L4/L40/4090 8.9, H100/H200 9.0.
ARG TORCH_CUDA_ARCH_LIST="8.0;8.6;8.9;9.0"
ENV TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST}
RUN --mount=type=cache,target=/root/.cache/ccache \
    ANIMATE_LIBTORCH_PREFIX=${LIBTORCH_PREFIX} ANIMATE_BUILD_DIR=/build \
    ANIMATE_BUILD_TARGETS="animate-worker animate-render animate-tiny-model animate" \
    bash scripts/build.sh -DBUILD_TESTING=OFF -DANIMATE_BENCHMARKS=OFF \
      -DCMAKE_RUNTIME_OUTPUT_DIRECTORY=/out/bin \
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

# LibTorch's and the NVIDIA wheels' shared libraries, at the builder's path:
# libtorch_cuda.so finds the NVIDIA ones through its RPATH
# ($ORIGIN/../../nvidia/...), the binaries find LibTorch through theirs.
ARG LIBTORCH_PREFIX
COPY --from=libtorch ${LIBTORCH_PREFIX}/torch/lib ${LIBTORCH_PREFIX}/torch/lib
COPY --from=libtorch ${LIBTORCH_PREFIX}/nvidia ${LIBTORCH_PREFIX}/nvidia
ENV LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

COPY --from=builder /out/bin/animate-worker /out/bin/animate-render /out/bin/animate-tiny-model /out/bin/animate /usr/local/bin/
# libcuda (driver) and libnvidia-ml (NVML) are mounted from the node by the
# NVIDIA container toolkit at run time.
RUN --mount=type=bind,source=docker/scripts,target=/tmp/animate-scripts \
    sh /tmp/animate-scripts/check-linked.sh --allow-missing "libcuda.so.1 libnvidia-ml.so.1" \
      --require "libtorch_cuda.so libc10_cuda.so libcudart.so.13 libcublas.so.13 libcudnn.so.9" \
      /usr/local/bin/animate-worker /usr/local/bin/animate-render /usr/local/bin/animate-tiny-model \
 && sh /tmp/animate-scripts/check-linked.sh --forbid 'libtorch|libc10' /usr/local/bin/animate

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
