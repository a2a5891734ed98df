#pragma once
// SentencePiece's text normaliser: the precompiled character map (e.g.
// nmt_nfkc) applied by longest-prefix match, then whitespace handling
// (leading/trailing/duplicate spaces removed, a dummy "▁" prefix, spaces
// escaped as "▁"), exactly as libsentencepiece does before encoding.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/text/spm_model.h"

namespace animate::text {

class SpmNormalizer {
 public:
  // `user_defined` pieces pass through unnormalised (SentencePiece's prefix
  // matcher). Throws io::FormatError if the character map is malformed.
  SpmNormalizer(const SpmNormalizerSpec& spec, std::vector<std::string> user_defined,
                bool treat_whitespace_as_suffix, const std::string& origin);

  std::string normalize(std::string_view input) const;

 private:
  // The normalised replacement of the longest rule matching the start of
  // `input`, and how many input bytes it consumes.
  std::pair<std::string_view, std::size_t> normalize_prefix(std::string_view input) const;
  // darts-clone common-prefix search: longest matching key's value, or -1.
  std::pair<std::size_t, std::uint32_t> longest_trie_match(std::string_view input) const;

  SpmNormalizerSpec spec_;
  std::vector<std::string> user_defined_;
  bool treat_whitespace_as_suffix_;
  std::vector<std::uint32_t> trie_units_;
  std::string replacements_;  // NUL-separated replacement strings
};

}  // namespace animate::text
