#include "model/wan/text_cleaning_unicode.h"

#include <cstdint>

namespace animate::wan::text_unicode {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool in_range(unsigned char byte, unsigned lo, unsigned hi) {
  return byte >= lo && byte <= hi;
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned second_lo = 0x80;
    unsigned second_hi = 0xBF;
    char32_t value = 0;
    if (in_range(b0, 0xC2, 0xDF)) {
      length = 2;
      value = b0 & 0x1F;
    } else if (in_range(b0, 0xE0, 0xEF)) {
      length = 3;
      value = b0 & 0x0F;
      // No overlong forms; ED A0..BF (surrogates) deliberately allowed.
      if (b0 == 0xE0) second_lo = 0xA0;
    } else if (in_range(b0, 0xF0, 0xF4)) {
      length = 4;
      value = b0 & 0x07;
      if (b0 == 0xF0) second_lo = 0x90;
      if (b0 == 0xF4) second_hi = 0x8F;
    } else {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    std::size_t consumed = 1;
    bool valid = true;
    for (; consumed < length; ++consumed) {
      if (i + consumed >= n) {
        valid = false;
        break;
      }
      const auto byte = static_cast<unsigned char>(text[i + consumed]);
      const unsigned lo = consumed == 1 ? second_lo : 0x80;
      const unsigned hi = consumed == 1 ? second_hi : 0xBF;
      if (!in_range(byte, lo, hi)) {
        valid = false;
        break;
      }
      value = (value << 6) | (byte & 0x3F);
    }
    out.push_back(valid ? value : kReplacement);
    i += consumed;
  }
  return out;
}

void append_utf8(char32_t c, std::string& out) {
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacement;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(c, out);
  return out;
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool is_ascii_digit(char32_t c) {
  return c >= U'0' && c <= U'9';
}

bool is_ascii_alnum(char32_t c) {
  return is_ascii_digit(c) || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z');
}

bool is_ascii_hex_digit(char32_t c) {
  return is_ascii_digit(c) || (c >= U'a' && c <= U'f') || (c >= U'A' && c <= U'F');
}

}  // namespace animate::wan::text_unicode
