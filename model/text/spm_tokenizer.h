#pragma once
// SentencePiece unigram encoding (text -> piece ids) implemented from the
// model file alone: normalisation, Viterbi segmentation over piece scores
// with SentencePiece's unknown-character rule, merged unknown runs, and
// byte fallback.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/text/spm_model.h"
#include "model/text/spm_normalizer.h"

namespace animate::text {

class SpmTokenizer {
 public:
  explicit SpmTokenizer(SpmModel model, const std::string& origin = "(in memory)");
  static SpmTokenizer load(const std::string& path);

  // Piece ids of `text`, as SentencePieceProcessor::EncodeAsIds returns them.
  std::vector<int> encode(std::string_view text) const;
  // Pieces (strings) for diagnostics.
  std::vector<std::string> encode_pieces(std::string_view text) const;
  std::string normalize(std::string_view text) const { return normalizer_.normalize(text); }

  int vocab_size() const { return static_cast<int>(model_.pieces.size()); }
  int eos_id() const { return model_.eos_id; }
  int pad_id() const { return model_.pad_id; }
  int unk_id() const { return model_.unk_id; }
  const std::string& piece(int id) const { return model_.pieces.at(id).text; }

 private:
  struct Token {
    std::string_view text;
    int id;
  };
  std::vector<Token> segment(std::string_view normalized) const;
  std::vector<std::pair<std::string, int>> encode_impl(std::string_view text) const;

  SpmModel model_;
  SpmNormalizer normalizer_;
  std::unordered_map<std::string_view, int> piece_ids_;  // normal, user-defined, unused
  std::size_t max_piece_bytes_ = 0;
  float min_score_ = 0.0f;
  float max_score_ = 0.0f;
  int byte_piece_ids_[256];
};

}  // namespace animate::text
