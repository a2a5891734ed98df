#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine with the CUDA 13 toolkit:
# installs the system packages and the pinned CUDA LibTorch (scripts/setup.sh),
# builds, runs every ctest label (unit, reader, golden, integration, deploy, isa),
# then rebuilds the checkpoint readers and media decoders with ASan+UBSan and
# runs their tests.
#   ANIMATE_SKIP_SANITIZERS=1   skip the sanitizer pass (local iteration)
#   ANIMATE_CTEST_ARGS="-L unit" run a subset
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

start=$(date +%s)
bash scripts/build.sh
echo "build: $(( $(date +%s) - start )) s"
# Which LibTorch the suite runs on, and that its CUDA half is linked and loaded.
echo "build-info: $(build/model/animate-probe build-info)"

# shellcheck disable=SC2086
ctest --test-dir build --output-on-failure -j 2 ${ANIMATE_CTEST_ARGS:-}

if [[ "${ANIMATE_SKIP_SANITIZERS:-0}" != 1 ]]; then
  # Bad-input tests of the checkpoint readers and the media decoders under
  # AddressSanitizer + UBSan: a crash or an out-of-bounds read that happens
  # to "work" in a normal build fails here.
  ANIMATE_BUILD_DIR=build-asan ANIMATE_BUILD_TARGETS="test_model_io test_media" \
    bash scripts/build.sh -DANIMATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DANIMATE_BENCHMARKS=OFF \
    | tail -n 2
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j 2 -L "reader|unit" -R "Safetensors|Zip|Pickle|Torch|Checkpoint|Media|Mp4|Image|Video|Probe|Sample|Frame"
  # (in build-asan only these two executables are built; the name filter keeps
  # ctest from reporting the others as not built)
fi
