// Where and how to reach Redis.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace animate::jobs {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int database = 0;
  std::string password;  // empty = no AUTH
  std::chrono::milliseconds connect_timeout{2000};
  // Per-command socket timeout; blocking reads extend it by their block time.
  std::chrono::milliseconds command_timeout{5000};
  // Prefix of every key (service contract: "animate:").
  std::string key_prefix = "animate:";

  // Parses redis://[:password@]host[:port][/db] (the --redis-url format).
  // Throws JobsError(kInvalidArgument) on anything else.
  static RedisOptions from_url(std::string_view url);
};

}  // namespace animate::jobs
