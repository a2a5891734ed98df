#pragma once
// T5's relative position buckets: exact buckets for small distances, then
// logarithmically wider ones up to max_distance; bidirectional encoders use
// separate halves for keys after (rel > 0) and before the query.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace animate::wan {

// Bucket of relative position `rel` = key_pos - query_pos. The logarithmic
// part is evaluated in float32 like the reference (torch.log on float32
// positions, then truncation), so boundary positions land in the same bucket.
// With 32 bidirectional buckets and max_distance 128: rel 0 -> 0, -1..-7 ->
// 1..7, -8..-11 -> 8, ..., <= -91 -> 15, +1..+7 -> 17..23, ..., >= +91 -> 31.
// Throws std::invalid_argument for num_buckets < 4 (bidirectional) / < 2, or
// max_distance not above the exact range.
std::int64_t relative_position_bucket(std::int64_t rel, std::int64_t num_buckets,
                                      std::int64_t max_distance, bool bidirectional = true);

// int64 [query_length, key_length] with the bucket of (j - i) at [i, j].
at::Tensor relative_position_buckets(std::int64_t query_length, std::int64_t key_length,
                                     std::int64_t num_buckets, std::int64_t max_distance,
                                     bool bidirectional = true);

}  // namespace animate::wan
