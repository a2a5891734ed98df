#pragma once
// The process's peak resident set size, for run summaries.
#include <cstdint>
#include <string>

namespace animate::worker {

// Bytes (getrusage's ru_maxrss); 0 when unavailable.
std::uint64_t peak_rss_bytes();

// "123.4 MiB", "2.1 GiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace animate::worker
