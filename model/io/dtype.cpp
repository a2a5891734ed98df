#include "model/io/dtype.h"

#include <torch/version.h>

#include "model/io/error.h"

namespace animate::io {
namespace {

struct DTypeRow {
  DType dtype;
  const char* name;
  std::size_t size;
};

constexpr DTypeRow kRows[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4},         {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8},         {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},           {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1}, {DType::F8_E4M3, "F8_E4M3", 1}, {DType::F8_E5M2, "F8_E5M2", 1},
};

const DTypeRow& row(DType dtype) {
  for (const auto& r : kRows) {
    if (r.dtype == dtype) return r;
  }
  throw std::logic_error("unknown DType");
}

}  // namespace

std::optional<DType> dtype_from_safetensors(const std::string& name) {
  for (const auto& r : kRows) {
    if (name == r.name) return r.dtype;
  }
  return std::nullopt;
}

const char* safetensors_name(DType dtype) {
  return row(dtype).name;
}

std::size_t element_size(DType dtype) {
  return row(dtype).size;
}

c10::ScalarType to_scalar_type(DType dtype) {
  switch (dtype) {
    case DType::F64: return c10::kDouble;
    case DType::F32: return c10::kFloat;
    case DType::F16: return c10::kHalf;
    case DType::BF16: return c10::kBFloat16;
    case DType::I64: return c10::kLong;
    case DType::I32: return c10::kInt;
    case DType::I16: return c10::kShort;
    case DType::I8: return c10::kChar;
    case DType::U8: return c10::kByte;
    case DType::BOOL: return c10::kBool;
    case DType::F8_E4M3:
    case DType::F8_E5M2:
#if (TORCH_VERSION_MAJOR > 2) || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
      return dtype == DType::F8_E4M3 ? c10::ScalarType::Float8_e4m3fn
                                     : c10::ScalarType::Float8_e5m2;
#else
      throw ContentError(std::string("dtype ") + safetensors_name(dtype) +
                         " (float8) needs LibTorch >= 2.1; this build is " TORCH_VERSION
                         ". Convert the checkpoint to BF16/F16/F32.");
#endif
  }
  throw std::logic_error("unknown DType");
}

std::optional<DType> from_scalar_type(c10::ScalarType type) {
  switch (type) {
    case c10::kDouble: return DType::F64;
    case c10::kFloat: return DType::F32;
    case c10::kHalf: return DType::F16;
    case c10::kBFloat16: return DType::BF16;
    case c10::kLong: return DType::I64;
    case c10::kInt: return DType::I32;
    case c10::kShort: return DType::I16;
    case c10::kChar: return DType::I8;
    case c10::kByte: return DType::U8;
    case c10::kBool: return DType::BOOL;
    default: return std::nullopt;
  }
}

}  // namespace animate::io
