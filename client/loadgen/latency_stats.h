// Latency samples of one measured call type and their summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace animate::loadgen {

struct LatencySummary {
  std::uint64_t ok = 0;
  std::map<std::string, std::uint64_t> errors;  // gRPC code name -> count
  double wall_seconds = 0;
  double per_second = 0;  // successful calls per second of wall time
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};

// One per thread (no locking while measuring), merged at the end.
struct LatencySamples {
  std::vector<double> ok_ms;
  std::map<std::string, std::uint64_t> errors;

  void merge(const LatencySamples& other);
  LatencySummary summarize(double wall_seconds) const;
};

}  // namespace animate::loadgen
