#!/usr/bin/env bash
# Cross-check with the reference checker: runs one golden case through
# animate-probe and judges the outputs with ../shared/golden/compare.py.
# Exit 77 (ctest SKIP) when the component is not implemented yet.
set -uo pipefail
probe=$1 case_dir=$2 out_dir=$3
mkdir -p "$out_dir"
out="$out_dir/$(basename "$case_dir").safetensors"
"$probe" run "$case_dir" --out "$out" --threads 2
status=$?
if [[ $status == 2 ]]; then exit 77; fi
if [[ $status != 0 ]]; then exit "$status"; fi
python3 "$(dirname "$case_dir")/compare.py" "$case_dir" "$out"
