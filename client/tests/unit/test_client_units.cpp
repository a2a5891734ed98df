// Unit tests of the client pieces that need no server: SHA-256 against the
// FIPS 180-4 vectors, the command-line parser, the job flags, the video sink
// and the load generator's PNG encoder.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "args.h"
#include "job_request_flags.h"
#include "png_writer.h"
#include "video_file_sink.h"

namespace animate::client {
namespace {

TEST(Args, ParsesFlagsSwitchesAndPositionals) {
  const Args args({"status", "--server=h:1", "--json", "JOB", "--timeout", "2.5"},
                  {"--server", "--timeout"}, {"--json"});
  EXPECT_EQ(args.get_or("--server", ""), "h:1");
  EXPECT_TRUE(args.has("--json"));
  EXPECT_EQ(args.positional(1, "JOB"), "JOB");
  EXPECT_DOUBLE_EQ(*args.get_double("--timeout"), 2.5);
  EXPECT_THROW(Args({"--nope"}, {}, {}), UsageError);
  EXPECT_THROW(Args({"--server"}, {"--server"}, {}), UsageError);
  EXPECT_THROW(Args({"--n", "x"}, {"--n"}, {}).get_int("--n"), UsageError);
}

TEST(JobRequestFlags, MapsEveryFlag) {
  const Args args({"--preset",
                   "720p",
                   "--fit",
                   "crop",
                   "--frames",
                   "81",
                   "--steps",
                   "20",
                   "--shift",
                   "3",
                   "--cfg",
                   "1",
                   "--seed",
                   "-5",
                   "--sampler",
                   "unipc",
                   "--teacache",
                   "0.3",
                   "--pose-strength",
                   "0.5",
                   "--prompt",
                   "p",
                   "--negative-prompt",
                   "n",
                   "--fps",
                   "16",
                   "--crf",
                   "18",
                   "--priority",
                   "7",
                   "--idempotency-key",
                   "k",
                   "--deadline",
                   "1.5",
                   "--max-queue-time",
                   "60"},
                  job_request_value_flags(), {});
  const auto request = job_request_from_args(args);
  const auto& p = request.params();
  EXPECT_EQ(p.size_preset(), animate::v1::SIZE_PRESET_720P);
  EXPECT_EQ(p.fit_mode(), animate::v1::FIT_MODE_CROP);
  EXPECT_EQ(p.frame_count(), 81u);
  EXPECT_EQ(p.steps(), 20u);
  EXPECT_EQ(p.seed(), -5);
  EXPECT_EQ(p.sampler(), animate::v1::SAMPLER_UNIPC);
  EXPECT_FLOAT_EQ(p.teacache_threshold(), 0.3f);
  EXPECT_EQ(p.negative_prompt(), "n");
  EXPECT_EQ(p.crf(), 18u);
  EXPECT_EQ(request.priority(), 7);
  EXPECT_EQ(request.idempotency_key(), "k");
  EXPECT_EQ(request.max_run_time().seconds(), 1);
  EXPECT_EQ(request.max_run_time().nanos(), 500000000);
  EXPECT_EQ(request.max_queue_time().seconds(), 60);
  // Unset optional fields stay unset (server defaults apply).
  const auto empty = job_request_from_args(Args({}, job_request_value_flags(), {}));
  EXPECT_FALSE(empty.params().has_steps());
  EXPECT_FALSE(empty.params().has_seed());
  EXPECT_THROW(job_request_from_args(Args({"--priority", "101"}, job_request_value_flags(), {})),
               UsageError);
  EXPECT_THROW(job_request_from_args(Args({"--fit", "zoom"}, job_request_value_flags(), {})),
               UsageError);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(VideoFileSink, AppendsAndRestartsAtOffsetZero) {
  const auto path =
      std::filesystem::temp_directory_path() /
      ("animate-sink-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  {
    VideoFileSink sink(path);
    sink.write(0, "init");
    sink.write(4, "frag1");
    EXPECT_EQ(sink.size(), 9u);
    sink.write(4, "frag1");  // a replayed chunk changes nothing
    EXPECT_EQ(read_all(path), "initfrag1");
    sink.write(0, "INIT");  // retried attempt: start over
    EXPECT_EQ(sink.size(), 4u);
    EXPECT_THROW(sink.write(10, "gap"), std::runtime_error);
    sink.close();
  }
  EXPECT_EQ(read_all(path), "INIT");
  std::filesystem::remove(path);
}

TEST(PngWriter, WritesAValidPngSignatureAndDistinctNoise) {
  const std::string a = loadgen::noise_png(17, 5, 1);
  const std::string b = loadgen::noise_png(17, 5, 2);
  EXPECT_EQ(a.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(a.substr(a.size() - 8, 4), "IEND");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_THROW(loadgen::encode_png_stored(2, 2, "short"), std::invalid_argument);
}

}  // namespace
}  // namespace animate::client
