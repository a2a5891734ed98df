// Flags, environment variables and the API keys file format.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "api_keys.h"
#include "server_app.h"
#include "server_config.h"

namespace animate::server {
namespace {

runtime::EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST(ServerConfig, DefaultsEnvironmentAndFlags) {
  const auto defaults = parse_command_line({"--insecure-no-auth"}, env_of({})).config;
  EXPECT_EQ(defaults.listen, "0.0.0.0:50051");
  EXPECT_EQ(defaults.metrics_listen, "0.0.0.0:9090");
  EXPECT_EQ(defaults.redis.url, "redis://127.0.0.1:6379/0");

  const auto parsed = parse_command_line({"--listen", "127.0.0.1:1234", "--max-upload-bytes=100"},
                                         env_of({{"ANIMATE_LISTEN", "1.2.3.4:5"},
                                                 {"ANIMATE_MAX_QUEUED_JOBS", "7"},
                                                 {"ANIMATE_INSECURE_NO_AUTH", "true"}}))
                          .config;
  EXPECT_EQ(parsed.listen, "127.0.0.1:1234");  // flags win
  EXPECT_EQ(parsed.max_upload_bytes, 100u);
  EXPECT_EQ(parsed.max_queued_jobs, 7u);
}

TEST(ServerConfig, ErrorsNameTheFlag) {
  try {
    parse_command_line({"--max-upload-bytes", "lots"}, env_of({}));
    FAIL();
  } catch (const runtime::FlagError& error) {
    EXPECT_NE(std::string(error.what()).find("--max-upload-bytes"), std::string::npos);
  }
  EXPECT_THROW(parse_command_line({"--nope"}, env_of({})), runtime::FlagError);
  EXPECT_THROW(parse_command_line({"--tls-cert", "a.pem", "--insecure-no-auth"}, env_of({})),
               runtime::FlagError);
  EXPECT_TRUE(parse_command_line({"--help"}, env_of({})).help);
  EXPECT_NE(help_text().find("ANIMATE_API_KEYS_FILE"), std::string::npos);
}

TEST(ServerConfig, AuthenticationIsTheDefault) {
  try {
    parse_command_line({}, env_of({}));
    FAIL() << "started without keys";
  } catch (const runtime::FlagError& error) {
    EXPECT_NE(std::string(error.what()).find("--api-keys-file: required"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("--insecure-no-auth"), std::string::npos);
  }
  EXPECT_FALSE(
      parse_command_line({"--api-keys-file", "k.txt"}, env_of({})).config.insecure_no_auth);
  EXPECT_THROW(parse_command_line({"--api-keys-file", "k.txt", "--insecure-no-auth"}, env_of({})),
               runtime::FlagError);
  ServerConfig in_process;  // ServerApp checks too, for callers that skip the parser
  EXPECT_THROW(ServerApp app(in_process), runtime::FlagError);
}

TEST(ApiKeys, OptionalPriorityCapPerTenant) {
  std::istringstream file("k-1 a 20\nk-2 a 40\nk-3 b\n");
  const ApiKeys keys = ApiKeys::parse(file, "keys.txt");
  EXPECT_EQ(keys.max_priority_of("a"), 40) << "the highest of a tenant's lines";
  EXPECT_FALSE(keys.max_priority_of("b"));
  std::istringstream bad("k-1 a lots\n");
  EXPECT_THROW(ApiKeys::parse(bad, "keys.txt"), std::runtime_error);
  std::istringstream too_many("k-1 a 5 6\n");
  EXPECT_THROW(ApiKeys::parse(too_many, "keys.txt"), std::runtime_error);
}

TEST(ApiKeys, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_TRUE(constant_time_equal("", ""));
  std::istringstream file("k-1 a\nk-2 b\nk-3 c\n");
  const ApiKeys keys = ApiKeys::parse(file, "keys.txt");
  EXPECT_EQ(keys.tenant_for("k-2"), "b");
  EXPECT_EQ(keys.tenant_for("k-3"), "c");
  EXPECT_FALSE(keys.tenant_for("k-4"));
  EXPECT_FALSE(keys.tenant_for(""));
  std::istringstream twice("same a\nsame b\n");
  EXPECT_THROW(ApiKeys::parse(twice, "keys.txt"), std::runtime_error);
}

TEST(ApiKeys, ParsesLinesAndNeverEchoesKeys) {
  std::istringstream good("# comment\nkey-a alice\n\n  key-b bob  # trailing\n");
  const ApiKeys keys = ApiKeys::parse(good, "keys.txt");
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.tenant_for("key-a"), "alice");
  EXPECT_EQ(keys.tenant_for("key-b"), "bob");
  EXPECT_FALSE(keys.tenant_for("key-c"));

  std::istringstream bad("secret-key-123 two words\n");
  try {
    ApiKeys::parse(bad, "keys.txt");
    FAIL();
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("keys.txt:1"), std::string::npos);
    EXPECT_EQ(message.find("secret-key-123"), std::string::npos);
  }
}

}  // namespace
}  // namespace animate::server
