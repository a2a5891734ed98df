#!/usr/bin/env bash
# Installs the project's LibTorch: the pinned PyTorch CUDA wheel and the NVIDIA
# runtime wheels of scripts/libtorch-requirements.txt, from PyPI, into
# $ANIMATE_LIBTORCH_PREFIX (scripts/libtorch-env.sh). Only the C++ parts are
# used (torch/include, torch/lib, torch/share/cmake); libtorch_cuda.so finds
# the NVIDIA libraries through its own RPATH ($ORIGIN/../../nvidia/...), which
# is why they are installed side by side as pip lays them out.
# Idempotent: a prefix whose stamp matches the requirements file's hash
# returns at once without touching the network. An interrupted install never
# looks complete (it is built in a temporary folder and renamed into place).
set -euo pipefail
# shellcheck source=scripts/libtorch-env.sh
source "$(dirname "$0")/libtorch-env.sh"

prefix=$ANIMATE_LIBTORCH_PREFIX
want=$(sha256sum "$ANIMATE_LIBTORCH_REQUIREMENTS" | cut -d' ' -f1)
stamp=$prefix/.animate-requirements-sha256

if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  echo "install-libtorch: torch $ANIMATE_TORCH_VERSION already in $prefix"
  exit 0
fi

parent=$(dirname "$prefix")
mkdir -p "$parent"
# Parallel callers (two checkouts building at once) install one at a time.
exec 9>"$parent/.install-libtorch.lock"
flock 9
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  echo "install-libtorch: torch $ANIMATE_TORCH_VERSION already in $prefix"
  exit 0
fi

if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "install-libtorch: python3 has no pip (scripts/setup.sh installs python3-pip)" >&2
  exit 1
fi

start=$(date +%s)
staging=$(mktemp -d "$parent/.libtorch-staging.XXXXXX")
trap 'rm -rf "$staging"' EXIT
echo "install-libtorch: downloading and installing torch $ANIMATE_TORCH_VERSION (CUDA 13) into $prefix (about 2.8 GB download, 4.1 GB installed)"
# --target installs into a plain folder: no environment of any Python is
# touched (and Debian's "externally managed" guard does not apply).
# --require-hashes: 2.8 GB of native code is checked against the pinned sha256s.
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
  --no-compile --only-binary=:all: --require-hashes --target "$staging" \
  -r "$ANIMATE_LIBTORCH_REQUIREMENTS"
if [[ ! -f $staging/torch/share/cmake/Torch/TorchConfig.cmake ]]; then
  echo "install-libtorch: the torch wheel has no TorchConfig.cmake" >&2
  exit 1
fi
echo "$want" >"$staging/.animate-requirements-sha256"
rm -rf "$prefix"
mv "$staging" "$prefix"
trap - EXIT
echo "install-libtorch: torch $ANIMATE_TORCH_VERSION installed in $(( $(date +%s) - start )) s"
