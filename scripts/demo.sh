#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine: installs the system
# packages, builds, then runs the service demo (scripts/demo-service.sh):
# redis-server, animate-server and animate-worker on a tiny random model in
# the official folder layout, the sample job (samples/) submitted with the
# `animate` CLI with live progress, the MP4 written as its fragments arrive,
# everything shut down cleanly. Finally every golden parity case is checked
# against the reference implementation.
#
# The tiny model has random weights, so the video is noise: the demo proves
# the code path, not the quality. README.md says how to use the real weights.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ANIMATE_BUILD_TARGETS="animate animate-server animate-worker animate-tiny-model animate-probe" \
  bash scripts/build.sh
mkdir -p build/demo
ANIMATE_SKIP_SETUP=1 ANIMATE_SKIP_BUILD=1 ANIMATE_DEMO_OUT=build/demo bash scripts/demo-service.sh
echo "== golden parity against the reference implementation"
build/model/animate-probe check "${ANIMATE_GOLDEN_DIR:-../shared/golden}" --threads "$(nproc)" |
  grep -E '^(==|golden cases|[0-9]+ passed|FAIL)'
