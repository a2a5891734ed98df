// Tests of the SentencePiece reimplementation: model parsing, normalisation,
// Viterbi segmentation, unknown runs and byte fallback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "model/io/error.h"
#include "model/text/spm_tokenizer.h"

namespace animate::text {
namespace {

const std::string kSpace = "\xe2\x96\x81";  // "▁"

SpmModel tiny_model(bool byte_fallback = false) {
  SpmModel model;
  model.pieces = {{"<pad>", 0, PieceType::kControl},          {"</s>", 0, PieceType::kControl},
                  {"<unk>", 0, PieceType::kUnknown},          {kSpace, -2.0f, PieceType::kNormal},
                  {kSpace + "ab", -1.0f, PieceType::kNormal}, {"a", -3.0f, PieceType::kNormal},
                  {"b", -3.0f, PieceType::kNormal},           {"c", -3.0f, PieceType::kNormal},
                  {"abc", -9.0f, PieceType::kNormal},         {"<tag>", 0, PieceType::kUserDefined},
                  {"zz", -0.5f, PieceType::kUnused}};
  if (byte_fallback) {
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      model.pieces.push_back({name, 0, PieceType::kByte});
    }
  }
  model.byte_fallback = byte_fallback;
  model.unk_id = 2;
  model.eos_id = 1;
  model.pad_id = 0;
  return model;
}

TEST(SpmTokenizer, ViterbiPicksTheBestScoringSegmentation) {
  SpmTokenizer tokenizer(tiny_model());
  // "▁ab" (-1) + "c" (-3) beats "▁" + "abc" (-2 - 9) and "▁" "a" "b" "c" (-11).
  EXPECT_EQ(tokenizer.encode("abc"), (std::vector<int>{4, 7}));
  EXPECT_EQ(tokenizer.encode_pieces("abc"), (std::vector<std::string>{kSpace + "ab", "c"}));
}

TEST(SpmTokenizer, WhitespaceIsTrimmedCollapsedAndEscaped) {
  SpmTokenizer tokenizer(tiny_model());
  EXPECT_EQ(tokenizer.normalize("  ab   c  "), kSpace + "ab" + kSpace + "c");
  EXPECT_EQ(tokenizer.normalize("   "), "");
  EXPECT_TRUE(tokenizer.encode("").empty());
}

TEST(SpmTokenizer, UnknownRunsMergeIntoOneUnknownPiece) {
  SpmTokenizer tokenizer(tiny_model());
  // "xy" has no pieces: one <unk> for the run, not two.
  EXPECT_EQ(tokenizer.encode("axy"), (std::vector<int>{3, 5, 2}));
  EXPECT_EQ(tokenizer.encode_pieces("axy").back(), "xy");
}

TEST(SpmTokenizer, ByteFallbackSpellsUnknownCharactersAsBytes) {
  SpmTokenizer tokenizer(tiny_model(true));
  const auto ids = tokenizer.encode("a\xc3\xa9");  // "aé"
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(tokenizer.piece(ids[2]), "<0xC3>");
  EXPECT_EQ(tokenizer.piece(ids[3]), "<0xA9>");
}

TEST(SpmTokenizer, UserDefinedSymbolsWinAndUnusedPiecesAreNeverChosen) {
  SpmTokenizer tokenizer(tiny_model());
  const auto pieces = tokenizer.encode_pieces("a<tag>b");
  EXPECT_NE(std::find(pieces.begin(), pieces.end(), "<tag>"), pieces.end());
  const auto ids = tokenizer.encode("zz");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 10), 0);
}

TEST(SpmTokenizer, InvalidUtf8BecomesReplacementCharacter) {
  SpmTokenizer tokenizer(tiny_model());
  EXPECT_EQ(tokenizer.normalize("a\xff"), kSpace + "a\xEF\xBF\xBD");
}

TEST(SpmModelParse, RejectsTruncatedAndMalformedModels) {
  EXPECT_THROW(SpmModel::parse("", "m"), io::FormatError);                  // no pieces
  EXPECT_THROW(SpmModel::parse("\x0a\x05\x0a\x01", "m"), io::FormatError);  // field past its end
  EXPECT_THROW(SpmModel::parse("\x0a", "m"), io::FormatError);              // truncated varint
  std::string bad_type = "\x0a\x05\x0a\x01x\x18\x09";                       // piece type 9
  EXPECT_THROW(SpmModel::parse(bad_type, "m"), io::FormatError);
}

TEST(SpmModelParse, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    try {
      SpmTokenizer tokenizer(SpmModel::parse(bytes, "random"));
      tokenizer.encode("some text");
    } catch (const io::FormatError&) {
    }
  }
}

std::filesystem::path golden_spiece() {
  const char* env = std::getenv("ANIMATE_GOLDEN_DIR");
  std::filesystem::path dir =
      env ? env : std::filesystem::path(__FILE__).parent_path() / "../../../shared/golden";
  return dir / "t5_tokenizer/google/umt5-xxl/spiece.model";
}

TEST(SpmTokenizer, NfkcCharacterMapFoldsFullWidthAndLigatures) {
  if (!std::filesystem::exists(golden_spiece())) GTEST_SKIP() << "golden tokenizer not found";
  auto tokenizer = SpmTokenizer::load(golden_spiece().string());
  EXPECT_EQ(tokenizer.normalize("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x91"),
            kSpace + "AB1");                                          // "ＡＢ１"
  EXPECT_EQ(tokenizer.normalize("\xef\xac\x81ne"), kSpace + "fine");  // "ﬁne"
}

}  // namespace
}  // namespace animate::text
