#include "model/text/spm_normalizer.h"

#include <algorithm>
#include <cstring>

#include "model/io/error.h"
#include "model/text/utf8.h"

namespace animate::text {
namespace {

constexpr std::string_view kSpaceSymbol = "\xe2\x96\x81";  // U+2581
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";
// SentencePiece keeps at most this many prefix matches per position.
constexpr std::size_t kMaxTrieResults = 32;

// darts-clone double-array unit fields.
bool unit_has_leaf(std::uint32_t unit) {
  return ((unit >> 8) & 1) == 1;
}
std::uint32_t unit_value(std::uint32_t unit) {
  return unit & ((1u << 31) - 1);
}
std::uint32_t unit_label(std::uint32_t unit) {
  return unit & ((1u << 31) | 0xFF);
}
std::uint32_t unit_offset(std::uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::string_view(text).substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

SpmNormalizer::SpmNormalizer(const SpmNormalizerSpec& spec, std::vector<std::string> user_defined,
                             bool treat_whitespace_as_suffix, const std::string& origin)
    : spec_(spec),
      user_defined_(std::move(user_defined)),
      treat_whitespace_as_suffix_(treat_whitespace_as_suffix) {
  const std::string& blob = spec_.precompiled_charsmap;
  if (blob.empty()) return;  // identity normalisation
  std::uint32_t trie_bytes = 0;
  if (blob.size() <= 4) throw io::FormatError(io::describe(origin, "character map is truncated"));
  for (int i = 3; i >= 0; --i) trie_bytes = (trie_bytes << 8) | static_cast<std::uint8_t>(blob[i]);
  if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4 || trie_bytes == 0) {
    throw io::FormatError(io::describe(
        origin, "character map trie size " + std::to_string(trie_bytes) + " is invalid"));
  }
  trie_units_.resize(trie_bytes / 4);
  std::memcpy(trie_units_.data(), blob.data() + 4, trie_bytes);
  replacements_ = blob.substr(4 + trie_bytes);
  // Replacement strings are NUL-terminated; make sure the last one is.
  if (replacements_.empty() || replacements_.back() != '\0') replacements_.push_back('\0');
  // Longest user-defined symbols first, so the first match is the longest.
  std::sort(user_defined_.begin(), user_defined_.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::pair<std::size_t, std::uint32_t> SpmNormalizer::longest_trie_match(
    std::string_view input) const {
  std::size_t longest = 0;
  std::uint32_t value = 0;
  std::size_t results = 0;
  std::size_t node = 0;
  auto in_range = [&](std::size_t pos) { return pos < trie_units_.size(); };
  if (!in_range(node)) return {0, 0};
  node ^= unit_offset(trie_units_[node]);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto label = static_cast<std::uint8_t>(input[i]);
    node ^= label;
    if (!in_range(node)) break;  // a corrupt map ends the search, never reads out of bounds
    const std::uint32_t unit = trie_units_[node];
    if (unit_label(unit) != label) break;
    node ^= unit_offset(unit);
    if (unit_has_leaf(unit)) {
      if (!in_range(node)) break;
      if (results < kMaxTrieResults) {
        longest = i + 1;
        value = unit_value(trie_units_[node]);
      }
      ++results;
    }
  }
  return {longest, value};
}

std::pair<std::string_view, std::size_t> SpmNormalizer::normalize_prefix(
    std::string_view input) const {
  for (const auto& symbol : user_defined_) {
    if (input.substr(0, symbol.size()) == symbol)
      return {input.substr(0, symbol.size()), symbol.size()};
  }
  if (!trie_units_.empty()) {
    const auto [length, value] = longest_trie_match(input);
    if (length > 0 && value < replacements_.size()) {
      return {std::string_view(replacements_.data() + value), length};
    }
  }
  const std::size_t length = utf8_valid_length(input);
  if (length == 0) return {kReplacementChar, 1};
  return {input.substr(0, length), length};
}

std::string SpmNormalizer::normalize(std::string_view input) const {
  std::string out;
  if (spec_.remove_extra_whitespaces) {
    while (!input.empty()) {
      const auto [piece, consumed] = normalize_prefix(input);
      if (piece != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return out;
  out.reserve(input.size() * 3);
  auto add_space = [&] {
    if (spec_.escape_whitespaces) {
      out.append(kSpaceSymbol);
    } else {
      out.push_back(' ');
    }
  };
  if (!treat_whitespace_as_suffix_ && spec_.add_dummy_prefix) add_space();
  bool previous_is_space = spec_.remove_extra_whitespaces;
  while (!input.empty()) {
    auto [piece, consumed] = normalize_prefix(input);
    while (previous_is_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    if (!piece.empty()) {
      for (char c : piece) {
        if (spec_.escape_whitespaces && c == ' ') {
          out.append(kSpaceSymbol);
        } else {
          out.push_back(c);
        }
      }
      previous_is_space = piece.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!spec_.remove_extra_whitespaces) previous_is_space = false;
  }
  if (spec_.remove_extra_whitespaces) {
    const std::string_view space = spec_.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
    while (ends_with(out, space)) out.resize(out.size() - space.size());
  }
  if (treat_whitespace_as_suffix_ && spec_.add_dummy_prefix) add_space();
  return out;
}

}  // namespace animate::text
