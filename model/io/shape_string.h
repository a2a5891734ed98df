#pragma once
// "[2, 3, 4]": how every error message in the model layer prints a shape.
#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <sstream>
#include <string>

namespace animate::io {

inline std::string shape_string(c10::ArrayRef<std::int64_t> shape) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

}  // namespace animate::io
