// Codecs and ids: what must round-trip exactly through Redis strings.
#include <gtest/gtest.h>

#include <array>
#include <set>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/ids.h"
#include "animate/jobs/job_params.h"
#include "animate/jobs/jobs_error.h"
#include "animate/jobs/redis_connection.h"
#include "animate/jobs/redis_options.h"
#include "animate/jobs/status_code.h"

namespace animate::jobs {
namespace {

TEST(RedisOptions, ParsesServiceContractUrls) {
  const auto plain = RedisOptions::from_url("redis://127.0.0.1:6379/0");
  EXPECT_EQ(plain.host, "127.0.0.1");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_EQ(plain.database, 0);
  const auto full = RedisOptions::from_url("redis://:s3cret@redis.internal:6380/2");
  EXPECT_EQ(full.host, "redis.internal");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.database, 2);
  EXPECT_EQ(full.password, "s3cret");
  EXPECT_EQ(RedisOptions::from_url("redis://localhost").port, 6379);
  EXPECT_THROW(RedisOptions::from_url("http://localhost"), JobsError);
  EXPECT_THROW(RedisOptions::from_url("redis://host:port"), JobsError);
}

TEST(Ids, JobIdsAreUniqueValidAndTimeOrdered) {
  const std::string a = new_job_id();
  const std::string b = new_job_id();
  EXPECT_NE(a, b);
  EXPECT_TRUE(is_valid_job_id(a));
  EXPECT_FALSE(is_valid_job_id(a + ":0"));  // could alias a chunk key
  EXPECT_FALSE(is_valid_job_id(""));
  EXPECT_LE(job_id_floor(job_id_time_ms(a)), a);
  EXPECT_LT(job_id_floor(job_id_time_ms(a) - 1), a);
}

// Tokens come from the kernel's CSPRNG: distinct, and every hex digit used
// about equally in each position (a stuck or short random source fails this;
// unpredictability itself is getrandom(2)'s property, not testable here).
TEST(Ids, TokensAreDistinctAndUniformlySpread) {
  constexpr int kTokens = 4000;
  std::set<std::string> seen;
  std::array<std::array<int, 16>, 32> counts{};
  for (int i = 0; i < kTokens; ++i) {
    const std::string token = new_token();
    ASSERT_EQ(token.size(), 32u);
    seen.insert(token);
    for (std::size_t position = 0; position < token.size(); ++position) {
      const char c = token[position];
      ++counts[position][c <= '9' ? c - '0' : c - 'a' + 10];
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kTokens));
  // Each count is Binomial(4000, 1/16): mean 250, sd 15.3; 250 +- 100 is
  // 6.5 sd, so a correct source fails this about never.
  for (const auto& position : counts) {
    for (const int count : position) {
      EXPECT_GT(count, 150);
      EXPECT_LT(count, 350);
    }
  }
}

TEST(Ids, TenantsAndAssetIds) {
  EXPECT_TRUE(is_valid_tenant("team-a.prod_1"));
  EXPECT_FALSE(is_valid_tenant("a:b"));
  EXPECT_FALSE(is_valid_tenant(""));
  const std::string sha(64, 'a');
  const std::string id = make_asset_id(AssetKind::kPoseVideo, sha);
  EXPECT_EQ(id, "posevid_" + sha);
  EXPECT_TRUE(is_valid_asset_id(id));
  EXPECT_FALSE(is_valid_asset_id("video_" + sha));
  EXPECT_FALSE(is_valid_asset_id("posevid_" + std::string(64, 'A')));
}

TEST(JobParams, RoundTripsExactly) {
  JobParams params;
  params.reference_image_asset_id = "refimg_x";
  params.width = 720;
  params.height = 1280;
  params.fit_mode = FitMode::kPad;
  params.shift = 0.1 + 0.2;  // not representable in few digits
  params.cfg_scale = 1.0 / 3.0;
  params.seed = -42;
  params.sampler = Sampler::kUniPC;
  params.teacache_threshold = 0.3;
  params.prompt = "line one\nline two \xe2\x9c\x93";
  params.fps = 29.97;
  params.crf = 18;
  const JobParams back = decode_job_params(encode_job_params(params));
  EXPECT_EQ(back, params);
  EXPECT_EQ(back.shift, params.shift);
  EXPECT_EQ(back.cfg_scale, params.cfg_scale);
  EXPECT_EQ(back.prompt, params.prompt);
}

TEST(StatusCode, NamesMatchGoogleRpc) {
  EXPECT_EQ(static_cast<int>(StatusCode::kResourceExhausted), 8);
  EXPECT_EQ(to_string(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(parse_status_code("ABORTED"), StatusCode::kAborted);
  EXPECT_FALSE(parse_status_code("ERR").has_value());
}

TEST(RedisConnection, UnreachableRedisIsUnavailable) {
  RedisOptions options;
  options.port = 1;  // nothing listens on loopback port 1
  options.connect_timeout = std::chrono::milliseconds(200);
  RedisConnection connection(options);
  try {
    connection.command({"PING"});
    FAIL() << "expected JobsError";
  } catch (const JobsError& error) {
    EXPECT_EQ(error.code(), StatusCode::kUnavailable);
  }
  EXPECT_FALSE(connection.connected());
}

}  // namespace
}  // namespace animate::jobs
