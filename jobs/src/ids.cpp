#include "animate/jobs/ids.h"

#include <array>
#include <chrono>
#include <mutex>
#include <random>

namespace animate::jobs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::uint64_t random_u64() {
  // One engine per process, seeded from the OS: ids must not repeat across
  // processes that start at the same millisecond.
  static std::mutex mutex;
  static std::mt19937_64 engine{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  std::lock_guard<std::mutex> lock(mutex);
  return engine();
}

void append_hex(std::string& out, std::uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) out.push_back(kHex[(value >> (4 * i)) & 0xF]);
}

bool all_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

constexpr std::size_t kTimeDigits = 12;
constexpr std::size_t kJobIdLength = kTimeDigits + 16;

}  // namespace

std::string new_job_id() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string id;
  id.reserve(kJobIdLength);
  append_hex(id, static_cast<std::uint64_t>(ms), kTimeDigits);
  append_hex(id, random_u64(), 16);
  return id;
}

bool is_valid_job_id(std::string_view id) {
  return id.size() == kJobIdLength && all_lower_hex(id);
}

std::int64_t job_id_time_ms(std::string_view id) {
  return static_cast<std::int64_t>(
      std::stoull(std::string(id.substr(0, kTimeDigits)), nullptr, 16));
}

std::string job_id_floor(std::int64_t ms) {
  std::string id;
  append_hex(id, static_cast<std::uint64_t>(ms), kTimeDigits);
  id.append(16, '0');
  return id;
}

std::string new_token() {
  std::string token;
  append_hex(token, random_u64(), 16);
  append_hex(token, random_u64(), 16);
  return token;
}

bool is_valid_sha256_hex(std::string_view hex) {
  return hex.size() == 64 && all_lower_hex(hex);
}

bool is_valid_tenant(std::string_view tenant) {
  if (tenant.empty() || tenant.size() > 64) return false;
  for (char c : tenant) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace animate::jobs
