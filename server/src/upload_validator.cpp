#include "upload_validator.h"

#include <cmath>
#include <stdexcept>

#include "grpc_errors.h"
#include "media/error.h"
#include "media/image_decoder.h"
#include "media/video_probe.h"

namespace animate::server {
namespace {

const char* kind_text(jobs::AssetKind kind) {
  switch (kind) {
    case jobs::AssetKind::kReferenceImage: return "reference image";
    case jobs::AssetKind::kPoseVideo: return "pose video";
    case jobs::AssetKind::kReferencePoseImage: return "reference pose image";
  }
  return "asset";
}

jobs::MediaInfo validate_image(std::string_view bytes, const media::MediaLimits& limits,
                               jobs::AssetKind kind) {
  media::ImageDecodeOptions options;
  options.limits = limits;
  // Decoding the whole image (not only its header) catches damaged pixel
  // data now rather than in the worker minutes later.
  const media::ImageHeader header = media::probe_image_memory(bytes, limits, kind_text(kind));
  const media::Frame frame = media::decode_image_memory(bytes, options, kind_text(kind));
  jobs::MediaInfo info;
  info.format = media::to_string(header.format);
  info.width = static_cast<std::uint32_t>(frame.width);
  info.height = static_cast<std::uint32_t>(frame.height);
  info.frame_count = 1;
  return info;
}

jobs::MediaInfo validate_video(std::string_view bytes, const media::MediaLimits& limits) {
  const media::VideoProbe probe = media::probe_video_memory(bytes, limits);
  if (probe.frame_count <= 0 && probe.duration_s <= 0.0) {
    throw media::MediaError(media::MediaErrorCode::kInvalidData,
                            "pose video: no frames found (neither a frame count nor a duration)");
  }
  jobs::MediaInfo info;
  info.format = probe.container;
  info.codec = probe.codec;
  info.width = static_cast<std::uint32_t>(probe.display_width());
  info.height = static_cast<std::uint32_t>(probe.display_height());
  info.frame_count = static_cast<std::uint32_t>(std::max<std::int64_t>(probe.frame_count, 0));
  info.fps = probe.fps;
  info.duration_ms = static_cast<std::int64_t>(std::llround(probe.duration_s * 1000.0));
  return info;
}

}  // namespace

jobs::MediaInfo validate_upload(jobs::AssetKind kind, std::string_view bytes,
                                const media::MediaLimits& limits, std::uint32_t min_side) {
  try {
    const jobs::MediaInfo info = kind == jobs::AssetKind::kPoseVideo
                                     ? validate_video(bytes, limits)
                                     : validate_image(bytes, limits, kind);
    if (info.width < min_side || info.height < min_side) {
      throw FieldError("chunk", std::string(kind_text(kind)) + " is " + std::to_string(info.width) +
                                    "x" + std::to_string(info.height) + ": below the minimum of " +
                                    std::to_string(min_side) +
                                    " pixels per side (--min-image-side)");
    }
    return info;
  } catch (const media::MediaError& error) {
    // The media library's message names the problem and, for limits, the
    // limit and both values; prefix what was being validated.
    throw FieldError("chunk", std::string(kind_text(kind)) + " rejected (" +
                                  media::to_string(error.code()) + "): " + error.what());
  }
}

}  // namespace animate::server
