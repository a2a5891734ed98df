// Job ids, lease tokens and content addresses. Ids are checked before they
// are spliced into key names, so no id can alias another key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace animate::jobs {

// 12 hex digits of Unix milliseconds + 16 random hex digits: unique, and
// sorting by id sorts by creation time (job listings page on it).
std::string new_job_id();
bool is_valid_job_id(std::string_view id);
// The millisecond timestamp in a job id.
std::int64_t job_id_time_ms(std::string_view id);
// The smallest possible id created at `ms` (for range scans).
std::string job_id_floor(std::int64_t ms);

// 32 random hex digits.
std::string new_token();

// 64 lowercase hex digits.
bool is_valid_sha256_hex(std::string_view hex);

// Tenants are spliced into key names: [A-Za-z0-9._-]{1,64}.
bool is_valid_tenant(std::string_view tenant);
inline constexpr std::string_view kDefaultTenant = "default";

}  // namespace animate::jobs
