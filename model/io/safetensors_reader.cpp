#include "model/io/safetensors_reader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "model/io/error.h"

namespace animate::io {
namespace {

std::uint64_t read_le_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Multiplies non-negative sizes, reporting overflow instead of wrapping.
bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  *out = a * b;
  return true;
}

TensorInfo parse_entry(const std::string& path, const std::string& name,
                       const nlohmann::json& entry, std::uint64_t data_size) {
  auto fail = [&](const std::string& what) {
    return FormatError(describe(path, "tensor '" + name + "': " + what));
  };
  if (!entry.is_object()) throw fail("header entry is not an object");
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!entry.contains(key)) throw fail(std::string("missing '") + key + "'");
  }
  const auto& dtype_json = entry.at("dtype");
  if (!dtype_json.is_string()) throw fail("'dtype' is not a string");
  const auto dtype = dtype_from_safetensors(dtype_json.get<std::string>());
  if (!dtype) throw fail("unknown dtype '" + dtype_json.get<std::string>() + "'");

  TensorInfo info{*dtype, {}, 0, 0};
  const auto& shape = entry.at("shape");
  if (!shape.is_array()) throw fail("'shape' is not an array");
  if (shape.size() > 16) throw fail("rank " + std::to_string(shape.size()) + " exceeds 16");
  std::uint64_t numel = 1;
  for (const auto& dim : shape) {
    if (!dim.is_number_unsigned()) throw fail("shape has a negative or non-integer dimension");
    const auto d = dim.get<std::uint64_t>();
    if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        !checked_mul(numel, d, &numel)) {
      throw fail("shape overflows");
    }
    info.shape.push_back(static_cast<std::int64_t>(d));
  }
  const auto& offsets = entry.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    throw fail("'data_offsets' must be two non-negative integers");
  }
  info.begin = offsets[0].get<std::uint64_t>();
  info.end = offsets[1].get<std::uint64_t>();
  if (info.begin > info.end) throw fail("data_offsets begin > end");
  if (info.end > data_size) {
    throw fail("data_offsets end " + std::to_string(info.end) + " is past the data section (" +
               std::to_string(data_size) + " bytes)");
  }
  std::uint64_t expected_bytes = 0;
  if (!checked_mul(numel, element_size(*dtype), &expected_bytes)) throw fail("byte size overflows");
  if (expected_bytes != info.end - info.begin) {
    throw fail("holds " + std::to_string(info.end - info.begin) + " bytes but dtype " +
               safetensors_name(*dtype) + " x shape needs " + std::to_string(expected_bytes));
  }
  return info;
}

}  // namespace

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  auto file = MappedFile::open(path);
  if (file->size() < 8) {
    throw FormatError(describe(
        path, "too short for a safetensors header (" + std::to_string(file->size()) + " bytes)"));
  }
  const std::uint64_t header_len = read_le_u64(file->data());
  if (header_len > kMaxHeaderBytes) {
    throw FormatError(describe(path, "header length " + std::to_string(header_len) +
                                         " exceeds the limit of " +
                                         std::to_string(kMaxHeaderBytes)));
  }
  if (header_len > file->size() - 8) {
    throw FormatError(describe(path, "header length " + std::to_string(header_len) +
                                         " is past the end of the file (" +
                                         std::to_string(file->size()) + " bytes)"));
  }
  const auto* header_begin = reinterpret_cast<const char*>(file->data() + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_begin, header_begin + header_len);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(describe(path, std::string("header is not valid JSON: ") + e.what()));
  }
  if (!header.is_object()) throw FormatError(describe(path, "header is not a JSON object"));

  const std::uint64_t data_offset = 8 + header_len;
  const std::uint64_t data_size = file->size() - data_offset;
  std::shared_ptr<SafetensorsFile> result(new SafetensorsFile(file, data_offset));

  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw FormatError(describe(path, "__metadata__ is not an object"));
      for (const auto& [key, value] : entry.items()) {
        if (!value.is_string()) {
          throw FormatError(describe(path, "__metadata__ value of '" + key + "' is not a string"));
        }
        result->metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    result->tensors_.emplace(name, parse_entry(path, name, entry, data_size));
  }

  // Tensors must not overlap (zero-byte tensors may share an offset).
  std::vector<std::pair<const std::string*, const TensorInfo*>> by_offset;
  for (const auto& [name, info] : result->tensors_) by_offset.emplace_back(&name, &info);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return a.second->begin != b.second->begin ? a.second->begin < b.second->begin
                                              : a.second->end < b.second->end;
  });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const auto& prev = by_offset[i - 1];
    const auto& cur = by_offset[i];
    if (cur.second->begin < prev.second->end) {
      throw FormatError(describe(path, "tensors '" + *prev.first + "' and '" + *cur.first +
                                           "' overlap in the data section"));
    }
  }
  return result;
}

SafetensorsFile::SafetensorsFile(std::shared_ptr<const MappedFile> file, std::uint64_t data_offset)
    : file_(std::move(file)), data_offset_(data_offset) {}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto& entry : tensors_) result.push_back(entry.first);
  return result;
}

bool SafetensorsFile::contains(const std::string& name) const {
  return tensors_.count(name) > 0;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    throw ContentError(describe(file_->path(), "no tensor named '" + name + "'"));
  }
  return it->second;
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const TensorInfo& meta = info(name);
  const auto scalar_type = to_scalar_type(meta.dtype);
  const std::uint8_t* data = file_->data() + data_offset_ + meta.begin;
  const auto options = at::TensorOptions().dtype(scalar_type).device(at::kCPU);
  // The header does not promise alignment; LibTorch kernels assume it, so a
  // misaligned tensor is copied instead of viewed.
  if (reinterpret_cast<std::uintptr_t>(data) % element_size(meta.dtype) != 0) {
    auto copy = at::empty(meta.shape, options);
    std::memcpy(copy.data_ptr(), data, meta.end - meta.begin);
    return copy;
  }
  // Zero-copy view; the deleter holds the mapping alive for the tensor's life.
  auto keep_alive = file_;
  return at::from_blob(
      const_cast<std::uint8_t*>(data), meta.shape,
      [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

}  // namespace animate::io
