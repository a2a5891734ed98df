// What the logger masks so that secrets never reach a log line, whatever a
// caller passes by mistake. Pure functions, tested on their own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace animate::runtime {

inline constexpr std::string_view kRedacted = "[redacted]";

// Field names that hold secrets: containing "password", "passwd", "secret",
// "token", "api_key", "apikey", "authorization" or "credential" (any case).
bool is_secret_field_name(std::string_view key);

// Every "scheme://user:password@" in `text` with the password replaced by
// "***" (redis://:pw@host:6379 -> redis://:***@host:6379).
std::string mask_url_passwords(std::string_view text);

// `text` with every occurrence of each secret replaced by kRedacted.
std::string mask_secrets(std::string_view text, const std::vector<std::string>& secrets);

}  // namespace animate::runtime
