#pragma once
// umT5's tokenizer as Wan uses it (HuggingfaceTokenizer('google/umt5-xxl',
// seq_len=512, clean='whitespace')): clean the prompt, SentencePiece pieces,
// at most text_len - 1 of them, then </s>, then <pad> up to text_len.
// SentencePiece encoding is done by text::SpmTokenizer (model/text), which
// reads spiece.model without libsentencepiece.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace animate::text {
class SpmTokenizer;
}

namespace animate::wan {

// Token ids of a batch of prompts, all int64 CPU tensors.
struct TokenizedPrompts {
  at::Tensor ids;       // [P, text_len]: pieces, </s>, then <pad>
  at::Tensor mask;      // [P, text_len]: 1 on pieces and </s>, 0 on padding
  at::Tensor seq_lens;  // [P]: number of ones in each mask row (>= 1)
};

class UmT5Tokenizer {
 public:
  static constexpr std::int64_t kDefaultTextLength = 512;

  // Loads a SentencePiece model file (umT5's spiece.model). The end-of-text
  // and padding ids are read from the model (umT5: </s> = 1, <pad> = 0).
  // Throws io::FormatError naming the path when it cannot be read or parsed,
  // io::ContentError when the model has no </s> id, std::invalid_argument
  // for text_length < 1.
  static UmT5Tokenizer load(const std::filesystem::path& spiece_model,
                            std::int64_t text_length = kDefaultTextLength);
  // The tokenizer inside a Wan checkpoint folder: <dir>/google/umt5-xxl/spiece.model.
  static UmT5Tokenizer load_from_checkpoint_dir(const std::filesystem::path& dir,
                                                std::int64_t text_length = kDefaultTextLength);

  // SentencePiece ids of already-cleaned text, without </s> or truncation.
  std::vector<int> encode_pieces(const std::string& cleaned) const;
  // The ids and mask of one prompt after cleaning (clean_prompt). Prompts
  // with more than text_length - 1 pieces keep their first text_length - 1
  // (the reference's truncation); an empty prompt gives just </s>.
  std::vector<std::int64_t> token_ids(const std::string& prompt) const;
  // Batch form: one row per prompt.
  TokenizedPrompts operator()(const std::vector<std::string>& prompts) const;

  std::int64_t text_length() const { return text_length_; }
  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  // SentencePiece vocabulary size (umT5: 256000; HF adds 300 <extra_id_*>).
  int vocab_size() const;

 private:
  std::shared_ptr<const text::SpmTokenizer> model_;
  std::int64_t text_length_ = kDefaultTextLength;
  int eos_id_ = 1;
  int pad_id_ = 0;
};

}  // namespace animate::wan
