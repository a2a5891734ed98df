#pragma once
// Element types that appear in checkpoints, independent of whether the
// LibTorch build at hand can hold them (float8 needs LibTorch >= 2.1).
#include <c10/core/ScalarType.h>

#include <cstddef>
#include <optional>
#include <string>

namespace animate::io {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, F8_E4M3, F8_E5M2 };

// Parses a safetensors dtype name ("F32", "BF16", "F8_E4M3", ...).
std::optional<DType> dtype_from_safetensors(const std::string& name);
const char* safetensors_name(DType dtype);
std::size_t element_size(DType dtype);

// The LibTorch scalar type for `dtype`; throws ContentError with a clear
// message when this LibTorch build has no such type (float8 on LibTorch 1.x).
c10::ScalarType to_scalar_type(DType dtype);
std::optional<DType> from_scalar_type(c10::ScalarType type);

}  // namespace animate::io
