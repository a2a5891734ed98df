#include "api_keys.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "animate/common/sha256.h"
#include "animate/jobs/ids.h"

namespace animate::server {
namespace {

// Raw 32-byte digest (from the hex form the shared SHA-256 gives).
std::string key_digest(std::string_view key) {
  const std::string hex = common::sha256_hex(key);
  std::string raw(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    raw[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return raw;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  // Through a volatile read so the compiler cannot turn the loop into an
  // early-exit comparison.
  volatile unsigned char result = difference;
  return result == 0;
}

ApiKeys ApiKeys::parse(std::istream& in, const std::string& source) {
  ApiKeys keys;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key;
    std::string tenant;
    std::string cap;
    std::string extra;
    if (!(words >> key)) continue;  // blank or comment
    const std::string where = source + ":" + std::to_string(number);
    if (!(words >> tenant) || ((words >> cap) && (words >> extra))) {
      throw std::runtime_error(where + ": expected 'key tenant [max_priority]'");
    }
    std::optional<int> max_priority;
    if (!cap.empty()) {
      int value = 0;
      const auto [end, error] = std::from_chars(cap.data(), cap.data() + cap.size(), value);
      if (error != std::errc() || end != cap.data() + cap.size() || value < -100 || value > 100) {
        throw std::runtime_error(where + ": max_priority must be a whole number in [-100, 100]");
      }
      max_priority = value;
    }
    if (!jobs::is_valid_tenant(tenant)) {
      throw std::runtime_error(where + ": tenant '" + tenant + "' is not [A-Za-z0-9._-]{1,64}");
    }
    std::string digest = key_digest(key);
    for (const Entry& entry : keys.entries_) {
      if (entry.digest == digest) {
        throw std::runtime_error(where + ": duplicate key (first seen earlier in the file)");
      }
    }
    keys.entries_.push_back({std::move(digest), tenant, max_priority});
  }
  return keys;
}

ApiKeys ApiKeys::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read API keys file " + path);
  return parse(in, path);
}

std::optional<int> ApiKeys::max_priority_of(const std::string& tenant) const {
  std::optional<int> cap;
  for (const Entry& entry : entries_) {
    // A tenant with several keys gets the highest cap any of its lines gives.
    if (entry.tenant == tenant && entry.max_priority) {
      cap = cap ? std::max(*cap, *entry.max_priority) : *entry.max_priority;
    }
  }
  return cap;
}

std::optional<std::string> ApiKeys::tenant_for(const std::string& key) const {
  const std::string digest = key_digest(key);
  const Entry* match = nullptr;
  for (const Entry& entry : entries_) {
    // Every entry is compared; the branch depends only on the outcome.
    if (constant_time_equal(entry.digest, digest)) match = &entry;
  }
  if (match == nullptr) return std::nullopt;
  return match->tenant;
}

}  // namespace animate::server
