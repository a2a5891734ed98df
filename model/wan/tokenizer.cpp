#include "model/wan/tokenizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

#include "model/io/error.h"
#include "model/text/spm_tokenizer.h"
#include "model/wan/text_cleaning.h"

namespace animate::wan {

UmT5Tokenizer UmT5Tokenizer::load(const std::filesystem::path& spiece_model,
                                  std::int64_t text_length) {
  if (text_length < 1) {
    throw std::invalid_argument("UmT5Tokenizer: text_length must be >= 1 (room for </s>), got " +
                                std::to_string(text_length));
  }
  auto model =
      std::make_shared<const text::SpmTokenizer>(text::SpmTokenizer::load(spiece_model.string()));
  UmT5Tokenizer tokenizer;
  tokenizer.eos_id_ = model->eos_id();
  if (tokenizer.eos_id_ < 0) {
    throw io::ContentError(
        io::describe(spiece_model.string(), "SentencePiece model has no </s> (eos) id"));
  }
  // T5 pads with id 0 when the model declares no pad piece.
  tokenizer.pad_id_ = model->pad_id() >= 0 ? model->pad_id() : 0;
  tokenizer.text_length_ = text_length;
  tokenizer.model_ = std::move(model);
  return tokenizer;
}

UmT5Tokenizer UmT5Tokenizer::load_from_checkpoint_dir(const std::filesystem::path& dir,
                                                      std::int64_t text_length) {
  return load(dir / "google" / "umt5-xxl" / "spiece.model", text_length);
}

int UmT5Tokenizer::vocab_size() const {
  return model_->vocab_size();
}

std::vector<int> UmT5Tokenizer::encode_pieces(const std::string& cleaned) const {
  return model_->encode(cleaned);
}

std::vector<std::int64_t> UmT5Tokenizer::token_ids(const std::string& prompt) const {
  const std::vector<int> pieces = encode_pieces(clean_prompt(prompt));
  const auto kept =
      std::min<std::int64_t>(static_cast<std::int64_t>(pieces.size()), text_length_ - 1);
  std::vector<std::int64_t> ids(pieces.begin(), pieces.begin() + kept);
  ids.push_back(eos_id_);
  return ids;
}

TokenizedPrompts UmT5Tokenizer::operator()(const std::vector<std::string>& prompts) const {
  const auto count = static_cast<std::int64_t>(prompts.size());
  TokenizedPrompts out;
  out.ids = at::full({count, text_length_}, pad_id_, at::kLong);
  out.mask = at::zeros({count, text_length_}, at::kLong);
  out.seq_lens = at::zeros({count}, at::kLong);
  auto ids = out.ids.accessor<std::int64_t, 2>();
  auto mask = out.mask.accessor<std::int64_t, 2>();
  auto seq_lens = out.seq_lens.accessor<std::int64_t, 1>();
  for (std::int64_t p = 0; p < count; ++p) {
    const std::vector<std::int64_t> row = token_ids(prompts[p]);
    for (std::size_t t = 0; t < row.size(); ++t) {
      ids[p][static_cast<std::int64_t>(t)] = row[t];
      mask[p][static_cast<std::int64_t>(t)] = 1;
    }
    seq_lens[p] = static_cast<std::int64_t>(row.size());
  }
  return out;
}

}  // namespace animate::wan
