#pragma once
// The one exception type of the media library. The code lets the server map a
// failure onto a precise status (bad input vs. over a limit vs. our own bug)
// without parsing messages; the message names the input, the problem and, for
// limits, the limit's name and both values.
#include <stdexcept>
#include <string>

namespace animate::media {

enum class MediaErrorCode {
  kInvalidData,        // recognised format, but corrupt or truncated
  kUnsupportedFormat,  // not an image/video we accept, or no decoder for it
  kLimitExceeded,      // a MediaLimits value was exceeded
  kIoError,            // a file could not be opened or read
  kEncoderError,       // encoding/muxing failed (not the caller's input)
};

// "invalid_data", "unsupported_format", ...
const char* to_string(MediaErrorCode code);

class MediaError : public std::runtime_error {
 public:
  MediaError(MediaErrorCode code, const std::string& message);
  MediaErrorCode code() const noexcept { return code_; }

 private:
  MediaErrorCode code_;
};

}  // namespace animate::media
