#include "animate/jobs/ids.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace animate::jobs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// From the kernel's CSPRNG (getrandom(2)), never a seeded PRNG: a lease token
// is a capability (whoever knows it can write a job's result) and job ids are
// shown to clients, so neither may be predictable from ones seen before.
std::uint64_t random_u64() {
  std::uint64_t value = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&value);
  std::size_t filled = 0;
  while (filled < sizeof value) {
    const ssize_t n = ::getrandom(bytes + filled, sizeof value - filled, 0);
    if (n > 0) {
      filled += static_cast<std::size_t>(n);
    } else if (errno != EINTR) {
      throw std::runtime_error(std::string("getrandom failed: ") + std::strerror(errno));
    }
  }
  return value;
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
