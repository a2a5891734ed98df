#include "model/text/spm_tokenizer.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>

#include "model/io/error.h"
#include "model/text/utf8.h"

namespace animate::text {
namespace {

// SentencePiece's penalty for an unknown character below the lowest score.
constexpr float kUnknownPenalty = 10.0f;

std::vector<std::string> user_defined_pieces(const SpmModel& model) {
  std::vector<std::string> result;
  for (const auto& piece : model.pieces) {
    if (piece.type == PieceType::kUserDefined) result.push_back(piece.text);
  }
  return result;
}

}  // namespace

SpmTokenizer::SpmTokenizer(SpmModel model, const std::string& origin)
    : model_(std::move(model)),
      normalizer_(model_.normalizer, user_defined_pieces(model_), model_.treat_whitespace_as_suffix,
                  origin) {
  min_score_ = FLT_MAX;
  max_score_ = FLT_MIN;  // as SentencePiece initialises it (the smallest positive float)
  std::fill(std::begin(byte_piece_ids_), std::end(byte_piece_ids_), -1);
  for (int id = 0; id < static_cast<int>(model_.pieces.size()); ++id) {
    const auto& piece = model_.pieces[id];
    if (piece.text.empty()) {
      throw io::FormatError(io::describe(origin, "piece " + std::to_string(id) + " is empty"));
    }
    if (piece.type == PieceType::kNormal) {
      min_score_ = std::min(min_score_, piece.score);
      max_score_ = std::max(max_score_, piece.score);
    }
    if (piece.type == PieceType::kNormal || piece.type == PieceType::kUserDefined ||
        piece.type == PieceType::kUnused) {
      if (!piece_ids_.emplace(piece.text, id).second) {
        throw io::FormatError(io::describe(origin, "piece '" + piece.text + "' is defined twice"));
      }
      max_piece_bytes_ = std::max(max_piece_bytes_, piece.text.size());
    }
    if (piece.type == PieceType::kByte) {
      unsigned value = 0;
      if (piece.text.size() == 6 && std::sscanf(piece.text.c_str(), "<0x%2X>", &value) == 1) {
        byte_piece_ids_[value & 0xff] = id;
      }
    }
  }
  if (model_.byte_fallback) {
    for (int b = 0; b < 256; ++b) {
      if (byte_piece_ids_[b] < 0) {
        throw io::FormatError(io::describe(origin, "byte_fallback is on but the byte piece for " +
                                                       std::to_string(b) + " is missing"));
      }
    }
  }
}

SpmTokenizer SpmTokenizer::load(const std::string& path) {
  return SpmTokenizer(SpmModel::load(path), path);
}

std::vector<SpmTokenizer::Token> SpmTokenizer::segment(std::string_view normalized) const {
  struct BestPath {
    int id = -1;
    float score = 0.0f;
    int starts_at = -1;
  };
  const int size = static_cast<int>(normalized.size());
  const float unk_score = min_score_ - kUnknownPenalty;
  std::vector<BestPath> best(static_cast<std::size_t>(size) + 1);
  int start = 0;
  while (start < size) {
    const float score_here = best[start].score;
    bool has_single_char_piece = false;
    const int char_len = std::min<int>(
        static_cast<int>(utf8_lead_length(static_cast<unsigned char>(normalized[start]))),
        size - start);
    const int max_len = std::min<int>(static_cast<int>(max_piece_bytes_), size - start);
    // Every piece that starts here, shortest first (the order of a trie walk).
    for (int length = 1; length <= max_len; ++length) {
      auto it = piece_ids_.find(normalized.substr(start, length));
      if (it == piece_ids_.end()) continue;
      const int id = it->second;
      const auto& piece = model_.pieces[id];
      if (piece.type == PieceType::kUnused) continue;
      // User-defined symbols get a bonus so they are always selected. As in
      // SentencePiece, the product is taken in float, the subtraction in double.
      const double score = piece.type == PieceType::kUserDefined
                               ? static_cast<double>(static_cast<float>(length) * max_score_) - 0.1
                               : static_cast<double>(piece.score);
      const double candidate = score + score_here;
      auto& target = best[start + length];
      if (target.starts_at == -1 || candidate > target.score) {
        target = {id, static_cast<float>(candidate), start};
      }
      if (length == char_len) has_single_char_piece = true;
    }
    if (!has_single_char_piece) {
      auto& target = best[start + char_len];
      const float candidate = unk_score + score_here;
      if (target.starts_at == -1 || candidate > target.score) {
        target = {model_.unk_id, candidate, start};
      }
    }
    start += char_len;
  }
  std::vector<Token> tokens;
  for (int end = size; end > 0; end = best[end].starts_at) {
    const auto& node = best[end];
    tokens.push_back({normalized.substr(node.starts_at, end - node.starts_at), node.id});
  }
  std::reverse(tokens.begin(), tokens.end());
  return tokens;
}

std::vector<std::pair<std::string, int>> SpmTokenizer::encode_impl(std::string_view text) const {
  const std::string normalized = normalizer_.normalize(text);
  std::vector<std::pair<std::string, int>> pieces;
  bool previous_unknown = false;
  for (const auto& token : segment(normalized)) {
    const bool unknown = token.id == model_.unk_id;
    if (unknown && model_.byte_fallback) {
      for (char byte : token.text) {
        const int id = byte_piece_ids_[static_cast<unsigned char>(byte)];
        pieces.emplace_back(model_.pieces[id].text, id);
      }
    } else if (unknown && previous_unknown) {
      // A run of unknown characters becomes one unknown piece.
      pieces.back().first.append(token.text);
    } else {
      pieces.emplace_back(std::string(token.text), token.id);
    }
    previous_unknown = unknown;
  }
  return pieces;
}

std::vector<int> SpmTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  for (const auto& piece : encode_impl(text)) ids.push_back(piece.second);
  return ids;
}

std::vector<std::string> SpmTokenizer::encode_pieces(std::string_view text) const {
  std::vector<std::string> result;
  for (auto& piece : encode_impl(text)) result.push_back(std::move(piece.first));
  return result;
}

}  // namespace animate::text
