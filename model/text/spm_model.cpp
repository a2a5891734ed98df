#include "model/text/spm_model.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "model/io/error.h"

namespace animate::text {
namespace {

// Protocol-buffer wire format reader over one message's bytes.
class WireReader {
 public:
  WireReader(const std::string& bytes, std::size_t begin, std::size_t end,
             const std::string& origin)
      : bytes_(bytes), pos_(begin), end_(end), origin_(origin) {}

  bool done() const { return pos_ >= end_; }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= end_) fail("truncated varint");
      const auto byte = static_cast<std::uint8_t>(bytes_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("varint longer than 10 bytes");
  }

  // Returns [begin, end) of a length-delimited field.
  std::pair<std::size_t, std::size_t> span() {
    const std::uint64_t length = varint();
    if (length > end_ - pos_) fail("length-delimited field runs past its message");
    const std::size_t begin = pos_;
    pos_ += static_cast<std::size_t>(length);
    return {begin, pos_};
  }

  std::string string() {
    const auto [begin, end] = span();
    return bytes_.substr(begin, end - begin);
  }

  float fixed32_float() {
    if (end_ - pos_ < 4) fail("truncated fixed32");
    std::uint32_t bits = 0;
    for (int i = 3; i >= 0; --i) bits = (bits << 8) | static_cast<std::uint8_t>(bytes_[pos_ + i]);
    pos_ += 4;
    float value = 0;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }

  void skip(int wire_type) {
    switch (wire_type) {
      case 0: varint(); return;
      case 1:
        if (end_ - pos_ < 8) fail("truncated fixed64");
        pos_ += 8;
        return;
      case 2: span(); return;
      case 5:
        if (end_ - pos_ < 4) fail("truncated fixed32");
        pos_ += 4;
        return;
      default: fail("unsupported wire type " + std::to_string(wire_type));
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw io::FormatError(io::describe(
        origin_, "invalid SentencePiece model: " + what + " at byte " + std::to_string(pos_)));
  }

  const std::string& bytes() const { return bytes_; }

 private:
  const std::string& bytes_;
  std::size_t pos_;
  std::size_t end_;
  const std::string& origin_;
};

int as_int(std::uint64_t value) {
  return static_cast<int>(static_cast<std::int64_t>(value));
}

SpmPiece parse_piece(WireReader reader) {
  SpmPiece piece;
  while (!reader.done()) {
    const std::uint64_t key = reader.varint();
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (field == 1 && wire == 2) {
      piece.text = reader.string();
    } else if (field == 2 && wire == 5) {
      piece.score = reader.fixed32_float();
    } else if (field == 3 && wire == 0) {
      const auto type = reader.varint();
      if (type < 1 || type > 6) reader.fail("unknown piece type " + std::to_string(type));
      piece.type = static_cast<PieceType>(type);
    } else {
      reader.skip(wire);
    }
  }
  return piece;
}

void parse_trainer_spec(WireReader reader, SpmModel* model) {
  while (!reader.done()) {
    const std::uint64_t key = reader.varint();
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (wire != 0) {
      reader.skip(wire);
      continue;
    }
    const std::uint64_t value = reader.varint();
    switch (field) {
      case 3:
        if (value < 1 || value > 4) reader.fail("unknown model_type " + std::to_string(value));
        model->algorithm = static_cast<SpmModel::Algorithm>(value);
        break;
      case 24: model->treat_whitespace_as_suffix = value != 0; break;
      case 35: model->byte_fallback = value != 0; break;
      case 40: model->unk_id = as_int(value); break;
      case 41: model->bos_id = as_int(value); break;
      case 42: model->eos_id = as_int(value); break;
      case 43: model->pad_id = as_int(value); break;
      default: break;
    }
  }
}

void parse_normalizer_spec(WireReader reader, SpmNormalizerSpec* spec) {
  while (!reader.done()) {
    const std::uint64_t key = reader.varint();
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (field == 1 && wire == 2) {
      spec->name = reader.string();
    } else if (field == 2 && wire == 2) {
      spec->precompiled_charsmap = reader.string();
    } else if (field >= 3 && field <= 5 && wire == 0) {
      const bool value = reader.varint() != 0;
      (field == 3   ? spec->add_dummy_prefix
       : field == 4 ? spec->remove_extra_whitespaces
                    : spec->escape_whitespaces) = value;
    } else {
      reader.skip(wire);
    }
  }
}

}  // namespace

SpmModel SpmModel::parse(const std::string& bytes, const std::string& origin) {
  SpmModel model;
  WireReader reader(bytes, 0, bytes.size(), origin);
  while (!reader.done()) {
    const std::uint64_t key = reader.varint();
    const int field = static_cast<int>(key >> 3), wire = static_cast<int>(key & 7);
    if (wire == 2 && (field == 1 || field == 2 || field == 3)) {
      const auto [begin, end] = reader.span();
      WireReader sub(bytes, begin, end, origin);
      if (field == 1) model.pieces.push_back(parse_piece(sub));
      if (field == 2) parse_trainer_spec(sub, &model);
      if (field == 3) parse_normalizer_spec(sub, &model.normalizer);
    } else {
      reader.skip(wire);
    }
  }
  if (model.pieces.empty()) reader.fail("no pieces");
  if (model.algorithm != Algorithm::kUnigram) {
    throw io::FormatError(io::describe(origin, "only unigram SentencePiece models are supported"));
  }
  const int size = static_cast<int>(model.pieces.size());
  for (int id : {model.unk_id, model.eos_id}) {
    if (id < 0 || id >= size) {
      throw io::FormatError(io::describe(origin, "special token id " + std::to_string(id) +
                                                     " is outside the vocabulary of " +
                                                     std::to_string(size)));
    }
  }
  if (model.pieces[model.unk_id].type != PieceType::kUnknown) {
    throw io::FormatError(io::describe(
        origin, "unk_id " + std::to_string(model.unk_id) + " is not an UNKNOWN piece"));
  }
  return model;
}

SpmModel SpmModel::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io::FormatError(io::describe(path, "cannot open SentencePiece model"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

}  // namespace animate::text
