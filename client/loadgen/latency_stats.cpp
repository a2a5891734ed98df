#include "latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace animate::loadgen {

void LatencySamples::merge(const LatencySamples& other) {
  ok_ms.insert(ok_ms.end(), other.ok_ms.begin(), other.ok_ms.end());
  for (const auto& [code, count] : other.errors) errors[code] += count;
}

LatencySummary LatencySamples::summarize(double wall_seconds) const {
  LatencySummary summary;
  summary.ok = ok_ms.size();
  summary.errors = errors;
  summary.wall_seconds = wall_seconds;
  if (wall_seconds > 0) summary.per_second = static_cast<double>(summary.ok) / wall_seconds;
  if (ok_ms.empty()) return summary;
  std::vector<double> sorted = ok_ms;
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentiles: always an observed value.
  const auto rank = [&](double p) {
    const auto index = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(index, 1, sorted.size()) - 1];
  };
  summary.p50_ms = rank(0.50);
  summary.p90_ms = rank(0.90);
  summary.p99_ms = rank(0.99);
  summary.max_ms = sorted.back();
  summary.mean_ms =
      std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
  return summary;
}

}  // namespace animate::loadgen
