#include "animate/jobs/redis_options.h"

#include <charconv>
#include <string>

#include "animate/jobs/jobs_error.h"

namespace animate::jobs {
namespace {

[[noreturn]] void bad_url(std::string_view url, const char* why) {
  throw JobsError(StatusCode::kInvalidArgument,
                  "bad Redis URL '" + std::string(url) + "': " + why +
                      " (expected redis://[:password@]host[:port][/db])",
                  "redis_url");
}

int parse_int(std::string_view url, std::string_view text, const char* what) {
  int value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < 0) bad_url(url, what);
  return value;
}

}  // namespace

RedisOptions RedisOptions::from_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) bad_url(url, "scheme must be redis://");
  RedisOptions options;
  std::string_view rest = url.substr(kScheme.size());

  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    // "user:password" or ":password"; ACL user names are not used here.
    const auto colon = credentials.find(':');
    options.password =
        std::string(colon == std::string_view::npos ? credentials : credentials.substr(colon + 1));
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) options.database = parse_int(url, db, "database must be a number");
    rest = rest.substr(0, slash);
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    options.port = parse_int(url, rest.substr(colon + 1), "port must be a number");
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) bad_url(url, "host is missing");
  options.host = std::string(rest);
  return options;
}

}  // namespace animate::jobs
