#include "media/error.h"

namespace animate::media {

const char* to_string(MediaErrorCode code) {
  switch (code) {
    case MediaErrorCode::kInvalidData: return "invalid_data";
    case MediaErrorCode::kUnsupportedFormat: return "unsupported_format";
    case MediaErrorCode::kLimitExceeded: return "limit_exceeded";
    case MediaErrorCode::kIoError: return "io_error";
    case MediaErrorCode::kEncoderError: return "encoder_error";
  }
  return "unknown";
}

MediaError::MediaError(MediaErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

}  // namespace animate::media
