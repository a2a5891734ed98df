#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine: installs the system
# packages, builds, and runs every golden parity case of ../shared/golden
# through the real model code (animate-probe), printing per-output errors
# against the reference implementation. Components not built yet are listed
# as skipped. This grows into the full service demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ANIMATE_BUILD_TARGETS=animate-probe bash scripts/build.sh
golden=${ANIMATE_GOLDEN_DIR:-../shared/golden}
./build/model/animate-probe check "$golden" --threads "$(nproc)"
