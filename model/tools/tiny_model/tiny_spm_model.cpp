#include "model/tools/tiny_model/tiny_spm_model.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace animate::tiny_model {
namespace {

// Protocol-buffer wire format: just what a ModelProto needs.
class ProtoWriter {
 public:
  void varint_field(int field, std::uint64_t value) {
    key(field, 0);
    varint(value);
  }
  void int32_field(int field, int value) {
    // Negative int32 values are sign-extended to 64 bits on the wire.
    varint_field(field, static_cast<std::uint64_t>(static_cast<std::int64_t>(value)));
  }
  void float_field(int field, float value) {
    key(field, 5);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof(bits));
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  void bytes_field(int field, const std::string& value) {
    key(field, 2);
    varint(value.size());
    bytes_ += value;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void key(int field, int wire_type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire_type));
  }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    bytes_.push_back(static_cast<char>(value));
  }
  std::string bytes_;
};

struct Piece {
  std::string text;
  float score;
  int type;  // 1 normal, 2 unknown, 3 control
};

const char* const kWordStart = "\xE2\x96\x81";  // U+2581, SentencePiece's space marker

std::vector<Piece> pieces() {
  std::vector<Piece> out = {{"<pad>", 0.0F, 3}, {"</s>", 0.0F, 3}, {"<unk>", 0.0F, 2}};
  // Whole words score better than their letters, so the default prompt
  // becomes a handful of word pieces.
  for (const char* word : {"a", "person", "is", "dancing", "the", "and"}) {
    out.push_back({std::string(kWordStart) + word, -2.0F, 1});
  }
  out.push_back({kWordStart, -4.0F, 1});
  for (char ch = '!'; ch <= '~'; ++ch) out.push_back({std::string(1, ch), -5.0F, 1});
  return out;
}

}  // namespace

std::string tiny_spm_model_bytes() {
  ProtoWriter model;
  for (const Piece& piece : pieces()) {
    ProtoWriter entry;
    entry.bytes_field(1, piece.text);
    entry.float_field(2, piece.score);
    entry.varint_field(3, static_cast<std::uint64_t>(piece.type));
    model.bytes_field(1, entry.bytes());
  }
  ProtoWriter trainer;
  trainer.varint_field(3, 1);   // model_type UNIGRAM
  trainer.int32_field(40, 2);   // unk_id
  trainer.int32_field(41, -1);  // bos_id: none
  trainer.int32_field(42, 1);   // eos_id
  trainer.int32_field(43, 0);   // pad_id
  model.bytes_field(2, trainer.bytes());
  ProtoWriter normalizer;
  normalizer.bytes_field(1, "identity");  // no precompiled charsmap: identity normalisation
  normalizer.varint_field(3, 1);          // add_dummy_prefix
  normalizer.varint_field(4, 1);          // remove_extra_whitespaces
  normalizer.varint_field(5, 1);          // escape_whitespaces
  model.bytes_field(3, normalizer.bytes());
  return model.bytes();
}

int tiny_spm_vocab_size() {
  return static_cast<int>(pieces().size());
}

}  // namespace animate::tiny_model
