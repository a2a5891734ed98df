#include "media/limits.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "media/error.h"

namespace animate::media {
namespace {

[[noreturn]] void throw_limit(std::string_view what, const std::string& value,
                              std::string_view limit_name, const std::string& limit_value) {
  std::ostringstream message;
  message << what << ": " << value << " exceeds the limit " << limit_name << " = " << limit_value;
  throw MediaError(MediaErrorCode::kLimitExceeded, message.str());
}

std::string seconds_text(double seconds) {
  std::ostringstream text;
  text << seconds << " s";
  return text.str();
}

}  // namespace

void validate_limits(const MediaLimits& limits) {
  if (limits.max_input_bytes == 0) {
    throw std::invalid_argument("MediaLimits.max_input_bytes must be > 0");
  }
  if (limits.max_pixels == 0) throw std::invalid_argument("MediaLimits.max_pixels must be > 0");
  if (limits.max_frames <= 0) throw std::invalid_argument("MediaLimits.max_frames must be > 0");
  if (!(limits.max_duration_s > 0.0)) {
    throw std::invalid_argument("MediaLimits.max_duration_s must be > 0");
  }
  if (limits.max_unpacked_bytes == 0) {
    throw std::invalid_argument("MediaLimits.max_unpacked_bytes must be > 0");
  }
}

void check_input_bytes(std::uint64_t bytes, const MediaLimits& limits, std::string_view what) {
  if (bytes > limits.max_input_bytes) {
    throw_limit(what, "input of " + std::to_string(bytes) + " bytes", "max_input_bytes",
                std::to_string(limits.max_input_bytes));
  }
}

void check_frame_pixels(std::int64_t width, std::int64_t height, const MediaLimits& limits,
                        std::string_view what) {
  const auto pixels = static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (width < 0 || height < 0 || pixels > limits.max_pixels) {
    throw_limit(what,
                "frame size " + std::to_string(width) + "x" + std::to_string(height) + " = " +
                    std::to_string(pixels) + " pixels",
                "max_pixels", std::to_string(limits.max_pixels));
  }
}

void check_frame_count(std::int64_t frames, const MediaLimits& limits, std::string_view what) {
  if (frames > limits.max_frames) {
    throw_limit(what, std::to_string(frames) + " frames", "max_frames",
                std::to_string(limits.max_frames));
  }
}

void check_duration(double seconds, const MediaLimits& limits, std::string_view what) {
  if (std::isfinite(seconds) && seconds > limits.max_duration_s) {
    throw_limit(what, "duration " + seconds_text(seconds), "max_duration_s",
                seconds_text(limits.max_duration_s));
  }
}

void check_unpacked_bytes(std::uint64_t bytes, const MediaLimits& limits, std::string_view what) {
  if (bytes > limits.max_unpacked_bytes) {
    throw_limit(what, std::to_string(bytes) + " unpacked bytes", "max_unpacked_bytes",
                std::to_string(limits.max_unpacked_bytes));
  }
}

}  // namespace animate::media
