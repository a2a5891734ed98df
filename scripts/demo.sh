#!/usr/bin/env bash
# The main job, end to end, on a fresh Debian 12 machine: installs the system
# packages, builds, writes a tiny random model in the official folder layout,
# and animates the sample reference image with the sample pose video through
# the real pipeline (animate-render), writing build/demo/out.mp4. Then checks
# every golden parity case against the reference implementation.
#
# The tiny model has random weights, so the video is noise: the demo proves
# the code path, not the quality. With the real weights:
#   build/worker/animate-render --weights /path/Wan2.1-I2V-14B-720P \
#     --unianimate /path/UniAnimate-Wan2.1-14B-Lora-12000.ckpt \
#     --image ref.png --pose pose.mp4 --ref-pose ref_pose.png -o out.mp4
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ANIMATE_BUILD_TARGETS="animate-tiny-model animate-render animate-probe" bash scripts/build.sh
threads=$(nproc)
mkdir -p build/demo
build/model/animate-tiny-model --out build/demo/tiny-model --seed 0
build/worker/animate-render --model-root build/demo/tiny-model \
  --image samples/reference.png --pose samples/pose.mp4 --ref-pose samples/reference_pose.png \
  --width 128 --height 128 --steps 4 --seed 0 --threads "$threads" -o build/demo/out.mp4
echo "== build/demo/out.mp4:"
ffprobe -v error -count_frames -show_entries stream=codec_name,width,height,avg_frame_rate,nb_read_frames \
  -of default=noprint_wrappers=1 build/demo/out.mp4
echo "== golden parity against the reference implementation"
golden=${ANIMATE_GOLDEN_DIR:-../shared/golden}
build/model/animate-probe check "$golden" --threads "$threads"
