#!/usr/bin/env bash
# The worker binaries of the production build load LibTorch's CUDA half and
# exactly one CUDA runtime, the one PyTorch's wheel brings (beside LibTorch),
# not the machine's toolkit copy: two libcudart.so versions in one process, or
# a CPU-only link, would only show on a GPU machine. No GPU is needed here
# (the driver's libcuda.so.1 is not among the linked libraries).
#   check_cuda_link.sh <repo root> <LibTorch lib dir> BINARY...
set -euo pipefail
root=$1 torch_lib=$2
shift 2
sh "$root/docker/scripts/check-linked.sh" --allow-missing "libcuda.so.1 libnvidia-ml.so.1" \
  --require "libtorch_cuda.so libc10_cuda.so libcudart.so.13 libcublas.so.13 libcudnn.so.9 libnccl.so.2" \
  "$@"
prefix=$(cd "$torch_lib/../.." && pwd)
for bin in "$@"; do
  cudart=$(ldd "$bin" | awk '$1 ~ /^libcudart\.so/ { print $3 }' | sort -u)
  if [[ $(printf '%s\n' "$cudart" | grep -c .) -ne 1 ]]; then
    echo "check_cuda_link: $bin loads $(printf '%s\n' "$cudart" | grep -c .) CUDA runtimes: $cudart" >&2
    exit 1
  fi
  resolved=$(readlink -f "$cudart")
  if [[ $resolved != "$prefix"/* ]]; then
    echo "check_cuda_link: $bin loads $resolved, not the CUDA runtime under $prefix" >&2
    exit 1
  fi
  echo "check_cuda_link: $bin: $(basename "$resolved") from $(dirname "$resolved")"
done
