# Sourced by the scripts that install or build against the project's LibTorch.
# Sets ANIMATE_LIBTORCH_PREFIX (where scripts/install-libtorch.sh puts the
# pinned wheels of scripts/libtorch-requirements.txt) and ANIMATE_TORCH_DIR
# (the folder of TorchConfig.cmake, for CMake's Torch_DIR: not a prefix path,
# since the wheel's torch/ also holds a protoc and protobuf headers that must
# not stand in for the system's).
#   ANIMATE_LIBTORCH_PREFIX=DIR   use or install another prefix
# The default is shared by every checkout of the machine (a fresh clone, CI's
# included, finds the 4 GB already installed): /opt/animate as root, else the
# user's cache folder. The folder name carries the torch version pinned.
_animate_scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ANIMATE_LIBTORCH_REQUIREMENTS=$_animate_scripts_dir/libtorch-requirements.txt
ANIMATE_TORCH_VERSION=$(sed -n 's/^torch==\([^ \\]*\).*$/\1/p' "$ANIMATE_LIBTORCH_REQUIREMENTS")
if [[ -z "${ANIMATE_LIBTORCH_PREFIX:-}" ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    ANIMATE_LIBTORCH_PREFIX=/opt/animate/libtorch-$ANIMATE_TORCH_VERSION
  else
    ANIMATE_LIBTORCH_PREFIX=${XDG_CACHE_HOME:-$HOME/.cache}/animate/libtorch-$ANIMATE_TORCH_VERSION
  fi
fi
ANIMATE_TORCH_DIR=$ANIMATE_LIBTORCH_PREFIX/torch/share/cmake/Torch
export ANIMATE_LIBTORCH_PREFIX ANIMATE_TORCH_DIR ANIMATE_TORCH_VERSION
unset _animate_scripts_dir
