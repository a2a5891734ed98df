#!/usr/bin/env bash
# Configures and builds animate into build/ (or $ANIMATE_BUILD_DIR).
#   scripts/build.sh [CMAKE_CONFIGURE_ARGS...]
#   ANIMATE_BUILD_TARGETS="test_model_io animate-probe"  build only these targets
# LibTorch is the one scripts/install-libtorch.sh installed (scripts/libtorch-env.sh),
# and it must be CUDA-enabled (the production build); -DTorch_DIR=... among the
# arguments picks another, -DANIMATE_REQUIRE_CUDA=OFF accepts a CPU-only one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/libtorch-env.sh
build_dir=${ANIMATE_BUILD_DIR:-build}
jobs=${ANIMATE_JOBS:-$(nproc)}
generator=()
if command -v ninja >/dev/null && [[ ! -f "$build_dir/CMakeCache.txt" ]]; then generator=(-G Ninja); fi
cmake -S . -B "$build_dir" "${generator[@]}" "-DTorch_DIR=$ANIMATE_TORCH_DIR" \
  -DANIMATE_REQUIRE_CUDA=ON "$@" >/dev/null
targets=()
for t in ${ANIMATE_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
