#pragma once
// UTF-8 <-> code points and the character classes the prompt cleaning needs,
// with Python's semantics where the reference relies on them.
#include <string>
#include <string_view>

namespace animate::wan::text_unicode {

// Decodes UTF-8 without failing: every maximal invalid subsequence becomes
// U+FFFD (as Python's errors="replace"), except that encoded UTF-16
// surrogates (ED A0..BF xx) are kept as surrogate code points, so that the
// ftfy surrogate fix can pair them as it would in a Python str.
std::u32string decode_utf8(std::string_view text);

// Encodes code points as UTF-8; surrogates and values above U+10FFFF, which
// UTF-8 cannot carry, are written as U+FFFD.
std::string encode_utf8(std::u32string_view text);
void append_utf8(char32_t codepoint, std::string& out);

// Python's str.isspace() (also the `\s` of the reference's regex): ASCII
// whitespace, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000.
bool is_space(char32_t c);

bool is_ascii_alnum(char32_t c);
bool is_ascii_digit(char32_t c);
bool is_ascii_hex_digit(char32_t c);

}  // namespace animate::wan::text_unicode
