#pragma once
// Errors raised while reading or validating checkpoints and model inputs.
// The model layer reports failures with exceptions; service layers translate
// them into gRPC statuses at their boundary.
#include <stdexcept>
#include <string>

namespace animate::io {

// A file is malformed, truncated, lies about its contents or uses something
// this reader refuses (e.g. a forbidden pickle global). The message always
// names the file and what exactly is wrong.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file is well-formed but does not hold what the caller needs (a missing
// tensor, a shape or dtype that contradicts the model configuration).
class ContentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Formats "<path>: <what>" so every message names its file.
std::string describe(const std::string& path, const std::string& what);

}  // namespace animate::io
