#include "model/text/utf8.h"

namespace animate::text {
namespace {

bool is_trail(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}
bool is_valid_codepoint(std::uint32_t c) {
  return c < 0xD800 || (c >= 0xE000 && c <= 0x10FFFF);
}

}  // namespace

std::size_t utf8_valid_length(std::string_view input) {
  if (input.empty()) return 0;
  const auto* s = reinterpret_cast<const unsigned char*>(input.data());
  const std::size_t len = input.size();
  if (s[0] < 0x80) return 1;
  if (len >= 2 && (s[0] & 0xE0) == 0xC0) {
    const std::uint32_t cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    if (is_trail(s[1]) && cp >= 0x80 && is_valid_codepoint(cp)) return 2;
  } else if (len >= 3 && (s[0] & 0xF0) == 0xE0) {
    const std::uint32_t cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    if (is_trail(s[1]) && is_trail(s[2]) && cp >= 0x800 && is_valid_codepoint(cp)) return 3;
  } else if (len >= 4 && (s[0] & 0xF8) == 0xF0) {
    const std::uint32_t cp =
        ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    if (is_trail(s[1]) && is_trail(s[2]) && is_trail(s[3]) && cp >= 0x10000 &&
        is_valid_codepoint(cp)) {
      return 4;
    }
  }
  return 0;
}

}  // namespace animate::text
