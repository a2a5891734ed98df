#include <gtest/gtest.h>

#include <map>

#include "animate/runtime/flag_set.h"

namespace animate::runtime {
namespace {

struct Settings {
  std::string listen = "0.0.0.0:9090";
  std::string model;
  std::string level = "info";
  std::uint64_t max_bytes = 256;
  int threads = 0;
  std::chrono::milliseconds grace{10'000};
  std::chrono::seconds lease{60};
  double seconds = 600.0;
  bool insecure = false;
};

struct Declared {
  Settings settings;
  FlagSet flags{"animate-test", "A test binary."};
  Declared() {
    flags.text("listen", "listen address", settings.listen)
        .text("model-root", "model folder", settings.model)
        .env("ANIMATE_MODEL_DIR")
        .choice("log-level", "log floor", settings.level, {"debug", "info", "warning", "error"})
        .integer("max-bytes", "largest upload", settings.max_bytes, 1, 1u << 30)
        .integer("threads", "CPU threads", settings.threads, 0, 1024)
        .shown_default("LibTorch's choice")
        .seconds("grace-seconds", "shutdown grace", settings.grace)
        .seconds("lease-seconds", "job lease", settings.lease)
        .positive_number("max-video-seconds", "longest video", settings.seconds)
        .boolean("insecure", "no auth", settings.insecure);
  }
};

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(const std::vector<std::string>& args,
                     std::map<std::string, std::string> env = {}) {
  Declared declared;
  try {
    declared.flags.parse(args, env_of(std::move(env)));
  } catch (const FlagError& error) {
    return error.what();
  }
  return "no error";
}

TEST(FlagSet, DefaultsThenEnvironmentThenFlags) {
  Declared d;
  ASSERT_TRUE(d.flags.parse({"--max-bytes", "1000", "--grace-seconds=2.5", "--insecure"},
                            env_of({{"ANIMATE_MAX_BYTES", "7"},
                                    {"ANIMATE_LISTEN", "127.0.0.1:1"},
                                    {"ANIMATE_MODEL_DIR", "/models"},
                                    {"ANIMATE_LEASE_SECONDS", "30"},
                                    {"ANIMATE_THREADS", ""}})));
  EXPECT_EQ(d.settings.max_bytes, 1000u) << "the flag wins over the environment";
  EXPECT_EQ(d.settings.listen, "127.0.0.1:1");
  EXPECT_EQ(d.settings.model, "/models") << "a renamed variable";
  EXPECT_EQ(d.settings.lease, std::chrono::seconds(30));
  EXPECT_EQ(d.settings.threads, 0) << "an empty variable counts as unset";
  EXPECT_EQ(d.settings.grace, std::chrono::milliseconds(2500));
  EXPECT_TRUE(d.settings.insecure);
  EXPECT_EQ(d.settings.level, "info");
}

TEST(FlagSet, ErrorsNameTheFlagOrTheVariable) {
  EXPECT_EQ(error_of({"--max-uploads", "3"}), "unknown flag --max-uploads (see --help)");
  EXPECT_EQ(error_of({"model"}), "unexpected argument 'model' (see --help)");
  EXPECT_EQ(error_of({"--max-bytes"}), "--max-bytes needs a value");
  EXPECT_EQ(error_of({"--max-bytes", "12x"}),
            "--max-bytes: expected a whole number from 1 to 1073741824, got '12x'");
  EXPECT_EQ(error_of({"--max-bytes=0"}),
            "--max-bytes: expected a whole number from 1 to 1073741824, got '0'");
  EXPECT_EQ(error_of({"--max-bytes=-5"}),
            "--max-bytes: expected a whole number from 1 to 1073741824, got '-5'");
  EXPECT_EQ(error_of({}, {{"ANIMATE_MAX_BYTES", "lots"}}),
            "ANIMATE_MAX_BYTES (--max-bytes): expected a whole number from 1 to 1073741824, "
            "got 'lots'");
  EXPECT_EQ(error_of({"--log-level", "loud"}),
            "--log-level: expected debug, info, warning or error, got 'loud'");
  EXPECT_EQ(error_of({"--grace-seconds", "0"}),
            "--grace-seconds: expected a positive number, got '0'");
  EXPECT_EQ(error_of({"--max-video-seconds", "nan"}),
            "--max-video-seconds: expected a positive number, got 'nan'");
  EXPECT_EQ(error_of({"--lease-seconds", "1.5"}),
            "--lease-seconds: expected a whole number from 1 to 1000000000, got '1.5'");
  EXPECT_EQ(error_of({"--insecure=maybe"}), "--insecure: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of({"--max-bytes", "99999999999999999999999"}),
            "--max-bytes: expected a whole number from 1 to 1073741824, got "
            "'99999999999999999999999'");
}

TEST(FlagSet, HelpWinsAndListsEveryFlagWithItsVariableAndDefault) {
  Declared d;
  EXPECT_FALSE(d.flags.parse({"--bogus", "--help"}, env_of({})));
  const std::string usage = d.flags.usage();
  EXPECT_NE(usage.find("usage: animate-test [flags]\nA test binary.\n"), std::string::npos);
  EXPECT_NE(usage.find("--listen VALUE  (env ANIMATE_LISTEN)\n      listen address\n"
                       "      default: '0.0.0.0:9090'\n"),
            std::string::npos)
      << usage;
  EXPECT_NE(usage.find("--model-root VALUE  (env ANIMATE_MODEL_DIR)"), std::string::npos);
  EXPECT_NE(usage.find("default: (unset)"), std::string::npos);
  EXPECT_NE(usage.find("log floor (debug, info, warning or error)\n      default: info"),
            std::string::npos);
  EXPECT_NE(usage.find("default: LibTorch's choice"), std::string::npos);
  EXPECT_NE(usage.find("--grace-seconds VALUE  (env ANIMATE_GRACE_SECONDS)\n      shutdown "
                       "grace\n      default: 10\n"),
            std::string::npos);
  EXPECT_NE(usage.find("--insecure  (env ANIMATE_INSECURE)"), std::string::npos);
}

TEST(FlagSet, VariableNames) {
  EXPECT_EQ(environment_variable_for("max-upload-bytes"), "ANIMATE_MAX_UPLOAD_BYTES");
  Declared d;
  EXPECT_THROW(d.flags.text("listen", "again", d.settings.listen), std::logic_error);
}

}  // namespace
}  // namespace animate::runtime
