// The log line formats: one JSON object per line (parsed back here), text on
// terminals, levels, bound fields, and lines that stay whole across threads.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "animate/runtime/logger.h"

namespace animate::runtime {
namespace {

struct CapturedLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  LogSink sink() {
    return [this](std::string_view line) {
      const std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
};

Logger json_logger(CapturedLines& captured, LogLevel level = LogLevel::kDebug) {
  return Logger("worker", {level, LogFormat::kJson, captured.sink()});
}

TEST(Logger, JsonLineHasTheFixedFieldsAndTypedValues) {
  CapturedLines captured;
  const Logger logger = json_logger(captured);
  logger.info("job finished",
              {{"job_id", "j-1"}, {"frames", 81}, {"duration_ms", 812.5}, {"cancelled", false}});
  ASSERT_EQ(captured.lines.size(), 1u);
  const std::string& line = captured.lines[0];
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line";
  const auto event = nlohmann::json::parse(line);
  EXPECT_EQ(event["level"], "info");
  EXPECT_EQ(event["component"], "worker");
  EXPECT_EQ(event["message"], "job finished");
  EXPECT_EQ(event["job_id"], "j-1");
  EXPECT_EQ(event["frames"], 81);
  EXPECT_DOUBLE_EQ(event["duration_ms"].get<double>(), 812.5);
  EXPECT_EQ(event["cancelled"], false);
  const std::string time = event["time"];
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-12-03T20:18:15.123Z
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Logger, AwkwardTextStillParses) {
  CapturedLines captured;
  const Logger logger = json_logger(captured);
  const std::string awkward = std::string("quote \" back \\ newline \n tab \t bell \a bad ") +
                              static_cast<char>(0xC3) + "x caf\xC3\xA9";
  logger.error(awkward, {{"path", awkward}});
  const auto event = nlohmann::json::parse(captured.lines.at(0));
  const std::string message = event["message"];
  EXPECT_NE(message.find("quote \" back \\ newline \n tab \t bell \a bad \xEF\xBF\xBDx"),
            std::string::npos);
  EXPECT_NE(message.find("caf\xC3\xA9"), std::string::npos) << "valid UTF-8 is kept";
  EXPECT_EQ(event["path"], message);
}

TEST(Logger, ReservedNamesDoNotOverwriteTheFixedFields) {
  CapturedLines captured;
  json_logger(captured).info("m", {{"level", "x"}, {"message", "y"}});
  const auto event = nlohmann::json::parse(captured.lines.at(0));
  EXPECT_EQ(event["level"], "info");
  EXPECT_EQ(event["message"], "m");
  EXPECT_EQ(event["field_level"], "x");
  EXPECT_EQ(event["field_message"], "y");
}

TEST(Logger, LevelFloorAndChange) {
  CapturedLines captured;
  Logger logger = json_logger(captured, LogLevel::kWarning);
  logger.debug("d");
  logger.info("i");
  logger.warning("w");
  logger.error("e");
  EXPECT_EQ(captured.lines.size(), 2u);
  logger.set_level(LogLevel::kDebug);
  logger.with({{"job_id", "j"}}).debug("d2");  // copies share the level
  EXPECT_EQ(captured.lines.size(), 3u);
}

TEST(Logger, WithAddsBoundFieldsFirst) {
  CapturedLines captured;
  const Logger job = json_logger(captured).with({{"job_id", "j-7"}, {"tenant", "alice"}});
  job.info("claimed", {{"attempt", 2}});
  const std::string& line = captured.lines.at(0);
  EXPECT_LT(line.find("\"job_id\""), line.find("\"attempt\""));
  const auto event = nlohmann::json::parse(line);
  EXPECT_EQ(event["tenant"], "alice");
  EXPECT_EQ(event["attempt"], 2);
}

TEST(Logger, TextFormatForPeople) {
  CapturedLines captured;
  const Logger logger("server", {LogLevel::kInfo, LogFormat::kText, captured.sink()});
  logger.warning("queue full", {{"tenant", "alice"}, {"detail", "two words"}, {"n", 3}});
  const std::string& line = captured.lines.at(0);
  EXPECT_NE(line.find("Z warning server: queue full tenant=alice detail=\"two words\" n=3\n"),
            std::string::npos)
      << line;
}

TEST(Logger, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_log_level("warn"), LogLevel::kWarning);
  EXPECT_EQ(parse_log_level("error"), LogLevel::kError);
  EXPECT_FALSE(parse_log_level("verbose"));
  EXPECT_EQ(parse_log_format("auto", true), LogFormat::kText);
  EXPECT_EQ(parse_log_format("auto", false), LogFormat::kJson);
  EXPECT_EQ(parse_log_format("json", true), LogFormat::kJson);
  EXPECT_FALSE(parse_log_format("xml", true));
}

TEST(Logger, LinesStayWholeAcrossThreads) {
  CapturedLines captured;
  const Logger logger = json_logger(captured);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) logger.info("event", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(captured.lines.size(), 800u);
  for (const auto& line : captured.lines) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
}

// The part of "secrets never logged" that the logger enforces whatever the
// caller passes; the binaries' own tests check their whole logs.
TEST(Logger, SecretsNeverReachALine) {
  CapturedLines captured;
  Logger logger = json_logger(captured);
  logger.add_secret("s3cr3t-redis-pw");
  logger.add_secret("abc");  // too short to mask safely: refused
  logger.info("connecting to redis://:s3cr3t-redis-pw@redis:6379/0",
              {{"api_key", "key-alice-123"},
               {"Authorization", "Bearer key-alice-123"},
               {"url", "redis://user:hunter2hunter2@host/1"},
               {"note", "password is s3cr3t-redis-pw"},
               {"abc", "abc"}});
  const std::string& line = captured.lines.at(0);
  for (const char* secret : {"s3cr3t-redis-pw", "key-alice-123", "hunter2hunter2"}) {
    EXPECT_EQ(line.find(secret), std::string::npos) << secret << " in " << line;
  }
  const auto event = nlohmann::json::parse(line);
  EXPECT_EQ(event["api_key"], "[redacted]");
  EXPECT_EQ(event["url"], "redis://user:***@host/1");
  EXPECT_EQ(event["message"], "connecting to redis://:***@redis:6379/0");
  EXPECT_EQ(event["abc"], "abc");
}

}  // namespace
}  // namespace animate::runtime
