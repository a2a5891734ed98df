#pragma once
// The UTF-8 rules SentencePiece applies (surrogates and overlong forms are
// invalid; an invalid byte is consumed alone).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace animate::text {

// Byte length of the character starting at `lead`, from the lead byte alone.
inline std::size_t utf8_lead_length(unsigned char lead) {
  return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[lead >> 4];
}

// Length of the valid character at the start of `input`, or 0 if invalid.
std::size_t utf8_valid_length(std::string_view input);

}  // namespace animate::text
