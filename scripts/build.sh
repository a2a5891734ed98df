#!/usr/bin/env bash
# Configures and builds animate into build/ (or $ANIMATE_BUILD_DIR).
#   scripts/build.sh [CMAKE_CONFIGURE_ARGS...]
#   ANIMATE_BUILD_TARGETS="test_model_io animate-probe"  build only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${ANIMATE_BUILD_DIR:-build}
jobs=${ANIMATE_JOBS:-$(nproc)}
generator=()
if command -v ninja >/dev/null && [[ ! -f "$build_dir/CMakeCache.txt" ]]; then generator=(-G Ninja); fi
cmake -S . -B "$build_dir" "${generator[@]}" "$@" >/dev/null
targets=()
for t in ${ANIMATE_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
