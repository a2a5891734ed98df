#include <gtest/gtest.h>

#include "animate/runtime/service_flags.h"

namespace animate::runtime {
namespace {

TEST(ServiceFlags, SharedGroupsWithTheirDefaultsAndVariables) {
  RedisSettings redis;
  LogSettings log;
  FlagSet flags("animate-test", "");
  add_logging_flags(add_redis_flags(flags, redis), log);
  EXPECT_TRUE(flags.parse({"--log-format", "json"},
                          [](const std::string& name) -> std::optional<std::string> {
                            if (name == "ANIMATE_REDIS_PREFIX") return "tenant-a:";
                            return std::nullopt;
                          }));
  EXPECT_EQ(redis.url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(redis.prefix, "tenant-a:");
  EXPECT_EQ(log.level, "info");
  EXPECT_EQ(log.format, "json");
  EXPECT_EQ(logger_options(log).format, LogFormat::kJson);
  log.level = "error";
  EXPECT_EQ(logger_options(log).level, LogLevel::kError);
  const std::string usage = flags.usage();
  for (const char* text : {"--redis-url VALUE  (env ANIMATE_REDIS_URL)", "ANIMATE_LOG_FORMAT",
                           "(auto, json or text)"}) {
    EXPECT_NE(usage.find(text), std::string::npos) << text << "\n" << usage;
  }
}

TEST(ServiceFlags, ReadCommandLineExitCodes) {
  EXPECT_EQ(read_command_line(
                "p", [] { return true; }, [] { return std::string(); }),
            std::nullopt);
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(read_command_line(
                "p", [] { return false; }, [] { return std::string("usage\n"); }),
            0);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "usage\n");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(
      read_command_line(
          "animate-x", []() -> bool { throw FlagError("--x: bad"); }, [] { return std::string(); }),
      2);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "animate-x: --x: bad\n");
}

}  // namespace
}  // namespace animate::runtime
