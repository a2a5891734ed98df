// UmT5Tokenizer conventions: </s> appended, <pad> after it, truncation to
// text_length - 1 pieces, empty prompts; uses the golden tiny spiece.model.
#include <gtest/gtest.h>

#include "model/io/error.h"
#include "model/tests/test_encoders_support.h"
#include "model/wan/tokenizer.h"

namespace animate::wan {
namespace {

std::filesystem::path spiece_model() {
  return test::golden_dir() / "t5_tokenizer" / "google" / "umt5-xxl" / "spiece.model";
}

class TokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(spiece_model())) GTEST_SKIP() << "no " << spiece_model();
  }
};

TEST_F(TokenizerTest, EmptyPromptIsJustEndOfText) {
  const auto tokenizer = UmT5Tokenizer::load(spiece_model(), 8);
  EXPECT_EQ(tokenizer.token_ids(""), std::vector<std::int64_t>{tokenizer.eos_id()});
  EXPECT_EQ(tokenizer.token_ids(" \t "), std::vector<std::int64_t>{tokenizer.eos_id()});
  const TokenizedPrompts out = tokenizer({""});
  EXPECT_EQ(out.ids.sizes(), (at::IntArrayRef{1, 8}));
  EXPECT_EQ(out.ids[0][0].item<std::int64_t>(), 1);
  EXPECT_EQ(out.ids.slice(1, 1).sum().item<std::int64_t>(), 0);  // <pad> = 0
  EXPECT_EQ(out.mask.sum().item<std::int64_t>(), 1);
  EXPECT_EQ(out.seq_lens[0].item<std::int64_t>(), 1);
}

TEST_F(TokenizerTest, OverlongPromptKeepsTheFirstPiecesAndEndsWithEos) {
  const auto tokenizer = UmT5Tokenizer::load(spiece_model(), 16);
  std::string prompt;
  for (int i = 0; i < 50; ++i) prompt += "a person is dancing ";
  const std::vector<int> pieces = tokenizer.encode_pieces(prompt.substr(0, prompt.size() - 1));
  ASSERT_GT(pieces.size(), 15u);
  const auto ids = tokenizer.token_ids(prompt);
  ASSERT_EQ(ids.size(), 16u);
  for (std::size_t i = 0; i < 15; ++i) EXPECT_EQ(ids[i], pieces[i]);
  EXPECT_EQ(ids.back(), tokenizer.eos_id());
  const TokenizedPrompts out = tokenizer({prompt, "a person"});
  EXPECT_EQ(out.mask[0].sum().item<std::int64_t>(), 16);
  EXPECT_EQ(out.seq_lens[1].item<std::int64_t>(), out.mask[1].sum().item<std::int64_t>());
}

TEST_F(TokenizerTest, TextLengthOneLeavesOnlyEos) {
  const auto tokenizer = UmT5Tokenizer::load(spiece_model(), 1);
  EXPECT_EQ(tokenizer.token_ids("a person is dancing"),
            std::vector<std::int64_t>{tokenizer.eos_id()});
}

TEST_F(TokenizerTest, CleansBeforeEncoding) {
  const auto tokenizer = UmT5Tokenizer::load(spiece_model());
  EXPECT_EQ(tokenizer.token_ids("  a   person&nbsp;is dancing "),
            tokenizer.token_ids("a person is dancing"));
}

TEST(TokenizerErrors, RejectsBadArguments) {
  EXPECT_THROW(UmT5Tokenizer::load(spiece_model(), 0), std::invalid_argument);
  EXPECT_THROW(UmT5Tokenizer::load("/nonexistent/spiece.model"), std::exception);
}

}  // namespace
}  // namespace animate::wan
