#include "model/wan/t5_relative_position.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace animate::wan {

std::int64_t relative_position_bucket(std::int64_t rel, std::int64_t num_buckets,
                                      std::int64_t max_distance, bool bidirectional) {
  std::int64_t buckets = num_buckets;
  std::int64_t bucket = 0;
  if (bidirectional) {
    buckets /= 2;
    if (rel > 0) bucket += buckets;
    rel = rel < 0 ? -rel : rel;
  } else {
    // Causal: only keys at or before the query are distinguished.
    rel = rel < 0 ? -rel : 0;
  }
  const std::int64_t max_exact = buckets / 2;
  if (max_exact < 1 || max_distance <= max_exact) {
    throw std::invalid_argument("relative_position_bucket: num_buckets " +
                                std::to_string(num_buckets) + " / max_distance " +
                                std::to_string(max_distance) + " leave no log-spaced buckets");
  }
  if (rel < max_exact) return bucket + rel;
  // The reference: max_exact + (log(rel.float() / max_exact) / log(max_dist / max_exact)
  //                 * (buckets - max_exact)).long(), every operation in float32.
  const float log_ratio = std::log(static_cast<float>(rel) / static_cast<float>(max_exact));
  const auto log_range = static_cast<float>(
      std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)));
  const float scaled = log_ratio / log_range * static_cast<float>(buckets - max_exact);
  const std::int64_t large = max_exact + static_cast<std::int64_t>(scaled);
  return bucket + std::min(large, buckets - 1);
}

at::Tensor relative_position_buckets(std::int64_t query_length, std::int64_t key_length,
                                     std::int64_t num_buckets, std::int64_t max_distance,
                                     bool bidirectional) {
  if (query_length < 0 || key_length < 0) {
    throw std::invalid_argument("relative_position_buckets: negative length");
  }
  // Bucket per distinct offset rel = j - i in [-(query_length - 1), key_length - 1].
  const std::int64_t offsets = std::max<std::int64_t>(query_length + key_length - 1, 0);
  std::vector<std::int64_t> by_offset(offsets);
  for (std::int64_t o = 0; o < offsets; ++o) {
    by_offset[o] =
        relative_position_bucket(o - (query_length - 1), num_buckets, max_distance, bidirectional);
  }
  at::Tensor out = at::empty({query_length, key_length}, at::kLong);
  auto* data = out.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < query_length; ++i) {
    for (std::int64_t j = 0; j < key_length; ++j) {
      data[i * key_length + j] = by_offset[j - i + query_length - 1];
    }
  }
  return out;
}

}  // namespace animate::wan
