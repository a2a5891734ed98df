#pragma once
// A tiny SentencePiece unigram model, serialised as the ModelProto bytes of a
// `spiece.model` (the fields model/text/spm_model.h reads), with umT5's
// special ids: <pad> = 0, </s> = 1, <unk> = 2, no <s>. Its pieces are the
// word-start marker with every printable ASCII character and a few words of
// the default prompt, so English prompts tokenise into pieces and anything
// else (the Chinese negative prompt) into <unk>.
#include <string>

namespace animate::tiny_model {

std::string tiny_spm_model_bytes();

// Pieces in the model (the size an umT5 embedding must at least have).
int tiny_spm_vocab_size();

}  // namespace animate::tiny_model
