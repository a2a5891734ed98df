// Number <-> text conversions for hash fields (exact round trips; doubles
// with 17 significant digits).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "animate/jobs/job_params.h"

namespace animate::jobs::detail {

std::string format_double(double value);
double parse_double(std::string_view text, double fallback = 0.0);
std::int64_t parse_int(std::string_view text, std::int64_t fallback = 0);
std::uint64_t parse_uint(std::string_view text, std::uint64_t fallback = 0);

// Value of a field in a flat field list, or nullptr.
const std::string* find_field(const Fields& fields, std::string_view name);

}  // namespace animate::jobs::detail
