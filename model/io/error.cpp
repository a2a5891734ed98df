#include "model/io/error.h"

namespace animate::io {

std::string describe(const std::string& path, const std::string& what) {
  return path + ": " + what;
}

}  // namespace animate::io
