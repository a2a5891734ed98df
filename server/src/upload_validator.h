// Checks that an upload is what its kind says, before anything is stored:
// images (reference, reference pose) are decoded completely, pose videos are
// probed (container, stream, size, duration, frame count). Failures become
// INVALID_ARGUMENT naming the content and, for limits, the limit.
#pragma once

#include <cstdint>
#include <string_view>

#include "animate/jobs/asset_store.h"
#include "media/limits.h"

namespace animate::server {

// Throws FieldError (field "chunk": the uploaded content) when the bytes are
// not a valid asset of `kind` within `limits`, or when the image (the video's
// frames) is narrower or lower than `min_side` pixels: the pipeline resizes
// every input to the job's size, and a 1x1 picture of a person is noise.
jobs::MediaInfo validate_upload(jobs::AssetKind kind, std::string_view bytes,
                                const media::MediaLimits& limits, std::uint32_t min_side);

}  // namespace animate::server
