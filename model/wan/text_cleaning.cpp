#include "model/wan/text_cleaning.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "model/wan/text_cleaning_tables.h"
#include "model/wan/text_cleaning_unicode.h"

namespace animate::wan {
namespace text_cleaning {
namespace {

using text_unicode::decode_utf8;
using text_unicode::is_ascii_alnum;
using text_unicode::is_ascii_digit;
using text_unicode::is_ascii_hex_digit;

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::size_t npos = std::u32string::npos;

// ftfy's max_decode_length: longer lines are fixed in pieces of this size.
constexpr std::size_t kMaxSegment = 1000000;
// ftfy repeats its fixes until the text stops changing; every fix shortens or
// normalises the text, so this bound is never reached by real input and only
// guarantees termination.
constexpr int kMaxFixRounds = 64;

// ---- table lookups ----

const text_tables::NamedText* find_named(const text_tables::NamedText* table, std::size_t count,
                                         const std::string& name) {
  const auto* end = table + count;
  const auto* found = std::lower_bound(
      table, end, name, [](const text_tables::NamedText& entry, const std::string& key) {
        return std::strcmp(entry.name, key.c_str()) < 0;
      });
  return (found != end && name == found->name) ? found : nullptr;
}

// The ASCII spelling of `name`, or nothing when it holds other characters
// (no entity name does).
bool to_ascii(std::u32string_view name, std::string& out) {
  out.clear();
  for (char32_t c : name) {
    if (c >= 0x80) return false;
    out.push_back(static_cast<char>(c));
  }
  return true;
}

const text_tables::NamedText* find_html5(std::u32string_view name) {
  std::string ascii;
  if (!to_ascii(name, ascii)) return nullptr;
  return find_named(text_tables::kHtml5Entities, text_tables::kHtml5EntityCount, ascii);
}

// Windows-1252 for U+0080..U+009F; the five bytes Windows-1252 leaves
// undefined map to themselves ("sloppy" decoding, also what HTML5 does).
char32_t windows_1252_c1(char32_t c) {
  static constexpr char32_t kTable[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  return kTable[c - 0x80];
}

// ---- Python html.unescape ----

// html._replace_charref for a numeric reference.
std::u32string numeric_reference(std::uint64_t value) {
  if (value == 0x00) return std::u32string(1, kReplacement);
  if (value == 0x0D) return U"\r";
  if (value >= 0x80 && value <= 0x9F)
    return std::u32string(1, windows_1252_c1(static_cast<char32_t>(value)));
  if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
    return std::u32string(1, kReplacement);
  }
  const auto c = static_cast<char32_t>(value);
  const bool invalid = (c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) ||
                       c == 0x7F || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE;
  if (invalid) return U"";
  return std::u32string(1, c);
}

// html._replace_charref for a named reference (`name` may end in ';').
std::u32string named_reference(std::u32string_view name) {
  if (const auto* entity = find_html5(name)) return decode_utf8(entity->value);
  // The longest prefix that is a (legacy, semicolon-less) entity name.
  for (std::size_t length = name.size() - 1; length >= 2 && length < name.size(); --length) {
    if (const auto* entity = find_html5(name.substr(0, length))) {
      std::u32string out = decode_utf8(entity->value);
      out.append(name.substr(length));
      return out;
    }
  }
  std::u32string out = U"&";
  out.append(name);
  return out;
}

// Characters that end a named reference in html.unescape's pattern.
bool ends_name(char32_t c) {
  return c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' ||
         c == U'#' || c == U';';
}

// ---- ftfy fixes ----

std::u32string fix_c1_controls(std::u32string_view text) {
  std::u32string out(text);
  for (char32_t& c : out) {
    if (c >= 0x80 && c <= 0x9F) c = windows_1252_c1(c);
  }
  return out;
}

// ftfy's LIGATURES: typographic Latin ligatures and legacy digraphs.
const char32_t* ligature_expansion(char32_t c) {
  switch (c) {
    case 0x0132: return U"IJ";
    case 0x0133: return U"ij";
    case 0x0149: return U"\u02BCn";
    case 0x01F1: return U"DZ";
    case 0x01F2: return U"Dz";
    case 0x01F3: return U"dz";
    case 0x01C4: return U"D\u017D";
    case 0x01C5: return U"D\u017E";
    case 0x01C6: return U"d\u017E";
    case 0x01C7: return U"LJ";
    case 0x01C8: return U"Lj";
    case 0x01C9: return U"lj";
    case 0x01CA: return U"NJ";
    case 0x01CB: return U"Nj";
    case 0x01CC: return U"nj";
    case 0xFB00: return U"ff";
    case 0xFB01: return U"fi";
    case 0xFB02: return U"fl";
    case 0xFB03: return U"ffi";
    case 0xFB04: return U"ffl";
    case 0xFB05: return U"\u017Ft";
    case 0xFB06: return U"st";
    default: return nullptr;
  }
}

std::u32string fix_latin_ligatures(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (const char32_t* expansion = ligature_expansion(c)) {
      out.append(expansion);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string fix_character_width(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  const auto* begin = text_tables::kWidthFolds;
  const auto* end = begin + text_tables::kWidthFoldCount;
  for (char32_t c : text) {
    if (c != 0x3000 && (c < 0xFF01 || c > 0xFFEF)) {
      out.push_back(c);
      continue;
    }
    const auto* found =
        std::lower_bound(begin, end, c, [](const text_tables::CodepointText& entry, char32_t key) {
          return entry.codepoint < key;
        });
    if (found != end && found->codepoint == c) {
      out.append(decode_utf8(found->value));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string uncurl_quotes(std::u32string_view text) {
  std::u32string out(text);
  for (char32_t& c : out) {
    if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) {
      c = U'\'';
    } else if (c >= 0x201C && c <= 0x201F) {
      c = U'"';
    }
  }
  return out;
}

std::u32string fix_line_breaks(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c == U'\r') {
      if (i + 1 < text.size() && text[i + 1] == U'\n') ++i;
      out.push_back(U'\n');
    } else if (c == 0x2028 || c == 0x2029 || c == 0x0085) {
      out.push_back(U'\n');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::u32string fix_surrogates(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char32_t c = text[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < text.size() && text[i + 1] >= 0xDC00 &&
        text[i + 1] <= 0xDFFF) {
      out.push_back(0x10000 + (c - 0xD800) * 0x400 + (text[i + 1] - 0xDC00));
      ++i;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      out.push_back(kReplacement);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ESC '[' (digits | ';')* letter
std::u32string remove_terminal_escapes(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == 0x1B && i + 1 < text.size() && text[i + 1] == U'[') {
      std::size_t j = i + 2;
      while (j < text.size() && (is_ascii_digit(text[j]) || text[j] == U';')) ++j;
      const bool letter = j < text.size() && ((text[j] >= U'a' && text[j] <= U'z') ||
                                              (text[j] >= U'A' && text[j] <= U'Z'));
      if (letter) {
        i = j + 1;
        continue;
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

bool is_removed_control(char32_t c) {
  return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
         (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
}

std::u32string remove_control_chars(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (!is_removed_control(c)) out.push_back(c);
  }
  return out;
}

// ftfy.fix_and_explain on one segment: every fix in ftfy's order, repeated
// until the text no longer changes.
std::u32string fix_segment(std::u32string_view segment, bool unescape) {
  std::u32string text(segment);
  for (int round = 0; round < kMaxFixRounds; ++round) {
    const std::u32string before = text;
    if (unescape) text = ftfy_unescape_html(text);
    // (fix_encoding, ftfy's mojibake repair, is not modelled: see the header.)
    text = fix_c1_controls(text);
    text = fix_latin_ligatures(text);
    text = fix_character_width(text);
    text = uncurl_quotes(text);
    text = fix_line_breaks(text);
    text = fix_surrogates(text);
    text = remove_terminal_escapes(text);
    text = remove_control_chars(text);
    // (NFC is left to SentencePiece's NFKC: see the header.)
    if (text == before) break;
  }
  return text;
}

}  // namespace

std::u32string html_unescape(std::u32string_view s) {
  if (s.find(U'&') == npos) return std::u32string(s);
  std::u32string out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    const std::size_t j = i + 1;
    if (j < n && s[j] == U'#') {
      // "#[0-9]+;?" or "#[xX][0-9a-fA-F]+;?"
      std::size_t k = j + 1;
      bool hex = false;
      if (k + 1 < n && (s[k] == U'x' || s[k] == U'X') && is_ascii_hex_digit(s[k + 1])) {
        hex = true;
        ++k;
      } else if (!(k < n && is_ascii_digit(s[k]))) {
        out.push_back(s[i++]);  // not a reference: keep the '&'
        continue;
      }
      // Saturate: anything above U+10FFFF decodes to U+FFFD alike.
      constexpr std::uint64_t kSaturated = 0x7FFFFFFF;
      std::uint64_t value = 0;
      while (k < n && (hex ? is_ascii_hex_digit(s[k]) : is_ascii_digit(s[k]))) {
        const char32_t c = s[k++];
        const std::uint64_t digit = is_ascii_digit(c) ? c - U'0'
                                    : (c >= U'a')     ? c - U'a' + 10
                                                      : c - U'A' + 10;
        value = std::min(value * (hex ? 16 : 10) + digit, kSaturated);
      }
      if (k < n && s[k] == U';') ++k;
      out.append(numeric_reference(value));
      i = k;
      continue;
    }
    // "[^\t\n\f <&#;]{1,32};?"
    std::size_t k = j;
    while (k < n && k - j < 32 && !ends_name(s[k])) ++k;
    if (k == j) {
      out.push_back(s[i++]);
      continue;
    }
    if (k < n && s[k] == U';') ++k;
    out.append(named_reference(s.substr(j, k - j)));
    i = k;
  }
  return out;
}

std::u32string ftfy_unescape_html(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  std::size_t i = 0;
  std::string ascii;
  while (i < n) {
    if (s[i] != U'&') {
      out.push_back(s[i++]);
      continue;
    }
    // "&#?[0-9A-Za-z]{1,24};"
    const bool numeric = i + 1 < n && s[i + 1] == U'#';
    const std::size_t start = i + (numeric ? 2 : 1);
    std::size_t k = start;
    while (k < n && k - start <= 24 && is_ascii_alnum(s[k])) ++k;
    const std::size_t run = k - start;
    if (run < 1 || run > 24 || k >= n || s[k] != U';') {
      out.push_back(s[i++]);
      continue;
    }
    const std::u32string_view match = s.substr(i, k + 1 - i);
    const std::u32string_view name = s.substr(i + 1, k - i);  // without '&', with ';'
    i = k + 1;
    if (!numeric) {
      to_ascii(name, ascii);
      const auto* entity =
          find_named(text_tables::kHtml5Entities, text_tables::kHtml5EntityCount, ascii);
      if (!entity) {
        entity =
            find_named(text_tables::kUppercaseEntities, text_tables::kUppercaseEntityCount, ascii);
      }
      if (entity) {
        out.append(decode_utf8(entity->value));
      } else {
        out.append(match);
      }
      continue;
    }
    // Numeric: html.unescape's reading, unless it left the ';' undecoded.
    const std::u32string decoded = html_unescape(match);
    if (decoded.find(U';') != npos) {
      out.append(match);
    } else {
      out.append(decoded);
    }
  }
  return out;
}

std::u32string fix_text(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  // unescape_html="auto": on until a segment contains '<' (then the text is
  // taken to be HTML, whose entities must stay), and off from there on.
  bool unescape = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(U'\n', pos);
    end = end == npos ? text.size() : end + 1;
    end = std::min(end, pos + kMaxSegment);
    const std::u32string_view segment = text.substr(pos, end - pos);
    if (unescape && segment.find(U'<') != npos) unescape = false;
    out.append(fix_segment(segment, unescape));
    pos = end;
  }
  return out;
}

std::u32string collapse_whitespace(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char32_t c : text) {
    if (text_unicode::is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace text_cleaning

std::string clean_prompt(std::string_view prompt) {
  using namespace text_cleaning;
  std::u32string text = fix_text(text_unicode::decode_utf8(prompt));
  text = html_unescape(html_unescape(text));
  return text_unicode::encode_utf8(collapse_whitespace(text));
}

}  // namespace animate::wan
