#pragma once
// A SentencePiece model (`spiece.model`, a serialized ModelProto) read
// without libsentencepiece: Debian's libsentencepiece carries its own copy of
// protobuf whose symbols clash with the libprotobuf that LibTorch and gRPC
// load, crashing the process at start-up. Only the fields inference needs
// are decoded; the file is untrusted and every length is bounds-checked.
#include <cstdint>
#include <string>
#include <vector>

namespace animate::text {

enum class PieceType : int {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kUnused = 5,
  kByte = 6,
};

struct SpmPiece {
  std::string text;
  float score = 0.0f;
  PieceType type = PieceType::kNormal;
};

struct SpmNormalizerSpec {
  std::string name;
  std::string precompiled_charsmap;  // darts-clone trie + replacement strings
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

struct SpmModel {
  enum class Algorithm { kUnigram = 1, kBpe = 2, kWord = 3, kChar = 4 };

  std::vector<SpmPiece> pieces;
  Algorithm algorithm = Algorithm::kUnigram;
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  int unk_id = 0;
  int bos_id = 1;
  int eos_id = 2;
  int pad_id = -1;
  SpmNormalizerSpec normalizer;

  // Parses a serialized ModelProto. Throws io::FormatError naming `origin`.
  static SpmModel parse(const std::string& bytes, const std::string& origin);
  static SpmModel load(const std::string& path);
};

}  // namespace animate::text
