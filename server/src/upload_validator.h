// Checks that an upload is what its kind says, before anything is stored:
// images (reference, reference pose) are decoded completely, pose videos are
// probed (container, stream, size, duration, frame count). Failures become
// INVALID_ARGUMENT naming the content and, for limits, the limit.
#pragma once

#include <string_view>

#include "animate/jobs/asset_store.h"
#include "media/limits.h"

namespace animate::server {

// Throws FieldError (field "chunk": the uploaded content) when the bytes are
// not a valid asset of `kind` within `limits`.
jobs::MediaInfo validate_upload(jobs::AssetKind kind, std::string_view bytes,
                                const media::MediaLimits& limits);

}  // namespace animate::server
