#!/bin/sh
# Fails the image build when a binary cannot run in the image it was copied
# into: a shared library that ldd cannot find, or one that must not be there.
#   check-linked.sh [--allow-missing 'libcuda.so.1 ...'] [--require 'libtorch_cuda.so ...']
#                   [--forbid REGEX] BINARY...
# --allow-missing: libraries the container runtime injects (the NVIDIA driver's
#                  libcuda / libnvidia-ml come from the node, not the image).
# --require:       libraries every BINARY must load (found), e.g. the CUDA half of
#                  LibTorch for the worker: a CPU-only link fails the build.
# --forbid:        e.g. 'libtorch' for animate-server, which must not link LibTorch.
set -eu
allow=""
require=""
forbid=""
while [ $# -gt 0 ]; do
  case "$1" in
    --allow-missing) allow="$2"; shift 2 ;;
    --require) require="$2"; shift 2 ;;
    --forbid) forbid="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: check-linked.sh [--allow-missing LIST] [--require LIST] [--forbid REGEX] BINARY..." >&2; exit 2; }
status=0
for bin in "$@"; do
  listing=$(ldd "$bin") || { echo "check-linked: ldd failed on $bin" >&2; exit 1; }
  missing=$(printf '%s\n' "$listing" | awk '/not found/ { print $1 }')
  for lib in $missing; do
    case " $allow " in
      *" $lib "*) echo "check-linked: $bin: $lib comes from the host at run time" ;;
      *) echo "check-linked: $bin: missing $lib" >&2; status=1 ;;
    esac
  done
  for lib in $require; do
    if ! printf '%s\n' "$listing" | awk -v lib="$lib" '$1 == lib && $3 != "not" { found = 1 } END { exit !found }'; then
      echo "check-linked: $bin does not load $lib" >&2
      status=1
    fi
  done
  if [ -n "$forbid" ] && printf '%s\n' "$listing" | grep -Eq "$forbid"; then
    echo "check-linked: $bin links a forbidden library ($forbid):" >&2
    printf '%s\n' "$listing" | grep -E "$forbid" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "check-linked: $* OK"
exit $status
