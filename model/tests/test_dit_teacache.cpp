// TeaCache decisions and residual reuse.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

#include "model/tests/test_dit_support.h"
#include "model/unianimate/teacache.h"

namespace animate {
namespace {

TEST(TeaCache, DecisionsFollowTheAccumulator) {
  const std::vector<double> coefficients = {0.0, 0.0, 0.0, 1.0, 0.0};  // poly(r) = r
  unianimate::TeaCache cache(6, 0.25, coefficients);
  // Each step changes t_mod by 10% relative to the previous one.
  std::vector<at::Tensor> seq;
  at::Tensor t = at::ones({1, 6, 4});
  for (int i = 0; i < 6; ++i) {
    seq.push_back(t.clone());
    t = t * 1.1;
  }
  std::vector<int> decisions;
  for (const auto& s : seq) decisions.push_back(cache.should_compute(s) ? 1 : 0);
  // acc: step1 0.1 skip, step2 0.2 skip, step3 0.3 compute, step4 0.1 skip, step5 last -> compute.
  EXPECT_EQ(decisions, (std::vector<int>{1, 0, 0, 1, 0, 1}));
  EXPECT_NEAR(cache.last_relative_l1(), 0.1, 1e-6);  // reported, not accumulated
  EXPECT_EQ(cache.step(), 0);                        // wrapped
  // The next run starts over with a compute step.
  EXPECT_TRUE(cache.should_compute(seq[0]));
}

TEST(TeaCache, PolynomialIsHighestPowerFirst) {
  unianimate::TeaCache cache(10, 100.0, {2.0, 0.0, 1.0});  // 2 r^2 + 1
  cache.should_compute(at::ones({4}));
  EXPECT_FALSE(cache.should_compute(at::full({4}, 1.5)));  // r = 0.5
  EXPECT_DOUBLE_EQ(cache.accumulated(), 2.0 * 0.25 + 1.0);
  EXPECT_DOUBLE_EQ(cache.last_relative_l1(), 0.5);
}

TEST(TeaCache, KnownCoefficientTables) {
  EXPECT_EQ(unianimate::teacache_coefficients("Wan2.1-I2V-14B-720P").size(), 5u);
  EXPECT_DOUBLE_EQ(unianimate::teacache_coefficients("Wan2.1-I2V-14B-720P")[0], 8.10705460e+03);
  EXPECT_THROW(unianimate::teacache_coefficients("Wan9"), std::invalid_argument);
  EXPECT_THROW(unianimate::TeaCache(0, 0.3, {1.0}), std::invalid_argument);
}

TEST(TeaCache, SkipStepReusesResidual) {
  const auto config = testing::tiny_config();
  testing::MemorySource source(testing::random_dit_weights(config, 21));
  const auto dit = wan::WanDiT::load(source, config);
  const auto in = testing::random_inputs(config);
  unianimate::TeaCache cache(4, 1e9, {0.0, 1.0});  // always skip between first and last
  bool computed = false;
  const at::Tensor first = unianimate::forward_with_teacache(dit, in, cache, &computed);
  EXPECT_TRUE(computed);
  EXPECT_TRUE(at::allclose(first, dit.forward(in), 1e-6, 1e-6));
  // Same inputs: the skipped step reproduces the computed one.
  const at::Tensor second = unianimate::forward_with_teacache(dit, in, cache, &computed);
  EXPECT_FALSE(computed);
  EXPECT_TRUE(at::allclose(second, first, 1e-5, 1e-5));
  // Different latents: the skip uses the stored residual, not a fresh block pass.
  auto moved = in;
  moved.latents = in.latents + 0.5;
  const at::Tensor skipped = unianimate::forward_with_teacache(dit, moved, cache, &computed);
  EXPECT_FALSE(computed);
  wan::DitCall call = dit.prepare(moved);
  const at::Tensor expected =
      dit.unpatchify(dit.head(call.tokens + cache.residual(), call), call.grid);
  EXPECT_TRUE(at::allclose(skipped, expected, 1e-6, 1e-6));
  unianimate::forward_with_teacache(dit, moved, cache, &computed);
  EXPECT_TRUE(computed);  // last step
}

}  // namespace
}  // namespace animate
