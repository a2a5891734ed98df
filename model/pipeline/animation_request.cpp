#include "model/pipeline/animation_request.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace animate::pipeline {

const char* const kDefaultPrompt = "a person is dancing";
const char* const kDefaultNegativePrompt =
    "细节模糊不清，字幕，作品，画作，画面，静止，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，"
    "多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，杂乱的背"
    "景，"
    "三条腿，背景人很多，倒着走";

namespace {

[[noreturn]] void invalid(const std::string& field, const std::string& what) {
  throw std::invalid_argument("animation request: " + field + " " + what);
}

std::string shape_of(const at::Tensor& t) {
  if (!t.defined()) return "none";
  std::ostringstream out;
  out << t.sizes() << ' ' << t.scalar_type();
  return out.str();
}

void check_image(const at::Tensor& t, const std::string& field, std::int64_t rank) {
  const bool ok = t.defined() && t.scalar_type() == at::kByte && t.dim() == rank &&
                  t.size(rank - 1) == 3 && t.numel() > 0;
  if (!ok) {
    invalid(field, std::string("must be a uint8 RGB tensor ") +
                       (rank == 3 ? "[H, W, 3]" : "[N >= 1, H, W, 3]") + ", got " + shape_of(t));
  }
}

void check_side(const std::string& field, std::int64_t value) {
  if (value < 16 || value > kMaxSide || value % 16 != 0) {
    invalid(field, "must be a multiple of 16 in [16, " + std::to_string(kMaxSide) + "], got " +
                       std::to_string(value));
  }
}

void check_range(const std::string& field, double value, double low, double high) {
  if (!std::isfinite(value) || value < low || value > high) {
    std::ostringstream out;
    out << "must be in [" << low << ", " << high << "], got " << value;
    invalid(field, out.str());
  }
}

}  // namespace

std::int64_t resolved_frame_count(std::int64_t requested, std::int64_t pose_frame_count) {
  const std::int64_t wanted = requested > 0 ? requested : pose_frame_count;
  if (wanted < 1) return 0;
  return (wanted - 1) / 4 * 4 + 1;
}

void validate_request(const AnimationRequest& r) {
  check_image(r.reference_image, "reference_image", 3);
  if (!r.pose_frames.defined() || r.pose_frames.dim() != 4 || r.pose_frames.size(0) == 0) {
    invalid("pose_frames",
            "must hold at least 1 frame as uint8 [N, H, W, 3], got " + shape_of(r.pose_frames));
  }
  check_image(r.pose_frames, "pose_frames", 4);
  check_image(r.reference_pose, "reference_pose", 3);
  check_side("size.width", r.size.width);
  check_side("size.height", r.size.height);
  if (r.num_frames < 0) {
    invalid("num_frames",
            "must be >= 0 (0 = all pose frames), got " + std::to_string(r.num_frames));
  }
  if (r.steps < 1 || r.steps > kMaxSteps) {
    invalid("steps",
            "must be in [1, " + std::to_string(kMaxSteps) + "], got " + std::to_string(r.steps));
  }
  if (!std::isfinite(r.shift) || r.shift <= 0.0) {
    invalid("shift", "must be > 0, got " + std::to_string(r.shift));
  }
  check_range("cfg_scale", r.cfg_scale, 0.0, kMaxCfgScale);
  // Any finite threshold is meaningful (higher skips more), so no upper limit.
  if (!std::isfinite(r.teacache_threshold) || r.teacache_threshold < 0.0) {
    invalid("teacache_threshold",
            "must be finite and >= 0 (0 = off), got " + std::to_string(r.teacache_threshold));
  }
  check_range("pose_strength", r.pose_strength, 0.0, kMaxPoseStrength);
  if (r.context_size <= kWarmupFrames) {
    invalid("context_size", "must be > " + std::to_string(kWarmupFrames) +
                                " (the warm-up frames), got " + std::to_string(r.context_size));
  }
  // Later windows discard their first two frames, so consecutive windows must
  // share at least those two, or some frames would get no value at all.
  if (r.context_overlap < kWarmupFrames || r.context_overlap >= r.context_size) {
    invalid("context_overlap", "must be in [" + std::to_string(kWarmupFrames) +
                                   ", context_size - 1 = " + std::to_string(r.context_size - 1) +
                                   "], got " + std::to_string(r.context_overlap));
  }
}

}  // namespace animate::pipeline
